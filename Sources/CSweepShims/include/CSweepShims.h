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

/// sweep_spawn for a user's program that must not outlive its job: the child is a guard
/// (a child subreaper, PR_SET_CHILD_SUBREAPER, in a process group of its own) that starts
/// the program in the caller's process group, waits for it, then kills and reaps
/// everything the program left behind (even what left its group or session, which the
/// kernel hands to the guard), and ends as the program did (same status or signal).
/// Killing the caller's group kills the program, and so the guard cleans up too.
/// `*pid` is the guard's. Returns 0 or an errno value (the program's exec failure too).
int sweep_spawn_guarded(pid_t *pid, const char *path, char *const argv[], char *const envp[], const int fds[3],
                        const char *directory);
#endif
