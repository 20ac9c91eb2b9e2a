#ifndef FLECHE_CFILECALLS_H
#define FLECHE_CFILECALLS_H

#include <stdint.h>

// File calls Swift cannot make directly: `ioctl` is variadic, and `O_TMPFILE` and `linkat`
// through `/proc/self/fd` are Linux macros and conventions.

/// Makes the bytes of `source` from `offset` to its end the content of `destination` (from
/// its start) by sharing the file system's blocks (Linux `FICLONERANGE`: btrfs, XFS, bcachefs,
/// OCFS2), without reading or writing them. Returns 0 on success, else the errno: EOPNOTSUPP,
/// EXDEV, EINVAL (say, an offset that is not a multiple of the block size) mean the file
/// system cannot do it here and the caller copies.
int fleche_clone_range(int source, uint64_t offset, int destination);

/// Opens a new, nameless regular file in `directory` for writing (Linux `O_TMPFILE`), with
/// permissions `mode` (before the umask). A process killed before it is given a name leaves
/// nothing behind. Returns the descriptor, or -1 with errno set (EOPNOTSUPP, EISDIR: the file
/// system cannot; the caller falls back to a named temporary file).
int fleche_open_nameless(const char *directory, unsigned int mode);

/// Gives the nameless file `descriptor` the name `path` (`linkat` through `/proc/self/fd`).
/// Returns 0, or the errno (EEXIST if `path` exists).
int fleche_name_file(int descriptor, const char *path);

/// Swaps the names `first` and `second` atomically (Linux `renameat2` with
/// `RENAME_EXCHANGE`): how a directory replaces another whole. Returns 0, or the errno.
int fleche_exchange(const char *first, const char *second);

#endif
