/*
 * sf_crypto.h - SHA-256 and Ed25519 through OpenSSL libcrypto.
 *
 * Keys are PEM files: PREFIX.key (PKCS#8 private key, mode 0600) and
 * PREFIX.pub (SubjectPublicKeyInfo).  A key's id is the first 8 bytes of
 * the SHA-256 of its raw 32-byte public key, in hex: short enough to show,
 * long enough to tell keys apart.
 */
#ifndef SF_CRYPTO_H
#define SF_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

#define SF_SIG_LEN 64

void sf_sha256(const void *data, size_t len, uint8_t out[32]);
/* 64 hex digits + NUL. */
void sf_hex(const uint8_t *in, size_t n, char *out);
/* The first n bytes (32: all) of data's SHA-256 as 2n hex digits + NUL:
 * image hashes (32) and 16-digit identities (8). */
void sf_sha256_hex(const void *data, size_t len, size_t n, char *out);
/* 16 random bytes as 32 hex digits + NUL (RAND_bytes): run ids, session
 * tokens. */
void sf_random_hex(char out[33]);
/* Parse 64 hex digits; 0 or SF_EMALFORMED. */
int sf_unhex32(const char *hex, uint8_t out[32]);

/* Write PREFIX.key and PREFIX.pub; refuses to overwrite (SF_EINVAL).
 * SF_EFILE when either cannot be written.  *keyid may be NULL. */
int sf_key_generate(const char *prefix, char keyid[17], struct sf_errctx *ec);

/* Sign msg with the private key in keyfile (a regular file).  Errors:
 * SF_EFILE (missing, unreadable, not a regular file, not a PEM private
 * key or not an Ed25519 one: the file is not what it must be), SF_EIO. */
int sf_sign(const char *keyfile, const uint8_t *msg, size_t len, uint8_t sig[SF_SIG_LEN],
            char keyid[17], struct sf_errctx *ec);

/*
 * Verify sig over msg against every *.pub in dir.  Returns 0 and the
 * signer's id when one key verifies it; SF_ESIG when none does (wrong key,
 * or altered message); SF_ENODEV when dir is missing or has no keys;
 * SF_EACCES when dir or a *.pub in it is not safe to trust (like OpenSSH's
 * StrictModes): owned by neither root nor the effective user, group- or
 * world-writable, a symbolic link or not a regular file - ec's one line
 * names the file and the fix.
 */
int sf_verify_dir(const char *dir, const uint8_t *msg, size_t len,
                  const uint8_t sig[SF_SIG_LEN], char keyid[17], struct sf_errctx *ec);

#endif
