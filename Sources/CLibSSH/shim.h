#ifndef SWEEP_CLIBSSH_SHIM_H
#define SWEEP_CLIBSSH_SHIM_H

#include <stdbool.h>
#include <libssh/libssh.h>
#include <libssh/callbacks.h>
#include <libssh/sftp.h>
#include <libssh/server.h>

/* ssh_options_set takes its value through `const void *`; these wrappers let
 * Swift pass plain values instead of taking the address of a temporary. */

/// Sets an option whose value is a C string (`SSH_OPTIONS_HOST`, `SSH_OPTIONS_USER`, ...).
static inline int sweep_ssh_options_set_string(ssh_session session, enum ssh_options_e type, const char *value) {
    return ssh_options_set(session, type, value);
}

/// Sets an option whose value is an `unsigned int` (`SSH_OPTIONS_PORT`).
static inline int sweep_ssh_options_set_uint(ssh_session session, enum ssh_options_e type, unsigned int value) {
    return ssh_options_set(session, type, &value);
}

/// Sets an option whose value is an `int` (`SSH_OPTIONS_NODELAY`, `SSH_OPTIONS_LOG_VERBOSITY`).
static inline int sweep_ssh_options_set_int(ssh_session session, enum ssh_options_e type, int value) {
    return ssh_options_set(session, type, &value);
}

/// Sets an option whose value is a `long` (`SSH_OPTIONS_TIMEOUT`, `SSH_OPTIONS_TIMEOUT_USEC`).
static inline int sweep_ssh_options_set_long(ssh_session session, enum ssh_options_e type, long value) {
    return ssh_options_set(session, type, &value);
}

/// Sets an option whose value is a `bool` (`SSH_OPTIONS_PROCESS_CONFIG`).
static inline int sweep_ssh_options_set_bool(ssh_session session, enum ssh_options_e type, bool value) {
    return ssh_options_set(session, type, &value);
}

#endif
