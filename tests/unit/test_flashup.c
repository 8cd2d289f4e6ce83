/*
 * test_flashup.c - the NOR model's rules, and the flash update engine
 * proved by interruption (MCUboot's approach): for both layouts, fail every
 * erase and every program of an update in turn - cleanly, torn, or with a
 * bit that does not program - then apply the boot rule to what is on the
 * flash and check:
 *   - a valid image boots, the old or the new one (never both slots bad);
 *   - what safeflash reported booting is what boots;
 *   - a rerun without the fault finishes, and the new image boots.
 * Plus field report 000: the backup save fails at a chosen block.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/sf_nor.h"
#include "engine/sf_flashup.h"
#include "safeflash/sf_err.h"
#include "sf_test.h"

#define FLASH_SIZE (4u << 20)
#define EB 65536u

static char dir[64];

static void mkdir_once(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "/tmp/sf-flashup-XXXXXX");
        if (!mkdtemp(dir))
            abort();
    }
}

static void make_flash(const char *path)
{
    uint8_t *b = malloc(FLASH_SIZE);
    memset(b, 0xff, FLASH_SIZE);
    FILE *f = fopen(path, "wb");
    fwrite(b, 1, FLASH_SIZE, f);
    fclose(f);
    free(b);
    char l[300];
    snprintf(l, sizeof(l), "%s.locks", path);
    unlink(l);
}

static void copy_file(const char *from, const char *to)
{
    uint8_t *b = malloc(FLASH_SIZE);
    FILE *f = fopen(from, "rb");
    if (fread(b, 1, FLASH_SIZE, f) != FLASH_SIZE)
        abort();
    fclose(f);
    f = fopen(to, "wb");
    fwrite(b, 1, FLASH_SIZE, f);
    fclose(f);
    free(b);
}

static struct sf_flash *open_nor(const char *path, const char *opts)
{
    struct sf_nor_opts o;
    sf_nor_opts_default(&o);
    char why[200];
    if (opts && sf_nor_opts_parse(opts, &o, why, sizeof(why)))
        abort();
    struct sf_flash *f = NULL;
    struct sf_errctx ec = { 0 };
    if (sf_nor_open(path, path, &o, &f, &ec))
        return NULL;
    return f;
}

static void layout(enum sf_layout_kind k, struct sf_layout *l)
{
    const char *t = k == SF_LAYOUT_AB ? "layout ab\nregion a 0 2M\nregion b 2M 2M\n"
                                      : "layout primary-backup\nregion primary 0 2M\n"
                                        "region backup 2M 2M\n";
    char why[200];
    if (sf_layout_parse(t, strlen(t), l, why, sizeof(why)))
        abort();
}

/* An image of n bytes; `variant` changes every other 64 KiB stretch, so an
 * update from one variant to the next is a delta. */
static uint8_t *image(uint32_t n, int variant)
{
    uint8_t *b = malloc(n);
    for (uint32_t i = 0; i < n; i++)
        b[i] = (uint8_t)(i * 2654435761u >> 13);
    for (uint32_t o = 0; o < n; o += 2 * EB)
        for (uint32_t i = o; i < n && i < o + 1000; i++)
            b[i] ^= (uint8_t)(variant * 37 + 1);
    return b;
}

static int install(const char *path, const char *opts, const struct sf_layout *l,
                   const uint8_t *img, uint32_t n, const char *ver, struct sf_flashup_result *res)
{
    struct sf_flash *f = open_nor(path, opts);
    if (!f)
        return SF_ENODEV;
    struct sf_flash *fl[1] = { f };
    int rc = sf_flashup_install(fl, 1, l, img, n, ver, NULL, NULL, NULL, res);
    sf_flash_close(f);
    return rc;
}

static int inspect(const char *path, const struct sf_layout *l, struct sf_flash_view *v)
{
    struct sf_flash *f = open_nor(path, NULL);
    struct sf_flash *fl[1] = { f };
    struct sf_errctx ec = { 0 };
    int rc = sf_flashup_inspect(fl, 1, l, v, &ec);
    sf_flash_close(f);
    return rc;
}

SF_TEST(nor_model_rules)
{
    mkdir_once();
    char p[128];
    snprintf(p, sizeof(p), "%s/rules.bin", dir);
    make_flash(p);
    struct sf_flash *f = open_nor(p, "locks=1");
    struct sf_errctx ec = { 0 };
    uint8_t b[4] = { 0x0f, 0xf0, 0x00, 0xff }, r[4];
    CHECK_EQ(sf_flash_program(f, 0, b, 4, &ec), 0);
    /* Programming can only clear bits: 0F -> F0 needs an erase. */
    uint8_t c[1] = { 0xf0 };
    CHECK_EQ(sf_flash_program(f, 0, c, 1, &ec), SF_EIO);
    CHECK(strstr(ec.msg, "not erased") != NULL);
    uint8_t d[1] = { 0x0e }; /* clearing one more bit is fine */
    CHECK_EQ(sf_flash_program(f, 0, d, 1, &ec), 0);
    CHECK_EQ(sf_flash_read(f, 0, r, 4, &ec), 0);
    CHECK_EQ(r[0], 0x0e);
    CHECK_EQ(sf_flash_erase(f, 0, EB, &ec), 0);
    CHECK_EQ(sf_flash_read(f, 0, r, 4, &ec), 0);
    CHECK_EQ(r[0] & r[1] & r[2] & r[3], 0xff);
    CHECK_EQ(sf_flash_erase(f, 100, EB, &ec), SF_EINVAL); /* not a whole block */
    /* Lock bits refuse erase and program, and persist in PATH.locks. */
    CHECK_EQ(sf_flash_lock(f, EB, EB, 1, &ec), 0);
    CHECK_EQ(sf_flash_erase(f, EB, EB, &ec), SF_EIO);
    CHECK(strstr(ec.msg, "locked") != NULL);
    sf_flash_close(f);
    f = open_nor(p, "locks=1");
    int locked = 0;
    CHECK_EQ(sf_flash_is_locked(f, EB, EB, &locked, &ec), 0);
    CHECK_EQ(locked, 1);
    CHECK_EQ(sf_flash_is_locked(f, 0, EB, &locked, &ec), 0);
    CHECK_EQ(locked, 0);
    sf_flash_close(f);
    /* AND semantics, torn program, a bit that does not program. */
    f = open_nor(p, "overwrite=and,fault=program-torn@3");
    CHECK_EQ(sf_flash_program(f, 8, b, 4, &ec), 0);
    CHECK_EQ(sf_flash_program(f, 8, c, 1, &ec), 0); /* ANDed: 0F & F0 */
    CHECK_EQ(sf_flash_read(f, 8, r, 1, &ec), 0);
    CHECK_EQ(r[0], 0x00);
    sf_flash_close(f);
    f = open_nor(p, "fault=program-torn@1");
    uint8_t z[8] = { 0 };
    CHECK_EQ(sf_flash_program(f, 2 * EB, z, 8, &ec), SF_EIO);
    CHECK_EQ(sf_flash_read(f, 2 * EB, r, 4, &ec), 0);
    CHECK_EQ(r[3], 0x00);
    uint8_t r8[8];
    CHECK_EQ(sf_flash_read(f, 2 * EB, r8, 8, &ec), 0);
    CHECK_EQ(r8[4], 0xff); /* the second half never landed */
    sf_flash_close(f);
    f = open_nor(p, "fault=verify@1");
    CHECK_EQ(sf_flash_program(f, 3 * EB, z, 8, &ec), 0); /* reports success... */
    CHECK_EQ(sf_flash_read(f, 3 * EB, r8, 8, &ec), 0);
    CHECK(memcmp(r8, z, 8) != 0); /* ...but one bit stayed 1 */
    sf_flash_close(f);
    f = open_nor(p, "fault=erase-torn@1");
    CHECK_EQ(sf_flash_erase(f, 2 * EB, EB, &ec), SF_EIO);
    CHECK_EQ(sf_flash_read(f, 2 * EB, r, 1, &ec), 0);
    CHECK_EQ(r[0], 0xff); /* first half erased */
    sf_flash_close(f);
    struct sf_nor_opts o;
    sf_nor_opts_default(&o);
    char why[200];
    CHECK_EQ(sf_nor_opts_parse("fault=melt@3", &o, why, sizeof(why)), SF_EINVAL);
    CHECK_EQ(sf_nor_opts_parse("erase=3000", &o, why, sizeof(why)), SF_EINVAL);
    CHECK_EQ(sf_nor_opts_parse("erase=4K,write=256", &o, why, sizeof(why)), 0);
    CHECK_EQ(o.erase_size, 4096);
}

/* One layout's sweep; returns the number of runs. */
static int sweep(enum sf_layout_kind k, int *violations)
{
    struct sf_layout l;
    layout(k, &l);
    char base[128], work[128];
    snprintf(base, sizeof(base), "%s/base-%d.bin", dir, k);
    snprintf(work, sizeof(work), "%s/work-%d.bin", dir, k);
    make_flash(base);
    const uint32_t n1 = 700000, n2 = 690000;
    uint8_t *old = image(n1, 1), *nu = image(n2, 2);
    struct sf_flashup_result res;
    /* The board runs "1.0"; for ab, slot b also holds an older 0.9. */
    if (k == SF_LAYOUT_AB) {
        uint8_t *older = image(n1, 0);
        CHECK_EQ(install(base, NULL, &l, older, n1, "0.9", &res), 0);
        free(older);
    }
    CHECK_EQ(install(base, NULL, &l, old, n1, "1.0", &res), 0);
    /* How many erases and programs a clean update does. */
    copy_file(base, work);
    struct sf_flash *f = open_nor(work, NULL);
    struct sf_flash *fl[1] = { f };
    CHECK_EQ(sf_flashup_install(fl, 1, &l, nu, n2, "2.0", NULL, NULL, NULL, &res), 0);
    unsigned ne = (unsigned)f->erases, np = (unsigned)f->programs;
    sf_flash_close(f);
    CHECK(ne > 0 && np > 0);
    static const char *kinds[] = { "erase", "erase-torn", "program", "program-torn", "verify" };
    int runs = 0;
    for (size_t ki = 0; ki < 5; ki++) {
        unsigned lim = ki < 2 ? ne : np;
        for (unsigned at = 1; at <= lim; at++) {
            char opts[64];
            snprintf(opts, sizeof(opts), "fault=%s@%u", kinds[ki], at);
            copy_file(base, work);
            int rc = install(work, opts, &l, nu, n2, "2.0", &res);
            struct sf_flash_view v;
            CHECK_EQ(inspect(work, &l, &v), 0);
            runs++;
            const char *boots = v.boots >= 0 ? v.s[v.boots].h.version : "(nothing)";
            int bad = v.boots < 0 || (strcmp(boots, "1.0") && strcmp(boots, "2.0")) ||
                      (rc == 0 && strcmp(boots, "2.0")) || strcmp(res.ver_after, boots) ||
                      (rc != 0 && !res.step[0]);
            /* primary-backup: a failure while saving leaves the primary as it was. */
            if (k == SF_LAYOUT_PRIMARY_BACKUP && res.degraded && (v.boots != 0 || rc == 0))
                bad = 1;
            if (!bad) {
                /* A rerun without the fault finishes. */
                int rc2 = install(work, NULL, &l, nu, n2, "2.0", &res);
                CHECK_EQ(inspect(work, &l, &v), 0);
                bad = rc2 != 0 || v.boots < 0 || strcmp(v.s[v.boots].h.version, "2.0");
            }
            if (bad) {
                (*violations)++;
                sf_test_fail(__FILE__, __LINE__, "%s %s: rc %d, boots %s, reported %s (%s: %s)",
                             sf_layout_kind_str(k), opts, rc, boots, res.ver_after, res.step,
                             res.msg);
            }
        }
    }
    free(old);
    free(nu);
    return runs;
}

SF_TEST(flashup_interruption_sweep)
{
    mkdir_once();
    int v_pb = 0, v_ab = 0;
    int r_pb = sweep(SF_LAYOUT_PRIMARY_BACKUP, &v_pb);
    int r_ab = sweep(SF_LAYOUT_AB, &v_ab);
    printf("    interruption sweep: primary-backup %d runs, %d violations; ab %d runs, "
           "%d violations\n", r_pb, v_pb, r_ab, v_ab);
    CHECK(r_pb > 50 && r_ab > 20);
}

SF_TEST(flashup_delta_and_nothing_to_do)
{
    mkdir_once();
    struct sf_layout l;
    layout(SF_LAYOUT_AB, &l);
    char p[128];
    snprintf(p, sizeof(p), "%s/delta.bin", dir);
    make_flash(p);
    uint8_t *a = image(700000, 1), *b = image(700000, 2);
    struct sf_flashup_result res;
    CHECK_EQ(install(p, NULL, &l, a, 700000, "1.0", &res), 0);
    CHECK_EQ(res.boots_after, 0);
    CHECK_EQ(install(p, NULL, &l, b, 700000, "2.0", &res), 0);
    CHECK_EQ(res.boots_after, 1);
    CHECK_STR(res.ver_after, "2.0");
    /* Back to 1.0: slot a still holds it except the header's sequence. */
    CHECK_EQ(install(p, NULL, &l, a, 700000, "1.0", &res), 0);
    CHECK_EQ(res.boots_after, 0);
    CHECK_EQ(res.blocks_written, 1); /* only the header block */
    CHECK_EQ(install(p, NULL, &l, a, 700000, "1.0", &res), 0);
    CHECK_EQ(res.nothing_to_do, 1);
    /* Too big for a slot: refused before anything is written. */
    uint8_t *big = image(3u << 20, 1);
    CHECK_EQ(install(p, NULL, &l, big, 3u << 20, "9.0", &res), SF_ERANGE);
    CHECK(strstr(res.msg, "does not fit") != NULL);
    free(big);
    free(a);
    free(b);
}

SF_TEST(flashup_seed000_backup_save_fails)
{
    mkdir_once();
    struct sf_layout l;
    layout(SF_LAYOUT_PRIMARY_BACKUP, &l);
    char p[128];
    snprintf(p, sizeof(p), "%s/seed000.bin", dir);
    make_flash(p);
    uint8_t *a = image(700000, 1), *b = image(700000, 2);
    struct sf_flashup_result res;
    CHECK_EQ(install(p, NULL, &l, a, 700000, "11.11", &res), 0);
    /* Lock both regions, as the board's firmware keeps them. */
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_nor_set_locks(p, EB, 0, FLASH_SIZE, 1, &ec), 0);
    uint8_t *before = malloc(2u << 20), *after = malloc(2u << 20);
    int fd = open(p, O_RDONLY);
    CHECK_EQ(pread(fd, before, 2u << 20, 0), (ssize_t)(2u << 20));
    /* The third program of the save fails ("Flash verify failed"). */
    CHECK_EQ(install(p, "locks=1,fault=verify@3", &l, b, 700000, "11.15", &res), SF_EIO);
    CHECK_EQ(res.degraded, 1);
    CHECK_STR(res.step, "saving the primary to the backup");
    CHECK_EQ(res.region, 1);
    CHECK(res.block >= (2u << 20));
    CHECK(strstr(res.msg, "verify failed") != NULL);
    CHECK_STR(res.ver_after, "11.11");
    CHECK_EQ(res.locks_restored, 1);
    CHECK_EQ(pread(fd, after, 2u << 20, 0), (ssize_t)(2u << 20));
    CHECK_EQ(memcmp(before, after, 2u << 20), 0); /* the primary, byte for byte */
    struct sf_flash *f = open_nor(p, "locks=1");
    int locked = 0;
    CHECK_EQ(sf_flash_is_locked(f, 0, FLASH_SIZE, &locked, &ec), 0);
    CHECK_EQ(locked, 1); /* locks as they were */
    sf_flash_close(f);
    /* The unlock itself fails ("fail unlocking memory"): DEGRADED too. */
    CHECK_EQ(install(p, "locks=1,fault=unlock@1", &l, b, 700000, "11.15", &res), SF_EIO);
    CHECK_EQ(res.degraded, 1);
    CHECK_STR(res.step, "unlocking the backup");
    /* Repair the backup alone, then the update finishes. */
    f = open_nor(p, "locks=1");
    struct sf_flash *fl[1] = { f };
    CHECK_EQ(sf_flashup_repair_backup(fl, 1, &l, NULL, NULL, &res), 0);
    struct sf_flash_view v;
    CHECK_EQ(sf_flashup_inspect(fl, 1, &l, &v, &ec), 0);
    CHECK_EQ(v.backup_current, 1);
    CHECK_EQ(sf_flashup_install(fl, 1, &l, b, 700000, "11.15", NULL, NULL, NULL, &res), 0);
    CHECK_STR(res.ver_after, "11.15");
    CHECK_EQ(sf_flashup_inspect(fl, 1, &l, &v, &ec), 0);
    CHECK(v.s[1].valid);
    CHECK_STR(v.s[1].h.version, "11.11"); /* the backup keeps the last good image */
    sf_flash_close(f);
    close(fd);
    free(before);
    free(after);
    free(a);
    free(b);
}
