#ifndef SWEEP_SHIMS_H
#define SWEEP_SHIMS_H
#include <spawn.h>

// Linux calls Swift's Glibc module does not expose (GNU extensions or variadic).

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are not inherited by other children.
int sweep_pipe_cloexec(int fds[2]);
/// posix_spawn_file_actions_addclosefrom_np: close every descriptor >= from in the child.
int sweep_spawn_closefrom(posix_spawn_file_actions_t *actions, int from);
/// posix_spawn_file_actions_addchdir_np: start the child in `path`.
int sweep_spawn_chdir(posix_spawn_file_actions_t *actions, const char *path);
#endif
