#define _GNU_SOURCE
#include "CSweepShims.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

// The guard runs between fork and exec of a multithreaded process, so it uses only
// async-signal-safe calls: no malloc, no stdio, no locks.

/// The pids in `/proc/thread-self/children` (the guard has one thread), at most `max`;
/// -1 if that file cannot be read (a kernel without CONFIG_PROC_CHILDREN).
static int guard_children(pid_t *pids, int max) {
    int fd = open("/proc/thread-self/children", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buffer[8192];
    int count = 0;
    long value = -1;
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
        for (ssize_t i = 0; i < n; i++) {
            if (buffer[i] >= '0' && buffer[i] <= '9') {
                value = (value < 0 ? 0 : value * 10) + (buffer[i] - '0');
            } else if (value >= 0) {
                if (count < max) pids[count++] = (pid_t)value;
                value = -1;
            }
        }
    }
    if (value >= 0 && count < max) pids[count++] = (pid_t)value;
    close(fd);
    return count;
}

/// The same from a scan of /proc (each process's parent, the 4th field of its stat).
static int guard_children_by_scan(pid_t *pids, int max) {
    int dir = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return 0;
    pid_t self = getpid();
    char entries[4096];
    int count = 0;
    long n;
    while (count < max && (n = syscall(SYS_getdents64, dir, entries, sizeof entries)) > 0) {
        for (long offset = 0; offset < n && count < max;) {
            struct linux_dirent64 { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; };
            struct linux_dirent64 *entry = (struct linux_dirent64 *)(entries + offset);
            offset += entry->reclen;
            long pid = 0;
            const char *c = entry->name;
            for (; *c >= '0' && *c <= '9'; c++) pid = pid * 10 + (*c - '0');
            if (*c != '\0' || pid <= 0) continue;
            char path[64] = "/proc/";
            int length = 6;
            char digits[24];
            int d = 0;
            for (long v = pid; v > 0; v /= 10) digits[d++] = (char)('0' + v % 10);
            while (d > 0) path[length++] = digits[--d];
            const char *tail = "/stat";
            for (int i = 0; tail[i]; i++) path[length++] = tail[i];
            path[length] = '\0';
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            char stat[512];
            ssize_t got = read(fd, stat, sizeof stat - 1);
            close(fd);
            if (got <= 0) continue;
            stat[got] = '\0';
            char *close_paren = NULL;
            for (char *p = stat; *p; p++) if (*p == ')') close_paren = p;
            // ") S PPID ...": skip ") ", the state and a blank.
            if (close_paren == NULL || close_paren + 4 >= stat + got) continue;
            long parent = 0;
            for (char *p = close_paren + 4; *p >= '0' && *p <= '9'; p++) parent = parent * 10 + (*p - '0');
            if (parent == self) pids[count++] = (pid_t)pid;
        }
    }
    close(dir);
    return count;
}

static volatile sig_atomic_t guard_program = 0;

/// SIGTERM, SIGINT or SIGHUP to the guard ends the program (and so, everything).
static void guard_forward(int signal) {
    (void)signal;
    if (guard_program > 0) kill(guard_program, SIGKILL);
}

/// The guard's life after fork: never returns.
static void guard_run(const char *path, char *const argv[], char *const envp[], const int fds[3],
                      const char *directory, int report) {
    // Signals as a fresh program expects them: default handling, nothing blocked.
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) {
        if (s != SIGKILL && s != SIGSTOP) sigaction(s, &action, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    // Descriptors: the three given (moved above 9 first, so none overwrites another), the
    // report pipe at 3 (closed by the program's exec), every other one closed.
    int high[3];
    for (int t = 0; t < 3; t++) high[t] = fds[t] >= 0 ? fcntl(fds[t], F_DUPFD_CLOEXEC, 10) : -1;
    int reportHigh = fcntl(report, F_DUPFD_CLOEXEC, 10);
    for (int t = 0; t < 3; t++) if (high[t] >= 0) dup2(high[t], t);
    dup2(reportHigh, 3);
    fcntl(3, F_SETFD, FD_CLOEXEC);
    closefrom(4);
    int error = 0;
    if (directory != NULL && chdir(directory) != 0) error = errno;
    if (error == 0 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) error = errno;
    if (error != 0) {
        while (write(3, &error, sizeof error) < 0 && errno == EINTR) {}
        _exit(127);
    }

    // SIGTERM, SIGINT and SIGHUP wait (blocked) until the guard knows the program's pid.
    sigset_t forwarded;
    sigemptyset(&forwarded);
    sigaddset(&forwarded, SIGTERM);
    sigaddset(&forwarded, SIGINT);
    sigaddset(&forwarded, SIGHUP);
    sigprocmask(SIG_BLOCK, &forwarded, NULL);
    action.sa_handler = guard_forward;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGHUP, &action, NULL);

    // _Fork, not fork: this child of a threaded process inherited the other threads' locks
    // held (malloc's among them) with none of the threads to release them; fork's handlers
    // would wait on them forever (seen: a test stuck in __malloc_fork_lock_parent).
    pid_t program = _Fork();
    if (program == 0) {
        action.sa_handler = SIG_DFL;
        sigaction(SIGTERM, &action, NULL);
        sigaction(SIGINT, &action, NULL);
        sigaction(SIGHUP, &action, NULL);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(path, argv, envp);
        error = errno;
        while (write(3, &error, sizeof error) < 0 && errno == EINTR) {}
        _exit(127);
    }
    if (program < 0) {
        error = errno;
        while (write(3, &error, sizeof error) < 0 && errno == EINTR) {}
        _exit(127);
    }
    close(3);
    guard_program = program;
    // Out of the caller's group, so that killing that group (which takes the program) leaves
    // the guard alive to clean up after it.
    setpgid(0, 0);
    sigprocmask(SIG_UNBLOCK, &forwarded, NULL);

    int status = 0;
    while (waitpid(program, &status, 0) < 0) {
        if (errno != EINTR) { status = 127 << 8; break; }
    }
    guard_program = 0;

    // Whatever is left is the program's: orphans come to the guard (a subreaper). Kill and
    // reap each child; its children then come to the guard, until none is left.
    pid_t children[1024];
    for (int round = 0; round < 100000; round++) {
        int count = guard_children(children, 1024);
        if (count < 0) count = guard_children_by_scan(children, 1024);
        if (count == 0) break;
        for (int i = 0; i < count; i++) kill(children[i], SIGKILL);
        for (int i = 0; i < count; i++) {
            while (waitpid(children[i], NULL, 0) < 0 && errno == EINTR) {}
        }
    }

    if (WIFSIGNALED(status)) {
        // End by the same signal, without a core file of the guard.
        int signal = WTERMSIG(status);
        struct rlimit none_core = {0, 0};
        setrlimit(RLIMIT_CORE, &none_core);
        action.sa_handler = SIG_DFL;
        sigaction(signal, &action, NULL);
        kill(getpid(), signal);
        _exit(128 + signal);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
}

int sweep_spawn_guarded(pid_t *pid, const char *path, char *const argv[], char *const envp[], const int fds[3],
                        const char *directory) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return errno;
    // _Fork skips the atfork handlers, which may take locks another thread holds.
    pid_t guard = _Fork();
    if (guard < 0) {
        int error = errno;
        close(report[0]);
        close(report[1]);
        return error;
    }
    if (guard == 0) guard_run(path, argv, envp != NULL ? envp : environ, fds, directory, report[1]);
    close(report[1]);
    // End of file: the program was started. Else the errno of what failed.
    int error = 0;
    ssize_t n;
    while ((n = read(report[0], &error, sizeof error)) < 0 && errno == EINTR) {}
    close(report[0]);
    if (n == sizeof error && error != 0) {
        while (waitpid(guard, NULL, 0) < 0 && errno == EINTR) {}
        return error;
    }
    *pid = guard;
    return 0;
}
