#define _GNU_SOURCE
#include "CFileCalls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/fs.h>
#include <sys/ioctl.h>

int fleche_clone_range(int source, uint64_t offset, int destination) {
    struct file_clone_range range = {
        .src_fd = source, .src_offset = offset, .src_length = 0, .dest_offset = 0,
    };
    return ioctl(destination, FICLONERANGE, &range) == 0 ? 0 : errno;
}
#else
int fleche_clone_range(int source, uint64_t offset, int destination) {
    (void)source; (void)offset; (void)destination;
    return EOPNOTSUPP;
}
#endif

int fleche_open_nameless(const char *directory, unsigned int mode) {
#if defined(O_TMPFILE)
    return open(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
#else
    (void)directory; (void)mode;
    errno = EOPNOTSUPP;
    return -1;
#endif
}

int fleche_name_file(int descriptor, const char *path) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", descriptor);
    return linkat(AT_FDCWD, link, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 ? 0 : errno;
}

int fleche_exchange(const char *first, const char *second) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
    return renameat2(AT_FDCWD, first, AT_FDCWD, second, RENAME_EXCHANGE) == 0 ? 0 : errno;
#else
    (void)first; (void)second;
    return EOPNOTSUPP;
#endif
}
