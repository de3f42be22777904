#define _GNU_SOURCE
#include "CSweepShims.h"
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

extern char **environ;

int sweep_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int sweep_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[], const int fds[3],
                const char *directory, enum sweep_spawn_group group) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attributes);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return rc;
    }
    for (int target = 0; target < 3 && rc == 0; target++) {
        if (fds[target] >= 0) rc = posix_spawn_file_actions_adddup2(&actions, fds[target], target);
    }
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    if (rc == 0 && directory != NULL) rc = posix_spawn_file_actions_addchdir_np(&actions, directory);

    sigset_t defaults, none;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGCHLD);
    sigemptyset(&none);
    short flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
    if (group == SWEEP_SPAWN_OWN_GROUP) flags |= POSIX_SPAWN_SETPGROUP;
    if (group == SWEEP_SPAWN_OWN_SESSION) flags |= POSIX_SPAWN_SETSID;
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attributes, &defaults);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attributes, &none);
    if (rc == 0 && group == SWEEP_SPAWN_OWN_GROUP) rc = posix_spawnattr_setpgroup(&attributes, 0);
    if (rc == 0) rc = posix_spawnattr_setflags(&attributes, flags);
    if (rc == 0) rc = posix_spawn(pid, path, &actions, &attributes, argv, envp != NULL ? envp : environ);

    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}
