#ifndef SWEEP_CLIBCRYPTO_SHIM_H
#define SWEEP_CLIBCRYPTO_SHIM_H
// Only the one-shot and streaming EVP digest API is used (SHA-256 of configs,
// binaries and data files).
#include <openssl/evp.h>
#endif
