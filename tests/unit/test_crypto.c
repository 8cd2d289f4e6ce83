/*
 * test_crypto.c - the trusted key directory is trusted only as OpenSSH's
 * StrictModes would: it and every *.pub in it owned by root or by the user
 * running safeflash, writable by no one else, and each key a regular file,
 * not a symbolic link.  Anything else refuses the whole directory with one
 * line naming the file and the fix - also when another key verified.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/sf_crypto.h"
#include "sf_test.h"
#include "test_util.h"

static const uint8_t MSG[] = "manifest bytes";

/* A key directory dir/keys holding signer.pub; the signature of MSG by it
 * in sig; the private key left in dir. */
static int setup(char *dir, size_t cap, char *keys, size_t kcap, uint8_t sig[SF_SIG_LEN])
{
    char prefix[200], key[220], pub[220], dst[220];
    struct sf_errctx ec = { 0 };
    if (tu_tmpdir(dir, cap))
        return -1;
    snprintf(keys, kcap, "%s/keys", dir);
    snprintf(prefix, sizeof(prefix), "%s/signer", dir);
    snprintf(key, sizeof(key), "%s.key", prefix);
    snprintf(pub, sizeof(pub), "%s.pub", prefix);
    snprintf(dst, sizeof(dst), "%s/signer.pub", keys);
    if (mkdir(keys, 0755) || sf_key_generate(prefix, NULL, &ec) ||
        sf_sign(key, MSG, sizeof(MSG), sig, NULL, &ec) || rename(pub, dst) || chmod(dst, 0644))
        return -1;
    return 0;
}

static int verify(const char *keys, const uint8_t *sig, struct sf_errctx *ec)
{
    char id[17];
    sf_errctx_clear(ec);
    return sf_verify_dir(keys, MSG, sizeof(MSG), sig, id, ec);
}

SF_TEST(crypto_key_dir_refused_when_others_may_write_it)
{
    char dir[64], keys[128], pub[160], want[400];
    uint8_t sig[SF_SIG_LEN];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(setup(dir, sizeof(dir), keys, sizeof(keys), sig), 0);
    snprintf(pub, sizeof(pub), "%s/signer.pub", keys);
    CHECK_EQ(verify(keys, sig, &ec), 0);

    CHECK_EQ(chmod(keys, 0777), 0);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    snprintf(want, sizeof(want), "refusing trusted keys: %s is world-writable (chmod go-w %s)",
             keys, keys);
    CHECK_STR(ec.msg, want);
    CHECK_EQ(chmod(keys, 0775), 0);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    CHECK(strstr(ec.msg, "is group-writable (chmod go-w") != NULL);
    CHECK_EQ(chmod(keys, 0755), 0);

    CHECK_EQ(chmod(pub, 0666), 0);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    snprintf(want, sizeof(want), "refusing trusted keys: %s is world-writable (chmod go-w %s)",
             pub, pub);
    CHECK_STR(ec.msg, want);
    CHECK_EQ(chmod(pub, 0664), 0);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    CHECK_EQ(chmod(pub, 0644), 0);
    CHECK_EQ(verify(keys, sig, &ec), 0);
    tu_rm_rf(dir);
}

SF_TEST(crypto_key_dir_refused_when_owned_by_another_user)
{
    if (geteuid() != 0) {
        printf("    (skipped: giving files away needs root)\n");
        return;
    }
    char dir[64], keys[128], pub[160];
    uint8_t sig[SF_SIG_LEN];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(setup(dir, sizeof(dir), keys, sizeof(keys), sig), 0);
    snprintf(pub, sizeof(pub), "%s/signer.pub", keys);
    CHECK_EQ(chown(pub, 4321, 4321), 0);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    CHECK(strstr(ec.msg, "is owned by uid 4321, neither root nor you (chown root") != NULL);
    CHECK_EQ(chown(pub, 0, 0), 0);
    CHECK_EQ(chown(keys, 4321, 4321), 0);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    CHECK(strstr(ec.msg, keys) != NULL);
    CHECK_EQ(chown(keys, 0, 0), 0);
    CHECK_EQ(verify(keys, sig, &ec), 0);
    tu_rm_rf(dir);
}

SF_TEST(crypto_key_dir_refuses_links_and_other_files_as_keys)
{
    char dir[64], keys[128], pub[160], other[160], want[400];
    uint8_t sig[SF_SIG_LEN];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(setup(dir, sizeof(dir), keys, sizeof(keys), sig), 0);
    snprintf(pub, sizeof(pub), "%s/signer.pub", keys);
    snprintf(other, sizeof(other), "%s/zz-other.pub", keys);
    /* A link to the very key that verifies: still refused, whatever order
     * the directory lists the two in. */
    CHECK_EQ(symlink(pub, other), 0);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    snprintf(want, sizeof(want), "refusing trusted keys: %s is a symbolic link (put the key file "
             "itself there)", other);
    CHECK_STR(ec.msg, want);
    CHECK_EQ(unlink(other), 0);
    /* A FIFO named like a key: refused at once, never waited on. */
    CHECK_EQ(mkfifo(other, 0644), 0);
    alarm(10);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    alarm(0);
    CHECK(strstr(ec.msg, "is not a regular file (remove it)") != NULL);
    CHECK_EQ(unlink(other), 0);
    CHECK_EQ(mkdir(other, 0755), 0);
    CHECK_EQ(verify(keys, sig, &ec), SF_EACCES);
    CHECK_EQ(rmdir(other), 0);
    /* What is not a *.pub is not a key, and not looked at. */
    snprintf(other, sizeof(other), "%s/README", keys);
    CHECK_EQ(symlink("/etc/passwd", other), 0);
    CHECK_EQ(verify(keys, sig, &ec), 0);
    /* A missing directory stays what it was: no keys (SF_ENODEV). */
    snprintf(other, sizeof(other), "%s/nothing", dir);
    CHECK_EQ(verify(other, sig, &ec), SF_ENODEV);
    tu_rm_rf(dir);
}

SF_TEST(crypto_sign_reads_a_regular_key_file_only)
{
    char dir[64], fifo[128];
    uint8_t sig[SF_SIG_LEN];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(fifo, sizeof(fifo), "%s/signer.key", dir);
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    alarm(10);
    CHECK_EQ(sf_sign(fifo, MSG, sizeof(MSG), sig, NULL, &ec), SF_EFILE);
    alarm(0);
    CHECK(strstr(ec.msg, "not a regular file") != NULL);
    CHECK_EQ(unlink(fifo), 0);
    CHECK_EQ(sf_sign(fifo, MSG, sizeof(MSG), sig, NULL, &ec), SF_EFILE);
    tu_rm_rf(dir);
}
