#ifndef CCRYPTOSHIM_H
#define CCRYPTOSHIM_H
#include <stddef.h>
#include <stdint.h>
/// SHA-512 of `len` bytes into `out` (64 bytes), computed by the system's libcrypto.
void cni_sha512(const void *data, size_t len, uint8_t out[64]);
#endif
