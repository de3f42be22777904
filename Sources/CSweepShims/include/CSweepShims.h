#ifndef SWEEP_SHIMS_H
#define SWEEP_SHIMS_H
#include <spawn.h>
#include <sys/types.h>

// Linux calls Swift's Glibc module does not expose (GNU extensions or variadic).

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are not inherited by other children.
int sweep_pipe_cloexec(int fds[2]);

/// What a child's process group is: ours, its own, or its own session (no terminal).
enum sweep_spawn_group { SWEEP_SPAWN_SAME_GROUP = 0, SWEEP_SPAWN_OWN_GROUP = 1, SWEEP_SPAWN_OWN_SESSION = 2 };

/// posix_spawn with the hygiene every child of sweep gets: descriptors 0, 1 and 2 from
/// `fds` (-1 keeps ours), every other descriptor closed, default handling of SIGPIPE,
/// SIGINT, SIGTERM and SIGCHLD with nothing blocked (the calling thread may block signals,
/// and sweep ignores SIGPIPE), started in `directory` (NULL: ours) with `envp` (NULL: ours).
/// Returns 0 or an errno value, as posix_spawn does.
int sweep_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const int fds[3],
                const char *directory, enum sweep_spawn_group group);
#endif
