/*
 * sf_cli_flash.c - `show`, `install` and `repair` for board firmware in NOR
 * flash: targets written mtd:/dev/mtdN or file:PATH, with --layout FILE.
 *
 * A file: target is the NOR model (emu/sf_nor.h); SAFEFLASH_NOR sets its
 * geometry, lock bits and faults.  Every install is recorded in the
 * history (path = the target, subenclosure = the region written), and
 * its image is staged first, so that `repair` can finish an update that
 * stopped DEGRADED.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/sf_nor.h"
#include "engine/sf_flashup.h"
#include "pkg/sf_crypto.h"
#include "state/sf_history.h"
#include "sf_cli.h"

int sf_cli_is_flash_target(const char *s)
{
    return s && (!strncmp(s, "mtd:", 4) || !strncmp(s, "file:", 5));
}

static int open_target(const char *t, struct sf_flash **f, struct sf_errctx *ec)
{
    if (!strncmp(t, "mtd:", 4))
        return sf_mtd_open(t + 4, t, f, ec);
    struct sf_nor_opts o;
    sf_nor_opts_default(&o);
    char why[200] = "";
    const char *env = getenv("SAFEFLASH_NOR");
    if (env && sf_nor_opts_parse(env, &o, why, sizeof(why)))
        return sf_err_set(ec, SF_ECONFIG, "SAFEFLASH_NOR: %s", why);
    return sf_nor_open(t + 5, t, &o, f, ec);
}

static int load_layout(const char *path, struct sf_layout *l, struct sf_errctx *ec)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return sf_err_set(ec, SF_ECONFIG, "layout %s: %s", path, strerror(errno));
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf), fp);
    int big = !feof(fp);
    fclose(fp);
    if (big)
        return sf_err_set(ec, SF_ECONFIG, "layout %s: larger than 8 KiB", path);
    char why[200] = "";
    if (sf_layout_parse(buf, n, l, why, sizeof(why)))
        return sf_err_set(ec, SF_ECONFIG, "layout %s: %s", path, why);
    return 0;
}

/* Open every target, load the layout and check it against them. */
static int open_all(char **targets, size_t n, const char *layout, struct sf_flash **fl,
                    struct sf_layout *l, struct sf_errctx *ec)
{
    int rc = load_layout(layout, l, ec);
    for (size_t i = 0; !rc && i < n; i++)
        rc = open_target(targets[i], &fl[i], ec);
    if (rc)
        return rc;
    uint64_t sizes[8];
    uint32_t eb[8];
    for (size_t i = 0; i < n; i++) {
        sizes[i] = fl[i]->size;
        eb[i] = fl[i]->erase_size;
        if (fl[i]->write_size > SF_SLOT_HDR_LEN)
            return sf_err_set(ec, SF_ENOTSUP, "%s: a %u-byte write unit is larger than the "
                              "slot header", fl[i]->name, fl[i]->write_size);
    }
    char why[300] = "";
    rc = sf_layout_check(l, sizes, eb, n, why, sizeof(why));
    if (rc)
        return sf_err_set(ec, SF_ECONFIG, "layout %s on %s: %s", layout, targets[0], why);
    return 0;
}

static void close_all(struct sf_flash **fl, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sf_flash_close(fl[i]);
}

/* The history's identity for a target: a hash of its name. */
static void target_id(const char *t, char id[17])
{
    uint8_t d[32];
    sf_sha256(t, strlen(t), d);
    sf_hex(d, 8, id);
}

static const char *slot_words(const struct sf_slot_state *s, char *buf, size_t cap)
{
    if (s->valid)
        snprintf(buf, cap, "valid: version %s, sequence %u, %u bytes", s->h.version,
                 s->h.sequence, s->h.image_len);
    else
        snprintf(buf, cap, "INVALID: %s", s->why);
    return buf;
}

/* Progress: a line per phase and per quarter of its bytes. */
static int last_quarter = -1;

static void fev(enum sf_fev_kind k, const char *text, uint64_t done, uint64_t total, void *arg)
{
    const char *target = arg;
    if (k == SF_FEV_PHASE) {
        fprintf(stderr, "%s: %s\n", target, text);
        last_quarter = -1;
    } else if (k == SF_FEV_NOTICE) {
        fprintf(stderr, "%s: note: %s\n", target, text);
    } else if (total && (int)(done * 4 / total) != last_quarter) {
        last_quarter = (int)(done * 4 / total);
        fprintf(stderr, "%s: %s: %3u%% of %llu KiB\n", target, text,
                (unsigned)(done * 100 / total), (unsigned long long)(total / 1024));
    }
}

struct fopts {
    const char *layout, *version;
    int json, yes, dry;
    char **targets;
    size_t ntargets;
    const char *image;
};

static int parse(int argc, char **argv, const char *cmd, int want_image, struct fopts *fo)
{
    static const struct option opts[] = {
        { "layout", required_argument, NULL, 'l' },
        { "image-version", required_argument, NULL, 'v' },
        { "json", no_argument, NULL, 'j' },
        { "yes", no_argument, NULL, 'y' },
        { "dry-run", no_argument, NULL, 'n' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(fo, 0, sizeof(*fo));
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "hy", opts, NULL)) != -1) {
        switch (c) {
        case 'l': fo->layout = optarg; break;
        case 'v': fo->version = optarg; break;
        case 'j': fo->json = 1; break;
        case 'y': fo->yes = 1; break;
        case 'n': fo->dry = 1; break;
        case 'h':
            printf("Usage: safeflash %s %s--layout FILE [--json]%s\n\n"
                   "Board firmware in NOR flash: TARGET is mtd:/dev/mtdN or file:PATH (the NOR\n"
                   "model; SAFEFLASH_NOR sets its erase size, lock bits and faults).  The\n"
                   "layout names the regions (docs/flash-layout.md).\n",
                   cmd, want_image ? "IMAGE TARGET... " : "TARGET... ",
                   !strcmp(cmd, "install") ? " --image-version V [--yes] [--dry-run]"
                   : !strcmp(cmd, "repair") ? " [--yes]" : "");
            return -1;
        default:
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (want_image) {
        if (optind >= argc)
            return sf_cli_usage_error(cmd, "an image and a flash target are needed");
        fo->image = argv[optind++];
    }
    if (optind >= argc)
        return sf_cli_usage_error(cmd, "a flash target (mtd:/dev/mtdN or file:PATH) is needed");
    fo->targets = &argv[optind];
    fo->ntargets = (size_t)(argc - optind);
    if (fo->ntargets > 8)
        return sf_cli_usage_error(cmd, "at most 8 flash targets");
    for (size_t i = 0; i < fo->ntargets; i++)
        if (!sf_cli_is_flash_target(fo->targets[i]))
            return sf_cli_usage_error(cmd, "'%s' is not a flash target (mtd:/dev/mtdN or "
                                      "file:PATH); enclosures and drives are separate runs",
                                      fo->targets[i]);
    if (!fo->layout)
        return sf_cli_usage_error(cmd, "--layout FILE is needed for flash targets");
    if (want_image && !fo->version)
        return sf_cli_usage_error(cmd, "--image-version V is needed for a raw image on flash "
                                  "(it goes into the slot header)");
    if (want_image && strlen(fo->version) > 16)
        return sf_cli_usage_error(cmd, "--image-version is at most 16 characters");
    return 0;
}

/* Parse the command line, open the targets and check the layout against
 * them.  Returns -1 to go on, or the exit code to return (help, usage,
 * open errors: said in one line, nothing left open). */
static int open_cmd(int argc, char **argv, const char *cmd, int want_image, struct fopts *fo,
                    struct sf_flash **fl, struct sf_layout *l)
{
    int prc = parse(argc, argv, cmd, want_image, fo);
    if (prc)
        return prc < 0 ? SF_EXIT_OK : prc;
    struct sf_errctx ec = { 0 };
    int rc = open_all(fo->targets, fo->ntargets, fo->layout, fl, l, &ec);
    if (rc) {
        close_all(fl, fo->ntargets);
        return sf_cli_fail(rc, &ec);
    }
    return -1;
}

int sf_cmd_flash_show(int argc, char **argv)
{
    struct fopts fo;
    struct sf_flash *fl[8] = { 0 };
    struct sf_layout l;
    int code = open_cmd(argc, argv, "show", 0, &fo, fl, &l);
    if (code >= 0)
        return code;
    struct sf_errctx ec = { 0 };
    struct sf_flash_view v;
    int rc = sf_flashup_inspect(fl, fo.ntargets, &l, &v, &ec);
    if (rc) {
        close_all(fl, fo.ntargets);
        return sf_cli_fail(rc, &ec);
    }
    /* The last attempt's result: a DEGRADED one marks the backup bad. */
    char id[17];
    target_id(fo.targets[0], id);
    struct sf_history *h = NULL;
    struct sf_last_attempt la = { 0 };
    struct sf_errctx hec = { 0 };
    int have_la = sf_history_open(sf_state_dir(NULL), &h, &hec) == 0 &&
                  sf_history_last(h, id, 0, &la) == 0;
    sf_history_close(h);
    int backup_bad = l.kind == SF_LAYOUT_PRIMARY_BACKUP &&
                     ((have_la && !strcmp(la.result, "degraded")) || !v.s[1].valid);
    char w[2][220];
    if (fo.json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "target", json_object_new_string(fo.targets[0]));
        json_object_object_add(j, "layout", json_object_new_string(sf_layout_kind_str(l.kind)));
        json_object_object_add(j, "size", json_object_new_int64((int64_t)fl[0]->size));
        json_object_object_add(j, "erase_size", json_object_new_int64(fl[0]->erase_size));
        json_object *rs = json_object_new_array();
        for (int i = 0; i < 2; i++) {
            json_object *r = json_object_new_object();
            json_object_object_add(r, "name", json_object_new_string(l.r[i].name));
            json_object_object_add(r, "offset", json_object_new_int64((int64_t)l.r[i].offset));
            json_object_object_add(r, "size", json_object_new_int64((int64_t)l.r[i].size));
            json_object_object_add(r, "valid", json_object_new_boolean(v.s[i].valid));
            if (v.s[i].valid) {
                json_object_object_add(r, "version", json_object_new_string(v.s[i].h.version));
                json_object_object_add(r, "sequence", json_object_new_int64(v.s[i].h.sequence));
            } else {
                json_object_object_add(r, "why", json_object_new_string(v.s[i].why));
            }
            json_object_array_add(rs, r);
        }
        json_object_object_add(j, "regions", rs);
        json_object_object_add(j, "boots", v.boots >= 0 ? json_object_new_string(l.r[v.boots].name)
                                                        : NULL);
        if (l.kind == SF_LAYOUT_PRIMARY_BACKUP) {
            json_object_object_add(j, "backup_current", json_object_new_boolean(v.backup_current));
            json_object_object_add(j, "backup_bad", json_object_new_boolean(backup_bad));
        }
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
    } else {
        printf("%s: %llu bytes, %u-byte erase blocks, layout %s (%s)\n", fo.targets[0],
               (unsigned long long)fl[0]->size, fl[0]->erase_size, sf_layout_kind_str(l.kind),
               fo.layout);
        for (int i = 0; i < 2; i++)
            printf("  %-8s 0x%08llx +0x%08llx  %s%s\n", l.r[i].name,
                   (unsigned long long)l.r[i].offset, (unsigned long long)l.r[i].size,
                   slot_words(&v.s[i], w[i], sizeof(w[i])), v.boots == i ? "  <- boots" : "");
        if (v.boots < 0)
            printf("  NOTHING BOOTS: no region holds a valid image\n");
        if (l.kind == SF_LAYOUT_PRIMARY_BACKUP) {
            if (backup_bad && have_la && !strcmp(la.result, "degraded"))
                printf("  backup: BAD - update attempt #%lld could not save the primary to it; "
                       "'safeflash repair %s --layout %s' retries\n", (long long)la.id,
                       fo.targets[0], fo.layout);
            else if (backup_bad)
                printf("  backup: BAD - %s\n", v.s[1].why);
            else
                printf("  backup: %s%s%s\n", v.backup_current ? "a current copy of the primary"
                       : "valid, holds ", v.backup_current ? "" : v.s[1].h.version,
                       v.backup_current ? "" : " (the image the primary was saved from last; "
                       "it boots if the primary fails)");
        }
    }
    close_all(fl, fo.ntargets);
    return SF_EXIT_OK;
}

/* Stage the image (field report 002: local before the first write) and
 * its version beside it, where `repair` finds both. */
static int stage_image(const char *sha, const uint8_t *img, size_t len, const char *ver,
                       char *path, size_t cap, struct sf_errctx *ec)
{
    const char *st = sf_state_dir(NULL);
    struct sf_history *h0 = NULL;
    int rc = sf_history_open(st, &h0, ec); /* creates the state directory */
    sf_history_close(h0);
    if (!rc)
        rc = sf_cli_stage(st, sha, img, len, ec);
    if (rc)
        return rc;
    snprintf(path, cap, "%s/staging/%s.img", st, sha);
    char vp[4200];
    snprintf(vp, sizeof(vp), "%s/staging/%s.version", st, sha);
    FILE *vf = fopen(vp, "w");
    int ok = vf && fprintf(vf, "%s\n", ver) > 0;
    if (vf)
        ok &= fclose(vf) == 0;
    return ok ? 0 : sf_err_set(ec, SF_ESTATE, "%s: cannot record the image's version", vp);
}

/* Run an install of img on the opened flash, journaled; prints the result.
 * Returns the exit code. */
static int run_install(struct fopts *fo, struct sf_flash **fl, const struct sf_layout *l,
                       const uint8_t *img, size_t len, const char *ver, const char *staged,
                       const char *sha, int repair)
{
    char id[17];
    target_id(fo->targets[0], id);
    struct sf_history *h = NULL;
    struct sf_errctx ec = { 0 };
    int64_t aid = 0;
    struct sf_flashup_result res;
    int rc = 0;
    if (!fo->dry && sf_history_open(sf_state_dir(NULL), &h, &ec) == 0) {
        struct sf_attempt a;
        memset(&a, 0, sizeof(a));
        sf_history_new_run(a.run);
        snprintf(a.action, sizeof(a.action), "%s", repair ? "repair" : "install");
        snprintf(a.path, sizeof(a.path), "%s", fo->targets[0]);
        snprintf(a.logical_id, sizeof(a.logical_id), "%s", id);
        snprintf(a.vendor, sizeof(a.vendor), "FLASH");
        snprintf(a.product, sizeof(a.product), "%s", sf_layout_kind_str(l->kind));
        snprintf(a.image_sha, sizeof(a.image_sha), "%s", sha ? sha : "");
        snprintf(a.staged, sizeof(a.staged), "%s", staged ? staged : "");
        snprintf(a.mode, sizeof(a.mode), "%s", sf_layout_kind_str(l->kind));
        aid = sf_history_begin(h, &a, &ec);
    }
    if (repair) {
        rc = sf_flashup_repair_backup(fl, fo->ntargets, l, fo->json ? NULL : fev,
                                      fo->targets[0], &res);
        if (!rc && !fo->json)
            fprintf(stderr, "%s: the backup holds a verified copy of the primary (%s)\n",
                    fo->targets[0], res.ver_after);
    }
    if (!rc && img) {
        struct sf_flashup_opts o = { .dry_run = fo->dry };
        rc = sf_flashup_install(fl, fo->ntargets, l, img, (uint32_t)len, ver, &o,
                                fo->json ? NULL : fev, fo->targets[0], &res);
    }
    const char *result = rc == 0 ? (!img ? "repaired" : res.nothing_to_do ? "skipped"
                                    : fo->dry ? "dry-run" : "updated")
                         : res.degraded ? "degraded" : "failed";
    char detail[900] = "";
    if (rc)
        snprintf(detail, sizeof(detail), "%s%s at region %s, block 0x%llx: %s; boots %s",
                 res.degraded ? "DEGRADED: " : "", res.step,
                 res.region >= 0 ? l->r[res.region].name : "-", (unsigned long long)res.block,
                 res.msg, res.boots_after >= 0 ? res.ver_after : "nothing");
    if (h && aid > 0)
        sf_history_finish(h, aid, result, NULL, rc ? detail : NULL);
    sf_history_close(h);
    int code = rc == 0                                ? SF_EXIT_OK
               : res.degraded                         ? SF_EXIT_DEGRADED
               : !strcmp(res.step, "checking the image") ? SF_EXIT_REFUSED /* nothing written */
               : rc == SF_ENOTSUP                     ? SF_EXIT_NOTSUP
                                                      : SF_EXIT_FAILED;
    if (fo->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "target", json_object_new_string(fo->targets[0]));
        json_object_object_add(j, "result", json_object_new_string(result));
        json_object_object_add(j, "degraded", json_object_new_boolean(res.degraded));
        if (rc) {
            json_object_object_add(j, "step", json_object_new_string(res.step));
            json_object_object_add(j, "region", res.region >= 0
                                   ? json_object_new_string(l->r[res.region].name) : NULL);
            json_object_object_add(j, "block", json_object_new_int64((int64_t)res.block));
            json_object_object_add(j, "error", json_object_new_string(res.msg));
        }
        json_object_object_add(j, "boots_before", json_object_new_string(res.ver_before));
        json_object_object_add(j, "boots_after", json_object_new_string(res.ver_after));
        json_object_object_add(j, "blocks_written", json_object_new_int64((int64_t)res.blocks_written));
        json_object_object_add(j, "blocks_unchanged", json_object_new_int64((int64_t)res.blocks_same));
        json_object_object_add(j, "bytes_erased", json_object_new_int64((int64_t)fl[0]->bytes_erased));
        json_object_object_add(j, "bytes_programmed",
                               json_object_new_int64((int64_t)fl[0]->bytes_programmed));
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
    } else if (rc == 0) {
        printf("%s: %s: %s%s%s (%llu of %llu blocks written, %llu bytes erased, %llu programmed, "
               "all verified)\n", fo->targets[0], result,
               res.ver_before[0] ? res.ver_before : "(nothing)", res.nothing_to_do ? " already boots" : " -> ",
               res.nothing_to_do ? "" : res.ver_after, (unsigned long long)res.blocks_written,
               (unsigned long long)(res.blocks_written + res.blocks_same),
               (unsigned long long)fl[0]->bytes_erased, (unsigned long long)fl[0]->bytes_programmed);
    } else {
        printf("%s: %s%s\n", fo->targets[0], res.degraded ? "" : "failed: ", detail);
        if (res.degraded)
            printf("%s: the primary was not touched and boots %s; the backup is bad. Fix the "
                   "cause, then 'safeflash repair %s --layout %s' saves the backup again and "
                   "finishes this update.\n", fo->targets[0], res.ver_after, fo->targets[0],
                   fo->layout);
        if (!res.locks_restored)
            printf("%s: WARNING: some lock bits could not be put back\n", fo->targets[0]);
    }
    return code;
}

int sf_cmd_flash_install(int argc, char **argv)
{
    struct fopts fo;
    struct sf_flash *fl[8] = { 0 };
    struct sf_layout l;
    int code = open_cmd(argc, argv, "install", 1, &fo, fl, &l);
    if (code >= 0)
        return code;
    struct sf_errctx ec = { 0 };
    size_t len = 0;
    uint8_t *img = NULL;
    int rc = sf_cli_read_file(fo.image, &img, &len, 256u << 20, ec.msg, sizeof(ec.msg));
    if (!rc && len == 0)
        rc = sf_err_set(&ec, SF_ETRUNC, "%s: empty image", fo.image);
    struct sf_flash_view v;
    if (!rc)
        rc = sf_flashup_inspect(fl, fo.ntargets, &l, &v, &ec);
    if (rc) {
        free(img);
        close_all(fl, fo.ntargets);
        return sf_cli_fail(rc, &ec);
    }
    if (!fo.json) {
        printf("Plan: %s %s (%zu bytes) on %s, layout %s\n", fo.image, fo.version, len,
               fo.targets[0], sf_layout_kind_str(l.kind));
        printf("  boots now: %s\n", v.boots >= 0 ? v.s[v.boots].h.version : "nothing");
        if (l.kind == SF_LAYOUT_PRIMARY_BACKUP)
            printf("  1. save the primary to the backup and verify it  2. program the primary  "
                   "3. verify it\n");
        else
            printf("  write slot %s (does not boot now), verify it, header last\n",
                   v.boots == 0 ? "b" : "a");
        fflush(stdout); /* before the progress lines on stderr */
    }
    if (!fo.yes && !fo.dry && !sf_cli_confirm("Write this image?")) {
        free(img);
        close_all(fl, fo.ntargets);
        fprintf(stderr, "safeflash: not confirmed: nothing was written%s\n",
                isatty(STDIN_FILENO) ? "" : " (pass --yes to run without a prompt)");
        return SF_EXIT_REFUSED;
    }
    /* Staged before the first write (field report 002); repair finds it. */
    uint8_t d[32];
    char sha[65], staged[4300] = "";
    sf_sha256(img, len, d);
    sf_hex(d, 32, sha);
    if (!fo.dry) {
        rc = stage_image(sha, img, len, fo.version, staged, sizeof(staged), &ec);
        if (rc) {
            free(img);
            close_all(fl, fo.ntargets);
            return sf_cli_fail(rc, &ec);
        }
    }
    code = run_install(&fo, fl, &l, img, len, fo.version, staged, sha, 0);
    free(img);
    close_all(fl, fo.ntargets);
    return code;
}

int sf_cmd_flash_repair(int argc, char **argv)
{
    struct fopts fo;
    struct sf_flash *fl[8] = { 0 };
    struct sf_layout l;
    int code = open_cmd(argc, argv, "repair", 0, &fo, fl, &l);
    if (code >= 0)
        return code;
    struct sf_errctx ec = { 0 };
    /* An update that stopped DEGRADED: continue it with its staged image. */
    char id[17];
    target_id(fo.targets[0], id);
    struct sf_history *h = NULL;
    struct sf_last_attempt la = { 0 };
    int pending = sf_history_open(sf_state_dir(NULL), &h, &ec) == 0 &&
                  sf_history_last(h, id, 0, &la) == 0 && !strcmp(la.result, "degraded") &&
                  la.image_sha[0];
    sf_history_close(h);
    uint8_t *img = NULL;
    size_t len = 0;
    char ver[32] = "", staged[4300] = "";
    if (pending) {
        char vp[4300];
        snprintf(staged, sizeof(staged), "%s/staging/%s.img", sf_state_dir(NULL), la.image_sha);
        snprintf(vp, sizeof(vp), "%s/staging/%s.version", sf_state_dir(NULL), la.image_sha);
        if (sf_cli_read_file(staged, &img, &len, 256u << 20, ec.msg, sizeof(ec.msg)))
            img = NULL;
        FILE *vf = fopen(vp, "r");
        if (vf) {
            if (fgets(ver, sizeof(ver), vf))
                ver[strcspn(ver, "\n")] = '\0';
            fclose(vf);
        }
        uint8_t d[32];
        char sha[65] = "";
        if (img) {
            sf_sha256(img, len, d);
            sf_hex(d, 32, sha);
        }
        if (!img || !ver[0] || strcmp(sha, la.image_sha)) {
            free(img);
            close_all(fl, fo.ntargets);
            return sf_cli_fail(SF_EINTEGRITY, (sf_err_set(&ec, SF_EINTEGRITY, "the image of "
                               "attempt #%lld is no longer staged intact at %s: install it again",
                               (long long)la.id, staged), &ec));
        }
        if (!fo.json)
            fprintf(stderr, "%s: continuing attempt #%lld (%s) after the backup\n",
                    fo.targets[0], (long long)la.id, ver);
    }
    code = run_install(&fo, fl, &l, img, len, ver, pending ? staged : NULL,
                           pending ? la.image_sha : NULL, 1);
    free(img);
    close_all(fl, fo.ntargets);
    return code;
}
