/*
 * sf_crypto.c - libcrypto wrappers.  See sf_crypto.h.
 */
#define _GNU_SOURCE
#include "sf_crypto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/sf_file.h"

void sf_sha256(const void *data, size_t len, uint8_t out[32])
{
    unsigned int n = 32;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void sf_random_hex(char out[33])
{
    uint8_t b[16];
    if (RAND_bytes(b, sizeof(b)) != 1) {
        /* No entropy from OpenSSL (should not happen on Linux): still
         * unique enough per process and moment for an identifier. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        for (int i = 0; i < 16; i++)
            b[i] = (uint8_t)((ts.tv_nsec >> (i % 8)) ^ getpid() ^ i);
    }
    sf_hex(b, 16, out);
}

void sf_hex(const uint8_t *in, size_t n, char *out)
{
    static const char h[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = h[in[i] >> 4];
        out[2 * i + 1] = h[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int sf_unhex32(const char *hex, uint8_t out[32])
{
    if (!hex || strlen(hex) != 64)
        return SF_EMALFORMED;
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        for (int j = 0; j < 2; j++) {
            char c = hex[2 * i + j];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= (unsigned)(c - 'A' + 10);
            else
                return SF_EMALFORMED;
        }
        out[i] = (uint8_t)v;
    }
    return 0;
}

static void key_id(EVP_PKEY *k, char keyid[17])
{
    uint8_t raw[32], d[32];
    size_t n = sizeof(raw);
    if (!keyid)
        return;
    if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1) {
        snprintf(keyid, 17, "unknown");
        return;
    }
    sf_sha256(raw, n, d);
    sf_hex(d, 8, keyid);
}

int sf_key_generate(const char *prefix, char keyid[17], struct sf_errctx *ec)
{
    char kpath[4096], ppath[4096];
    snprintf(kpath, sizeof(kpath), "%s.key", prefix);
    snprintf(ppath, sizeof(ppath), "%s.pub", prefix);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!k)
        return sf_err_set(ec, SF_EIO, "cannot generate an Ed25519 key");
    int rc = 0;
    int kfd = open(kpath, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (kfd < 0) {
        rc = sf_err_set(ec, errno == EEXIST ? SF_EINVAL : SF_EFILE, "%s: %s", kpath,
                        errno == EEXIST ? "exists; not overwriting a key" : strerror(errno));
        goto out;
    }
    FILE *kf = fdopen(kfd, "w");
    if (!kf || PEM_write_PrivateKey(kf, k, NULL, NULL, 0, NULL, NULL) != 1) {
        if (kf)
            fclose(kf);
        else
            close(kfd);
        unlink(kpath);
        rc = sf_err_set(ec, SF_EFILE, "%s: cannot write the private key", kpath);
        goto out;
    }
    fclose(kf);
    FILE *pf = fopen(ppath, "wx");
    if (!pf || PEM_write_PUBKEY(pf, k) != 1) {
        if (pf)
            fclose(pf);
        unlink(kpath);
        rc = sf_err_set(ec, SF_EFILE, "%s: cannot write the public key%s", ppath,
                        pf ? "" : " (exists?)");
        goto out;
    }
    fclose(pf);
    key_id(k, keyid);
out:
    EVP_PKEY_free(k);
    return rc;
}

int sf_sign(const char *keyfile, const uint8_t *msg, size_t len, uint8_t sig[SF_SIG_LEN],
            char keyid[17], struct sf_errctx *ec)
{
    uint8_t *pem = NULL;
    size_t plen = 0;
    int frc = sf_file_read(keyfile, 0, 64 * 1024, &pem, &plen, ec);
    if (frc)
        return frc == SF_ERANGE ? sf_err_set(ec, SF_EFILE, "%s: not a PEM private key",
                                             keyfile) : frc;
    BIO *b = BIO_new_mem_buf(pem, (int)plen);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    OPENSSL_cleanse(pem, plen);
    free(pem);
    if (!k)
        return sf_err_set(ec, SF_EFILE, "%s: not a PEM private key", keyfile);
    int rc = 0;
    if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        rc = sf_err_set(ec, SF_EFILE, "%s: not an Ed25519 key", keyfile);
        goto out;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sl = SF_SIG_LEN;
    if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
        EVP_DigestSign(ctx, sig, &sl, msg, len) != 1 || sl != SF_SIG_LEN)
        rc = sf_err_set(ec, SF_EIO, "%s: signing failed", keyfile);
    EVP_MD_CTX_free(ctx);
    key_id(k, keyid);
out:
    EVP_PKEY_free(k);
    return rc;
}

static int verify_one(EVP_PKEY *k, const uint8_t *msg, size_t len, const uint8_t *sig)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1 &&
             EVP_DigestVerify(ctx, sig, SF_SIG_LEN, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

/* Like OpenSSH's StrictModes: a trusted key directory and every key in it
 * are owned by root or by whoever runs safeflash, and writable by no one
 * else - or anyone who can write them decides what is trusted.  0, or
 * SF_EACCES with one line naming path and the fix. */
static int keys_safe(const char *path, const struct stat *st, struct sf_errctx *ec)
{
    return sf_file_owner_safe("trusted keys", path, st, SF_EACCES, ec);
}

/* The key dir/name (a *.pub of the directory open as dfd): NULL when it
 * cannot be read or is no PEM public key (skipped, as before), else the
 * key; SF_EACCES in *rc when it is refused (a symbolic link, not a regular
 * file, unsafe owner or mode). */
static EVP_PKEY *read_trusted_key(int dfd, const char *dir, const char *name, int *rc,
                                  struct sf_errctx *ec)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ELOOP)
            *rc = sf_err_set(ec, SF_EACCES, "refusing trusted keys: %s is a symbolic link "
                             "(put the key file itself there)", p);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        *rc = sf_err_set(ec, SF_EACCES, "refusing trusted keys: %s is not a regular file "
                         "(remove it)", p);
        return NULL;
    }
    if ((*rc = keys_safe(p, &st, ec)) != 0) {
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return NULL;
    }
    EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

int sf_verify_dir(const char *dir, const uint8_t *msg, size_t len,
                  const uint8_t sig[SF_SIG_LEN], char keyid[17], struct sf_errctx *ec)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return sf_err_set(ec, SF_ENODEV, "trusted key directory %s: %s", dir, strerror(errno));
    struct stat st;
    int rc = fstat(dfd, &st) != 0 ? sf_err_set(ec, SF_ENODEV, "trusted key directory %s: %s",
                                               dir, strerror(errno))
                                  : keys_safe(dir, &st, ec);
    DIR *d = rc ? NULL : fdopendir(dfd);
    if (!d) {
        close(dfd);
        return rc ? rc : sf_err_set(ec, SF_ENODEV, "trusted key directory %s: %s", dir,
                                    strerror(errno));
    }
    struct dirent *de;
    int keys = 0, found = 0;
    /* Every key is looked at, also after one verified: a refusal must not
     * depend on the order readdir() returns them in. */
    while (!rc && (de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".pub"))
            continue;
        EVP_PKEY *k = read_trusted_key(dirfd(d), dir, de->d_name, &rc, ec);
        if (!k)
            continue;
        if (EVP_PKEY_get_id(k) == EVP_PKEY_ED25519) {
            keys++;
            if (!found && verify_one(k, msg, len, sig)) {
                found = 1;
                key_id(k, keyid);
            }
        }
        EVP_PKEY_free(k);
    }
    closedir(d);
    if (rc)
        return rc;
    if (found)
        return 0;
    if (!keys)
        return sf_err_set(ec, SF_ENODEV, "no trusted Ed25519 keys (*.pub) in %s", dir);
    return sf_err_set(ec, SF_ESIG, "the signature does not verify with any trusted key in %s "
                      "(signed by another key, or the manifest was altered)", dir);
}

void sf_sha256_hex(const void *data, size_t len, size_t n, char *out)
{
    uint8_t d[32];
    sf_sha256(data, len, d);
    sf_hex(d, n > 32 ? 32 : n, out);
}
