#ifndef SWEEP_CZLIB_SHIM_H
#define SWEEP_CZLIB_SHIM_H
// gzopen/gzread read gzip and plain files alike, so IDX files work either way.
#include <zlib.h>
#endif
