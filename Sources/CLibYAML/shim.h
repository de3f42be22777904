#ifndef SWEEP_CLIBYAML_SHIM_H
#define SWEEP_CLIBYAML_SHIM_H

/* libyaml's event parser, from Debian's libyaml-dev. No `link` here: SweepSpec links the
 * static library (see Package.swift), so a shipped binary needs no libyaml on the host. */
#include <yaml.h>

#endif
