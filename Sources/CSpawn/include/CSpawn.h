#ifndef FLECHE_CSPAWN_H
#define FLECHE_CSPAWN_H

#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): a pipe whose ends no child inherits unless it is given them.
/// (A GNU extension that Swift's Glibc module does not import.)
int fleche_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `from` on.
/// Returns 0 or an error number (ENOSYS where the C library lacks it).
int fleche_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

#endif
