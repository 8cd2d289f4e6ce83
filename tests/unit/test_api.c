/*
 * test_api.c - the public API the CLI's list, show, package, history and
 * status commands use (include/safeflash/sf_device.h, sf_package.h,
 * sf_history_api.h): a package made, read back and verified; a history
 * read on an empty state directory and on a recorded run, then the run
 * cancelled; an emulated enclosure listed and described.  Internal
 * headers serve only to cross-check (hashes) and to record a run the way
 * the engine does.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/sf_crypto.h"
#include "safeflash/sf_device.h"
#include "safeflash/sf_emu.h"
#include "safeflash/sf_history_api.h"
#include "safeflash/sf_package.h"
#include "sf_test.h"
#include "state/sf_history.h"
#include "test_util.h"

static char *tmpdir(char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/sf-api-XXXXXX");
    return mkdtemp(buf);
}

static sf_ctx *ctx_at(const char *state, const char *keys)
{
    sf_ctx *ctx = NULL;
    if (sf_ctx_new(&ctx))
        return NULL;
    if ((state && sf_ctx_set_state_dir(ctx, state)) || (keys && sf_ctx_set_keys_dir(ctx, keys))) {
        sf_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

static void hex_of(const void *data, size_t len, char out[65])
{
    uint8_t d[32];
    sf_sha256(data, len, d);
    sf_hex(d, 32, out);
}

SF_TEST(api_package_written_read_back_and_verified)
{
    char dir[64], keys[128], empty[128], prefix[160], pkg[160], raw[160];
    struct sf_errctx ec = { 0 };
    CHECK(tmpdir(dir, sizeof(dir)) != NULL);
    snprintf(keys, sizeof(keys), "%s/keys", dir);
    snprintf(empty, sizeof(empty), "%s/empty", dir);
    mkdir(keys, 0755);
    mkdir(empty, 0755);
    snprintf(prefix, sizeof(prefix), "%s/signer", keys);
    char keyid[17] = "";
    CHECK_EQ(sf_package_key_generate(prefix, keyid, &ec), 0);
    CHECK_EQ(strlen(keyid), 16);
    CHECK_EQ(sf_package_key_generate(prefix, NULL, &ec), SF_EINVAL); /* never overwritten */

    uint8_t fw[1000], exp[500];
    for (size_t i = 0; i < sizeof(fw); i++)
        fw[i] = (uint8_t)(i * 7);
    memset(exp, 0xa5, sizeof(exp));
    struct sf_package_manifest m;
    memset(&m, 0, sizeof(m));
    snprintf(m.vendor, sizeof(m.vendor), "SFEMU");
    snprintf(m.product, sizeof(m.product), "JBOD*");
    snprintf(m.version, sizeof(m.version), "0300");
    snprintf(m.notes, sizeof(m.notes), "fixes");
    snprintf(m.image, sizeof(m.image), "fw.bin");
    m.ntargets = 1;
    snprintf(m.targets[0].vendor, sizeof(m.targets[0].vendor), "SFEMU");
    snprintf(m.targets[0].product, sizeof(m.targets[0].product), "*EXP*");
    snprintf(m.targets[0].image, sizeof(m.targets[0].image), "exp.bin");
    struct sf_package_blob blobs[] = { { "fw.bin", fw, sizeof(fw) }, { "exp.bin", exp, sizeof(exp) } };
    char key[200], signer[17] = "";
    snprintf(key, sizeof(key), "%s.key", prefix);
    snprintf(pkg, sizeof(pkg), "%s/signed.sfpkg", dir);
    CHECK_EQ(sf_package_write(pkg, &m, blobs, 2, key, signer, &ec), 0);
    CHECK_STR(signer, keyid);

    sf_package *p = NULL;
    CHECK_EQ(sf_package_open(pkg, &p, &ec), 0);
    const struct sf_package_info *pi = sf_package_info(p);
    CHECK(pi != NULL);
    if (pi) {
        CHECK_STR(pi->manifest.vendor, "SFEMU");
        CHECK_STR(pi->manifest.version, "0300");
        CHECK_STR(pi->manifest.revision, "0300"); /* a version a processor can report */
        CHECK_EQ(pi->manifest.nimages, 2);
        CHECK_EQ(pi->manifest.ntargets, 1);
        CHECK_STR(pi->manifest.targets[0].image, "exp.bin");
        char want[65];
        hex_of(fw, sizeof(fw), want);
        CHECK_STR(pi->manifest.images[0].name, "fw.bin");
        CHECK_STR(pi->manifest.images[0].sha256, want);
        CHECK_EQ(pi->manifest.images[1].size, sizeof(exp));
        CHECK(pi->is_signed);
        CHECK(!pi->trusted);
        CHECK_STR(pi->signer, "");
        uint8_t *file = NULL;
        size_t flen = 0;
        FILE *f = fopen(pkg, "rb");
        if (f && fseek(f, 0, SEEK_END) == 0 && (flen = (size_t)ftell(f)) > 0 &&
            (file = malloc(flen)) && fseek(f, 0, SEEK_SET) == 0 && fread(file, 1, flen, f) == flen) {
            hex_of(file, flen, want);
            CHECK_STR(pi->sha256, want);
        } else {
            CHECK(!"the package file reads back");
        }
        free(file);
        if (f)
            fclose(f);
    }
    sf_ctx *trusting = ctx_at(NULL, keys), *nobody = ctx_at(NULL, empty);
    CHECK(trusting && nobody);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_package_check_signature(p, nobody, &ec), SF_ESIG);
    CHECK(ec.msg[0] != '\0');
    CHECK(pi && !pi->trusted);
    CHECK_EQ(sf_package_check_signature(p, trusting, &ec), 0);
    CHECK(pi && pi->trusted);
    CHECK(pi && !strcmp(pi->signer, keyid));
    sf_package_free(p);

    /* Unsigned: readable, never trusted. */
    snprintf(raw, sizeof(raw), "%s/unsigned.sfpkg", dir);
    CHECK_EQ(sf_package_write(raw, &m, blobs, 2, NULL, NULL, &ec), 0);
    p = NULL;
    CHECK_EQ(sf_package_open(raw, &p, &ec), 0);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_package_check_signature(p, trusting, &ec), SF_ESIG);
    CHECK_STR(ec.msg, "the package is not signed");
    CHECK(p && !sf_package_info(p)->is_signed);
    sf_package_free(p);

    /* An image altered inside the container is refused on reading: flip
     * a byte of fw.bin's data, found by its content. */
    FILE *f = fopen(raw, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_END);
        long end = ftell(f), off = -1;
        uint8_t *b = malloc((size_t)end);
        fseek(f, 0, SEEK_SET);
        CHECK(b && fread(b, 1, (size_t)end, f) == (size_t)end);
        for (long i = 0; b && i + (long)sizeof(fw) <= end && off < 0; i++)
            if (!memcmp(b + i, fw, sizeof(fw)))
                off = i;
        CHECK(off >= 0);
        if (off >= 0) {
            fseek(f, off + 10, SEEK_SET);
            fputc(b[off + 10] ^ 0xff, f);
        }
        free(b);
        fclose(f);
    }
    p = (sf_package *)1;
    CHECK_EQ(sf_package_open(raw, &p, &ec), SF_EINTEGRITY);
    CHECK(p == NULL);

    /* What the writer refuses. */
    struct sf_package_blob bad = { "../fw.bin", fw, sizeof(fw) };
    CHECK_EQ(sf_package_write(raw, &m, &bad, 1, NULL, NULL, &ec), SF_EINVAL);
    CHECK_EQ(sf_package_write(raw, &m, blobs, SF_PACKAGE_MAX_IMAGES + 1, NULL, NULL, &ec),
             SF_EINVAL);
    sf_package_free(NULL);
    sf_ctx_free(trusting);
    sf_ctx_free(nobody);
}

SF_TEST(api_history_on_an_empty_state_directory)
{
    char dir[64], state[128];
    CHECK(tmpdir(dir, sizeof(dir)) != NULL);
    snprintf(state, sizeof(state), "%s/state/not/yet", dir);
    sf_ctx *ctx = ctx_at(state, NULL);
    CHECK(ctx != NULL);
    struct sf_errctx ec = { 0 };
    struct sf_attempt_info *a = (struct sf_attempt_info *)1;
    size_t n = 99;
    CHECK_EQ(sf_history_read(ctx, NULL, &a, &n, &ec), 0);
    CHECK(a == NULL);
    CHECK_EQ(n, 0);
    struct sf_run_status *st = (struct sf_run_status *)1;
    CHECK_EQ(sf_history_run_status(ctx, NULL, &st, &ec), SF_ENODEV);
    CHECK(st == NULL);
    CHECK_STR(ec.msg, "no update run recorded yet");
    CHECK_EQ(sf_history_run_status(ctx, "0123", &st, &ec), SF_ENODEV);
    CHECK_STR(ec.msg, "no such run");
    struct sf_run_info r;
    CHECK_EQ(sf_history_run_lookup(ctx, NULL, &r, &ec), SF_ENODEV);
    CHECK_EQ(sf_history_run_paused(ctx, &r, &ec), SF_ENODEV);
    CHECK_EQ(sf_history_cancel(ctx, "0123", &ec), SF_ENODEV);
    CHECK_EQ(sf_history_read(NULL, NULL, &a, &n, &ec), SF_EINVAL);
    sf_history_attempts_free(NULL, 0);
    sf_run_status_free(NULL);
    sf_ctx_free(ctx);
}

/* Record a run of two attempts the way the engine does: the first
 * finished, the second stopped in its download. */
static int record_run(const char *state, char run[33])
{
    struct sf_history *h = NULL;
    if (sf_history_open(state, &h, NULL))
        return -1;
    sf_history_new_run(run);
    struct sf_attempt a;
    memset(&a, 0, sizeof(a));
    snprintf(a.run, sizeof(a.run), "%s", run);
    snprintf(a.action, sizeof(a.action), "install");
    snprintf(a.path, sizeof(a.path), "/dev/sg-unit0");
    snprintf(a.logical_id, sizeof(a.logical_id), "5000000000000110");
    snprintf(a.vendor, sizeof(a.vendor), "UNIT");
    snprintf(a.product, sizeof(a.product), "ESM");
    snprintf(a.from_rev, sizeof(a.from_rev), "0100");
    snprintf(a.expected_rev, sizeof(a.expected_rev), "0300");
    snprintf(a.image_sha, sizeof(a.image_sha), "%064d", 0);
    snprintf(a.mode, sizeof(a.mode), "immediate");
    int rc = sf_history_run_begin(h, run, "install", "install x", 1);
    int64_t first = rc ? -1 : sf_history_begin(h, &a, NULL);
    a.sub = 1;
    snprintf(a.product, sizeof(a.product), "EXP");
    int64_t second = first <= 0 ? -1 : sf_history_begin(h, &a, NULL);
    if (second <= 0 || sf_history_phase(h, first, "downloading", NULL) ||
        sf_history_phase(h, first, "verifying", "0300") ||
        sf_history_finish(h, first, "updated", "0300", "") ||
        sf_history_phase(h, second, "downloading", "page 1"))
        rc = -1;
    sf_history_close(h);
    return rc;
}

SF_TEST(api_history_reads_a_run_and_cancels_it)
{
    char dir[64], state[128], run[33];
    CHECK(tmpdir(dir, sizeof(dir)) != NULL);
    snprintf(state, sizeof(state), "%s/state", dir);
    CHECK_EQ(record_run(state, run), 0);
    sf_ctx *ctx = ctx_at(state, NULL);
    CHECK(ctx != NULL);
    struct sf_errctx ec = { 0 };
    struct sf_attempt_info *a = NULL;
    size_t n = 0;
    CHECK_EQ(sf_history_read(ctx, "5000000000000110", &a, &n, &ec), 0);
    CHECK_EQ(n, 2);
    if (n == 2) {
        CHECK_STR(a[0].run, run);
        CHECK_STR(a[0].path, "/dev/sg-unit0");
        CHECK_STR(a[0].result, "updated");
        CHECK_STR(a[0].to_revision, "0300");
        CHECK_STR(a[0].package_sha256, "");
        CHECK_EQ(a[0].n_phases, 3); /* downloading, verifying, finished */
        CHECK(a[0].n_phases == 3 && !strcmp(a[0].phases[1].detail, "0300"));
        CHECK_EQ(a[1].subenclosure, 1);
        CHECK_STR(a[1].product, "EXP");
        CHECK_STR(a[1].result, "");
        CHECK_STR(a[1].finished, "");
        CHECK_STR(a[1].phase, "downloading");
    }
    sf_history_attempts_free(a, n);
    CHECK_EQ(sf_history_read(ctx, "/dev/other", &a, &n, &ec), 0);
    CHECK_EQ(n, 0);

    struct sf_run_status *st = NULL;
    CHECK_EQ(sf_history_run_status(ctx, NULL, &st, &ec), 0);
    CHECK(st != NULL);
    if (st) {
        CHECK_STR(st->run.id, run);
        CHECK_STR(st->run.state, "running");
        CHECK_EQ(st->n_modules, 2);
        CHECK_EQ(st->longest_phase, (int)strlen("downloading"));
        if (st->n_modules == 2) {
            CHECK(st->modules[1].attempt == &st->attempts[1]);
            CHECK_EQ(st->modules[0].n_phases, 2);
            CHECK_STR(st->modules[0].phases[0].status, "completed");
            CHECK_STR(st->modules[0].phases[1].status, "updated");
            CHECK_STR(st->modules[1].phases[0].status, "in progress");
            /* Estimates come from other runs only: none here. */
            CHECK(st->modules[1].phases[0].estimated == -1);
        }
    }
    sf_run_status_free(st);

    struct sf_run_info r;
    CHECK_EQ(sf_history_run_paused(ctx, &r, &ec), 0);
    CHECK_STR(r.id, run);
    CHECK_EQ(sf_history_cancel(ctx, run, &ec), 0);
    CHECK_EQ(sf_history_run_lookup(ctx, run, &r, &ec), 0);
    CHECK_STR(r.state, "cancelled");
    CHECK_EQ(sf_history_run_paused(ctx, &r, &ec), SF_ENODEV);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_history_cancel(ctx, run, &ec), SF_EINVAL); /* nothing left to cancel */
    CHECK(strstr(ec.msg, "cancelled") != NULL);
    CHECK_EQ(sf_history_read(ctx, NULL, &a, &n, &ec), 0);
    CHECK(n == 2 && !strcmp(a[1].result, "cancelled"));
    sf_history_attempts_free(a, n);

    char id[17];
    sf_history_target_id("bmc host:443", id);
    CHECK_EQ(strlen(id), 16);
    sf_ctx_free(ctx);
}

SF_TEST(api_device_lists_and_describes_an_emulated_enclosure)
{
    char dir[64], state[128], conf[512], disk[512];
    CHECK(tmpdir(dir, sizeof(dir)) != NULL);
    snprintf(state, sizeof(state), "%s/state", dir);
    CHECK_EQ(tu_emu_conf(NULL, conf, sizeof(conf)), 0);
    CHECK_EQ(tu_emu_conf("\"pdt\": 0,", disk, sizeof(disk)), 0);
    sf_ctx *ctx = ctx_at(state, NULL);
    CHECK(ctx != NULL);
    /* no scsi_generic class in this sysfs: no real devices; the emulator's */
    CHECK_EQ(sf_ctx_set_sysfs_root(ctx, dir), 0);
    CHECK_EQ(sf_emu_scsi_attach(ctx, conf, SF_EMU_SCSI_DECLARED, NULL), 0);
    struct sf_errctx ec = { 0 };

    struct sf_device_list *l = NULL;
    CHECK_EQ(sf_device_list(ctx, 0, &l, &ec), 0);
    CHECK(l && l->count == 1);
    if (l && l->count == 1) {
        const struct sf_device_entry *d = &l->devices[0];
        CHECK_STR(d->path, "/dev/sg-unit0");
        CHECK_STR(d->source, "emulator");
        CHECK_EQ(d->err, 0);
        CHECK(d->enclosure);
        CHECK_STR(d->vendor, "UNIT");         /* trailing spaces removed */
        CHECK_STR(d->product, "TESTENCL");
        CHECK_EQ(d->logical_id, 0x5000000000000110ull);
        CHECK_EQ(d->subenclosures, 2);
        CHECK_STR(d->module_revision, "0100");
        CHECK_EQ(d->paths, 1);
        CHECK(l->warnings && l->warnings[0] == NULL);
    }
    sf_device_list_free(l);

    /* An interrupted install the journal holds shows up as a warning. */
    struct sf_history *h = NULL;
    CHECK_EQ(sf_history_open(state, &h, NULL), 0);
    struct sf_attempt a;
    memset(&a, 0, sizeof(a));
    snprintf(a.run, sizeof(a.run), "r1");
    snprintf(a.action, sizeof(a.action), "install");
    snprintf(a.path, sizeof(a.path), "/dev/sg-unit0");
    snprintf(a.logical_id, sizeof(a.logical_id), "5000000000000110");
    CHECK(h && sf_history_begin(h, &a, NULL) > 0);
    sf_history_close(h);

    struct sf_enclosure_info *e = NULL;
    CHECK_EQ(sf_enclosure_describe(ctx, "/dev/sg-unit0", &e, &ec), 0);
    CHECK(e != NULL);
    if (e) {
        CHECK_STR(e->transport, "emulator");
        CHECK_STR(e->serial, "U1");
        CHECK(e->have_config);
        CHECK_EQ(e->nsubenclosures, 2);
        CHECK(e->nsubenclosures == 2 && !strcmp(e->subenclosures[1].product, "EXP"));
        CHECK(e->nsubenclosures == 2 && e->subenclosures[1].have_download &&
              e->subenclosures[1].download.status == 0 &&
              e->subenclosures[1].download.status_text != NULL);
        CHECK_EQ(e->nmodules, 1);
        CHECK_EQ(e->nwarnings, 1);
        CHECK(e->nwarnings == 1 && strstr(e->warnings[0], "interrupted install of subenclosure 0"));
    }
    sf_enclosure_info_free(e);
    int on = -1;
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_enclosure_partner_sync(ctx, "/dev/sg-unit0", -1, &on, &ec), SF_ENOTSUP);
    CHECK(strstr(ec.msg, "vendor UNIT") != NULL);

    /* A disk: left out of the enclosures, listed with SF_DEVICE_LIST_ALL. */
    CHECK_EQ(sf_emu_scsi_attach(ctx, disk, SF_EMU_SCSI_DECLARED, NULL), 0);
    CHECK_EQ(sf_device_list(ctx, 0, &l, &ec), 0);
    CHECK(l && l->count == 0);
    sf_device_list_free(l);
    CHECK_EQ(sf_device_list(ctx, SF_DEVICE_LIST_ALL, &l, &ec), 0);
    CHECK(l && l->count == 1 && !l->devices[0].enclosure && l->devices[0].pdt == 0 &&
          l->devices[0].err == 0);
    sf_device_list_free(l);
    e = (struct sf_enclosure_info *)1;
    CHECK_EQ(sf_enclosure_describe(ctx, "/dev/sg-unit0", &e, &ec), SF_ENOTENCL);
    CHECK(e == NULL);
    sf_ctx_free(ctx);
}
