// OpenSSL 3's one-shot SHA512() goes through EVP and loads providers and openssl.cnf, which costs
// milliseconds per exec. The low-level SHA512_* functions are deprecated but do no initialisation.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include "CCryptoShim.h"

void cni_sha512(const void *data, size_t len, uint8_t out[64]) {
    SHA512_CTX ctx;
    SHA512_Init(&ctx);
    SHA512_Update(&ctx, data, len);
    SHA512_Final(out, &ctx);
}
