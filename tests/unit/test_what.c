/*
 * test_what.c - what an update loads (src/engine/sf_what.c): an image or a
 * package is read once and only from a regular file (SF_EFILE otherwise,
 * at once for a FIFO); a key directory others may write refuses a signed
 * package in its own line; and staged copies, the state directory's own
 * files, are never read or written through a symbolic link.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/sf_what.h"
#include "pkg/sf_crypto.h"
#include "sf_test.h"
#include "test_util.h"

static int put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

SF_TEST(what_loads_regular_files_only)
{
    char dir[64], img[128], fifo[128], missing[128];
    struct sf_errctx ec = { 0 };
    struct sf_update_options o;
    memset(&o, 0, sizeof(o));
    sf_ctx *ctx = NULL;
    CHECK_EQ(sf_ctx_new(&ctx), 0);
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(img, sizeof(img), "%s/fw.bin", dir);
    snprintf(fifo, sizeof(fifo), "%s/fw.fifo", dir);
    snprintf(missing, sizeof(missing), "%s/missing.bin", dir);
    CHECK_EQ(put(img, "raw firmware"), 0);
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    struct sf_what w;
    CHECK_EQ(sf_what_load(ctx, img, &o, 0, &w, &ec), 0);
    CHECK(!w.is_pkg && w.raw_len == 12);
    sf_what_free(&w);
    alarm(10);
    char want[200];
    snprintf(want, sizeof(want), "%s: not a regular file", fifo);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_what_load(ctx, fifo, &o, 0, &w, &ec), SF_EFILE);
    CHECK_STR(ec.msg, want);
    sf_what_free(&w);
    alarm(0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_what_load(ctx, dir, &o, 0, &w, &ec), SF_EFILE);
    sf_what_free(&w);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_what_load(ctx, missing, &o, 0, &w, &ec), SF_EFILE);
    CHECK(strstr(ec.msg, "No such file or directory") != NULL);
    sf_what_free(&w);
    sf_ctx_free(ctx);
    tu_rm_rf(dir);
}

SF_TEST(what_unsafe_key_dir_refuses_a_signed_package_in_one_line)
{
    char dir[64], keys[128], prefix[160], key[200], pkg[160], want[400];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(keys, sizeof(keys), "%s/keys", dir);
    snprintf(prefix, sizeof(prefix), "%s/signer", keys);
    snprintf(key, sizeof(key), "%s.key", prefix);
    snprintf(pkg, sizeof(pkg), "%s/fw.sfpkg", dir);
    CHECK_EQ(mkdir(keys, 0755), 0);
    CHECK_EQ(sf_key_generate(prefix, NULL, &ec), 0);
    struct sf_manifest m;
    memset(&m, 0, sizeof(m));
    snprintf(m.vendor, sizeof(m.vendor), "V");
    snprintf(m.product, sizeof(m.product), "P");
    snprintf(m.version, sizeof(m.version), "0300");
    snprintf(m.image, sizeof(m.image), "fw.bin");
    const char *names[] = { "fw.bin" };
    static const uint8_t fw[] = "firmware";
    const uint8_t *data[] = { fw };
    size_t lens[] = { sizeof(fw) };
    char signer[17];
    CHECK_EQ(sf_pkg_write(pkg, &m, names, data, lens, 1, key, signer, &ec), 0);
    sf_ctx *ctx = NULL;
    CHECK_EQ(sf_ctx_new(&ctx), 0);
    CHECK_EQ(sf_ctx_set_keys_dir(ctx, keys), 0);
    struct sf_update_options o;
    memset(&o, 0, sizeof(o));
    struct sf_what w;
    CHECK_EQ(sf_what_load(ctx, pkg, &o, 0, &w, &ec), 0);
    CHECK(w.is_pkg && w.trusted);
    sf_what_free(&w);
    CHECK_EQ(chmod(keys, 0777), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_what_load(ctx, pkg, &o, 0, &w, &ec), SF_ESIG);
    snprintf(want, sizeof(want), "refusing trusted keys: %s is world-writable (chmod go-w %s)",
             keys, keys);
    CHECK_STR(ec.msg, want);
    sf_what_free(&w);
    /* --allow-unsigned: installed untrusted, the refusal as its warning. */
    o.allow_unsigned = 1;
    CHECK_EQ(sf_what_load(ctx, pkg, &o, 0, &w, &ec), 0);
    CHECK(!w.trusted && strstr(w.warning, "refusing trusted keys") != NULL);
    sf_what_free(&w);
    sf_ctx_free(ctx);
    tu_rm_rf(dir);
}

SF_TEST(what_staged_copies_are_never_links)
{
    char dir[64], state[128], staging[160], victim[128], path[300], sha[65];
    struct sf_errctx ec = { 0 };
    static const uint8_t img[] = "staged firmware";
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(state, sizeof(state), "%s/state", dir);
    snprintf(staging, sizeof(staging), "%s/staging", state);
    snprintf(victim, sizeof(victim), "%s/victim", dir);
    CHECK_EQ(mkdir(state, 0700), 0);
    sf_sha256_hex(img, sizeof(img), 32, sha);
    snprintf(path, sizeof(path), "%s/%s.img", staging, sha);
    CHECK_EQ(sf_stage(state, sha, img, sizeof(img), &ec), 0);
    struct stat st;
    CHECK(stat(staging, &st) == 0 && (st.st_mode & 07777) == 0700);
    struct sf_what w;
    CHECK_EQ(sf_what_load_staged(path, sha, "0300", &w, &ec), 0);
    sf_what_free(&w);
    /* A link where the staged copy was: not read, and replaced (not
     * written through) when the image is staged again. */
    CHECK_EQ(put(victim, "precious"), 0);
    CHECK_EQ(unlink(path), 0);
    CHECK_EQ(symlink(victim, path), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_what_load_staged(path, sha, "0300", &w, &ec), SF_EINTEGRITY);
    CHECK(strstr(ec.msg, "symbolic link") != NULL);
    sf_what_free(&w);
    CHECK_EQ(sf_stage(state, sha, img, sizeof(img), &ec), 0);
    CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
    FILE *f = fopen(victim, "r");
    char buf[32] = "";
    if (f) {
        CHECK(fgets(buf, sizeof(buf), f) != NULL);
        fclose(f);
    }
    CHECK_STR(buf, "precious");
    /* Gone: SF_ENODEV, as before. */
    CHECK_EQ(unlink(path), 0);
    CHECK_EQ(sf_what_load_staged(path, sha, "0300", &w, &ec), SF_ENODEV);
    sf_what_free(&w);
    /* staging/ itself a link: nothing is staged through it. */
    char elsewhere[160], cmd[400];
    snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", dir);
    CHECK_EQ(rename(staging, elsewhere), 0);
    CHECK_EQ(symlink(elsewhere, staging), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_stage(state, sha, img, sizeof(img), &ec), SF_EJOURNAL);
    CHECK(strstr(ec.msg, "refusing to stage") != NULL);
    snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A '%s')\"", elsewhere);
    CHECK_EQ(system(cmd), 0);
    tu_rm_rf(dir);
}
