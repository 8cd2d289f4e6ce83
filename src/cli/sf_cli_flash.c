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
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/sf_nor.h"
#include "engine/sf_flashup.h"
#include "pkg/sf_crypto.h"
#include "pkg/sf_pkg.h"
#include "state/sf_history.h"
#include "state/sf_lock.h"
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

/* The history's identity for a target: a hash of its name. */
static void target_id(const char *t, char id[17])
{
    sf_cli_hash_id(t, id);
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

/* What the engine reports goes to stderr (unless --json) and each phase
 * into the journal, before the phase's first write: after a crash the
 * attempt's row says what was being done. */
struct fctx {
    const char *target;
    int quiet;
    struct sf_history *h;
    int64_t aid;
    int last_quarter;
};

static void fev(enum sf_fev_kind k, const char *text, uint64_t done, uint64_t total, void *arg)
{
    struct fctx *c = arg;
    if (k == SF_FEV_PHASE) {
        if (c->h && c->aid > 0)
            sf_history_phase(c->h, c->aid, text, NULL);
        if (!c->quiet)
            fprintf(stderr, "%s: %s\n", c->target, text);
        c->last_quarter = -1;
    } else if (c->quiet) {
        return;
    } else if (k == SF_FEV_NOTICE) {
        fprintf(stderr, "%s: note: %s\n", c->target, text);
    } else if (total && (int)(done * 4 / total) != c->last_quarter) {
        c->last_quarter = (int)(done * 4 / total);
        fprintf(stderr, "%s: %s: %3u%% of %llu KiB\n", c->target, text,
                (unsigned)(done * 100 / total), (unsigned long long)(total / 1024));
    }
}

struct fopts {
    const char *cmd;
    const char *layout, *version, *keys;
    int json, yes, dry, allow_unsigned, allow_downgrade, restart;
    int is_pkg;               /* install: the image is a package */
    char **targets;
    size_t ntargets;
    const char *image;
    int argc;                 /* the command line, recorded with the run */
    char **argv;
    int locks[8];             /* writing commands: one lock per device */
    size_t nlocks;
};

/* The flash devices, and the locks a writing command holds on them. */
static void close_all(struct sf_flash **fl, struct fopts *fo)
{
    for (size_t i = 0; i < fo->ntargets; i++)
        sf_flash_close(fl[i]);
    for (size_t i = 0; i < fo->nlocks; i++)
        sf_lock_release(fo->locks[i]);
    fo->nlocks = 0;
}

static void usage(const char *cmd)
{
    int inst = !strcmp(cmd, "install");
    printf("Usage: safeflash %s %sTARGET --layout FILE [options]\n\n"
           "Board firmware in NOR flash: TARGET is mtd:/dev/mtdN or file:PATH (the NOR\n"
           "model; SAFEFLASH_NOR sets its erase size, lock bits and faults).  The\n"
           "layout names the regions and the board (docs/flash-layout.md).\n\n",
           cmd, inst ? "PACKAGE|IMAGE " : "");
    if (inst)
        puts("A package (safeflash package create) is checked before anything is written:\n"
             "trusted signature, image hashes, the layout's board against the package's\n"
             "vendor/product, version order.  A raw image needs --image-version.\n\n"
             "  --image-version V    raw image: the version its slot header records\n"
             "  --allow-unsigned     accept an unsigned or untrusted package\n"
             "  --allow-downgrade    accept an image older than the one that boots\n"
             "  --keys DIR           trusted public keys (default $SAFEFLASH_KEYS or\n"
             "                       /etc/safeflash/keys)\n"
             "  --restart            abandon an interrupted install of another image\n"
             "  --dry-run            show what would be written; write nothing");
    else if (!strcmp(cmd, "repair"))
        puts("primary-backup: save the primary to the backup again and verify it, then\n"
             "finish the update a DEGRADED install stopped (from its staged image).");
    else if (!strcmp(cmd, "resume"))
        puts("Finish an install the journal shows as interrupted (the tool killed, the\n"
             "host powered off): its staged image goes on by the layout's procedure,\n"
             "which keeps a bootable image whatever state the flash was left in.");
    puts("  --layout FILE        the layout (required)\n"
         "  --json               one JSON object on stdout\n"
         "  --state-dir DIR      history, journal, staged images (default\n"
         "                       $SAFEFLASH_STATE_DIR or /var/lib/safeflash)"
         );
    if (strcmp(cmd, "show"))
        puts("  --yes                do not ask for confirmation");
}

static int parse(int argc, char **argv, const char *cmd, int want_image, struct fopts *fo)
{
    static const struct option opts[] = {
        { "layout", required_argument, NULL, 'l' },
        { "image-version", required_argument, NULL, 'v' },
        { "json", no_argument, NULL, 'j' },
        { "yes", no_argument, NULL, 'y' },
        { "dry-run", no_argument, NULL, 'n' },
        { "keys", required_argument, NULL, 'K' },
        { "allow-unsigned", no_argument, NULL, 'U' },
        { "allow-downgrade", no_argument, NULL, 'D' },
        { "restart", no_argument, NULL, 'R' },
        { "state-dir", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(fo, 0, sizeof(*fo));
    fo->cmd = cmd;
    fo->argc = argc;
    fo->argv = argv;
    int inst = !strcmp(cmd, "install");
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "hy", opts, NULL)) != -1) {
        /* Options that do not belong to this command are errors, not
         * silently ignored switches. */
        if (!inst && strchr("vnKUDR", c))
            return sf_cli_usage_error(cmd, "'%s' is for install", argv[optind - 1]);
        if (!strcmp(cmd, "show") && c == 'y')
            return sf_cli_usage_error(cmd, "'%s' is for install", argv[optind - 1]);
        switch (c) {
        case 'l': fo->layout = optarg; break;
        case 'v': fo->version = optarg; break;
        case 'j': fo->json = 1; break;
        case 'y': fo->yes = 1; break;
        case 'n': fo->dry = 1; break;
        case 'K': fo->keys = optarg; break;
        case 'U': fo->allow_unsigned = 1; break;
        case 'D': fo->allow_downgrade = 1; break;
        case 'R': fo->restart = 1; break;
        case 'T': setenv("SAFEFLASH_STATE_DIR", optarg, 1); break;
        case 'h': usage(cmd); return -1;
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
    if (want_image) {
        int isp = sf_pkg_is_package(fo->image);
        if (isp < 0) {
            fprintf(stderr, "safeflash: %s: %s\n", fo->image, strerror(-isp));
            return -isp == EACCES ? SF_EXIT_ACCES : SF_EXIT_NODEV;
        }
        fo->is_pkg = isp;
        if (isp && fo->version)
            return sf_cli_usage_error(cmd, "--image-version is for raw images: the package "
                                      "names its version");
        if (!isp && !fo->version)
            return sf_cli_usage_error(cmd, "--image-version V is needed for a raw image on flash "
                                      "(it goes into the slot header)");
        if (!isp && strlen(fo->version) > SF_SLOT_VERSION_MAX)
            return sf_cli_usage_error(cmd, "--image-version is at most %d characters",
                                      SF_SLOT_VERSION_MAX);
    }
    return 0;
}

/* A refusal before anything is written: one line on stderr, and with
 * --json the same as a result object on stdout. */
static int refuse(const struct fopts *fo, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(const struct fopts *fo, int code, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sf_cli_refuse(fo->json, fo->targets[0], code, "%s", msg);
}

/*
 * One writer per flash device: two runs programming one chip would each
 * erase what the other wrote, and both would read a header the other is
 * about to replace.  Keyed by the device's resolved path (mtd:/dev/mtd0
 * and a symlink to it are one chip).  -1 to go on, or the exit code after
 * saying why (locks taken so far are released).
 */
static int lock_targets(struct fopts *fo)
{
    for (size_t i = 0; i < fo->ntargets; i++) {
        const char *t = fo->targets[i];
        const char *colon = strchr(t, ':');
        const char *path = colon ? colon + 1 : t;
        char real[PATH_MAX], key[PATH_MAX + 16], id[17];
        snprintf(key, sizeof(key), "flash %s", realpath(path, real) ? real : path);
        sf_cli_hash_id(key, id);
        struct sf_errctx ec = { 0 };
        int fd = sf_lock_acquire_named(sf_state_dir(NULL), id, "this flash device", &ec);
        if (fd < 0) {
            for (size_t k = 0; k < fo->nlocks; k++)
                sf_lock_release(fo->locks[k]);
            fo->nlocks = 0;
            return refuse(fo, sf_cli_exit_for(fd), "%s: %s", t, ec.msg);
        }
        fo->locks[fo->nlocks++] = fd;
    }
    return -1;
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
    fo->nlocks = 0;
    if (strcmp(cmd, "show") && !fo->dry) {
        int code = lock_targets(fo);
        if (code >= 0)
            return code;
    }
    int rc = open_all(fo->targets, fo->ntargets, fo->layout, fl, l, &ec);
    if (rc) {
        close_all(fl, fo);
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
        close_all(fl, &fo);
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
    /* An attempt the journal shows as interrupted: say so, and how to
     * finish it. */
    struct sf_unfinished un[1];
    size_t nun = 0;
    if (h)
        sf_history_unfinished(h, id, un, 1, &nun);
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
        if (l.board_vendor[0]) {
            json_object_object_add(j, "board_vendor", json_object_new_string(l.board_vendor));
            json_object_object_add(j, "board_product", json_object_new_string(l.board_product));
        }
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
        if (nun) {
            json_object *x = json_object_new_object();
            json_object_object_add(x, "attempt", json_object_new_int64(un[0].id));
            json_object_object_add(x, "action", json_object_new_string(un[0].action));
            json_object_object_add(x, "version", json_object_new_string(un[0].expected_rev));
            json_object_object_add(x, "phase", json_object_new_string(un[0].phase));
            json_object_object_add(j, "interrupted", x);
        }
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
    } else {
        printf("%s: %llu bytes, %u-byte erase blocks, layout %s (%s)\n", fo.targets[0],
               (unsigned long long)fl[0]->size, fl[0]->erase_size, sf_layout_kind_str(l.kind),
               fo.layout);
        if (l.board_vendor[0])
            printf("  board: %s %s\n", l.board_vendor, l.board_product);
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
            else if (v.boots == 1)
                printf("  backup: boots, because the primary is not valid\n");
            else
                printf("  backup: %s%s%s\n", v.backup_current ? "a current copy of the primary"
                       : "valid, holds ", v.backup_current ? "" : v.s[1].h.version,
                       v.backup_current ? "" : " (the image the primary was saved from last; "
                       "it boots if the primary fails)");
        }
        if (nun)
            printf("  INTERRUPTED: attempt #%lld (%s %s) stopped during \"%s\"; 'safeflash "
                   "resume %s --layout %s' finishes it\n", (long long)un[0].id, un[0].action,
                   un[0].expected_rev[0] ? un[0].expected_rev : "?", un[0].phase, fo.targets[0],
                   fo.layout);
    }
    close_all(fl, &fo);
    return SF_EXIT_OK;
}

/* Stage the image (field report 002: local before the first write) and
 * its version beside it, where `repair` and `resume` find both. */
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

/* The image an earlier attempt staged, with its version, checked against
 * the SHA-256 the journal recorded. */
static int load_staged(const char *sha, int64_t attempt, uint8_t **img, size_t *len,
                       char ver[SF_SLOT_VERSION_MAX + 1], char *path, size_t cap,
                       struct sf_errctx *ec)
{
    snprintf(path, cap, "%s/staging/%s.img", sf_state_dir(NULL), sha);
    char vp[4300];
    snprintf(vp, sizeof(vp), "%s/staging/%s.version", sf_state_dir(NULL), sha);
    *img = NULL;
    ver[0] = '\0';
    if (sf_cli_read_file(path, img, len, 256u << 20, ec->msg, sizeof(ec->msg)))
        *img = NULL;
    FILE *vf = fopen(vp, "r");
    if (vf) {
        char line[64] = "";
        if (fgets(line, sizeof(line), vf)) {
            line[strcspn(line, "\n")] = '\0';
            if (strlen(line) <= SF_SLOT_VERSION_MAX)
                snprintf(ver, SF_SLOT_VERSION_MAX + 1, "%s", line);
        }
        fclose(vf);
    }
    char got[65] = "";
    if (*img) {
        uint8_t d[32];
        sf_sha256(*img, *len, d);
        sf_hex(d, 32, got);
    }
    if (*img && ver[0] && !strcmp(got, sha))
        return 0;
    free(*img);
    *img = NULL;
    return sf_err_set(ec, SF_EINTEGRITY, "the image of attempt #%lld is no longer staged intact "
                      "at %s: install it again", (long long)attempt, path);
}

/* What an install puts on the flash: a raw image with --image-version, or
 * the image a package names for the layout's board. */
struct what {
    uint8_t *raw;             /* owned: a raw image */
    struct sf_pkg *pkg;       /* owned: img points into it */
    const uint8_t *img;
    size_t len;
    char version[SF_SLOT_VERSION_MAX + 1];
    char min_version[32];
    char sha[65];             /* of img */
    char package_sha[65];     /* of the package file, "" for a raw image */
    char signer[40];          /* "" unsigned/raw */
};

static void what_free(struct what *w)
{
    free(w->raw);
    sf_pkg_free(w->pkg);
    memset(w, 0, sizeof(*w));
}

/* Load and check what to install, before any device is written: the
 * package's container, signature, board and version field.  Returns -1 to
 * go on or the exit code (said in one line). */
static int load_what(const struct fopts *fo, const struct sf_layout *l, struct what *w)
{
    memset(w, 0, sizeof(*w));
    struct sf_errctx ec = { 0 };
    if (!fo->is_pkg) {
        int rc = sf_cli_read_file(fo->image, &w->raw, &w->len, 256u << 20, ec.msg, sizeof(ec.msg));
        if (!rc && w->len == 0)
            rc = sf_err_set(&ec, SF_ETRUNC, "%s: empty image", fo->image);
        if (rc)
            return sf_cli_fail(rc, &ec);
        w->img = w->raw;
        snprintf(w->version, sizeof(w->version), "%s", fo->version);
    } else {
        int rc = sf_pkg_read(fo->image, &w->pkg, &ec);
        if (rc)
            return refuse(fo, sf_cli_pkg_exit(rc), "%s", ec.msg);
        const struct sf_manifest *m = &w->pkg->man;
        if (m->ncomponents)
            return refuse(fo, SF_EXIT_MISMATCH, "%s: a package of server-board components (%s...) "
                          "for a BMC: install it on redfish://USER@HOST; nothing was written",
                          fo->image, m->components[0].component);
        sf_hex(w->pkg->file_sha256, 32, w->package_sha);
        struct sf_errctx sec = { 0 };
        rc = sf_pkg_check_signature(w->pkg, sf_cli_keys_dir(fo->keys), &sec);
        if (rc && !fo->allow_unsigned)
            return refuse(fo, SF_EXIT_SIGNATURE, "%s: %s: refusing it (--allow-unsigned "
                          "overrides)", fo->image, sec.msg);
        if (rc)
            fprintf(stderr, "safeflash: warning: %s: %s; installing anyway (--allow-unsigned)\n",
                    fo->image, sec.msg);
        else
            snprintf(w->signer, sizeof(w->signer), "%s", w->pkg->signer);
        /* A wrong image is the disaster (seed 003): the package must name
         * this board, and the layout must say which board it is. */
        if (!l->board_vendor[0])
            return refuse(fo, SF_EXIT_MISMATCH, "%s: the layout %s names no board ('board "
                          "VENDOR PRODUCT'): a package cannot be matched to %s; nothing was "
                          "written", fo->image, fo->layout, fo->targets[0]);
        const struct sf_man_image *mi =
            sf_manifest_image_for(m, l->board_vendor, l->board_product);
        if (!mi)
            return refuse(fo, SF_EXIT_MISMATCH, "%s: the package is for vendor %s product %s; "
                          "%s is on a %s %s board (layout %s): nothing was written", fo->image,
                          m->vendor, m->product, fo->targets[0], l->board_vendor,
                          l->board_product, fo->layout);
        if (strlen(m->version) > SF_SLOT_VERSION_MAX)
            return refuse(fo, SF_EXIT_REFUSED, "%s: version \"%s\" is longer than the %d "
                          "characters a slot header holds", fo->image, m->version,
                          SF_SLOT_VERSION_MAX);
        const struct sf_pkg_image *pi = sf_pkg_image(w->pkg, mi->name);
        w->img = pi->data;
        w->len = pi->len;
        snprintf(w->version, sizeof(w->version), "%s", m->version);
        snprintf(w->min_version, sizeof(w->min_version), "%s", m->min_version);
    }
    uint8_t d[32];
    sf_sha256(w->img, w->len, d);
    sf_hex(d, 32, w->sha);
    return -1;
}

/* Version order against what boots: no downgrade unless asked, and no
 * install below a package's min_version.  -1 to go on, or the exit code. */
static int check_versions(const struct fopts *fo, const struct what *w,
                          const struct sf_flash_view *v)
{
    if (v->boots < 0)
        return -1; /* nothing boots: anything valid is better */
    const char *cur = v->s[v->boots].h.version;
    if (sf_version_cmp(cur, w->version) > 0 && !fo->allow_downgrade)
        return refuse(fo, SF_EXIT_VERSION, "%s boots %s, newer than %s: refusing a downgrade "
                      "(--allow-downgrade overrides); nothing was written", fo->targets[0], cur,
                      w->version);
    if (w->min_version[0] && sf_version_cmp(cur, w->min_version) < 0)
        return refuse(fo, SF_EXIT_VERSION, "%s boots %s, below this package's minimum %s: "
                      "install %s first, then this package (%s -> %s -> %s); nothing was written",
                      fo->targets[0], cur, w->min_version, w->min_version, cur, w->min_version,
                      w->version);
    return -1;
}

/* The journal: an unfinished attempt on this target.  Returns it in *u
 * (id 0: none).  An attempt of another image blocks a new install unless
 * --restart abandons it. */
static int journal_check(const struct fopts *fo, const char *sha, struct sf_unfinished *u)
{
    memset(u, 0, sizeof(*u));
    char id[17];
    target_id(fo->targets[0], id);
    struct sf_history *h = NULL;
    struct sf_errctx ec = { 0 };
    if (sf_history_open(sf_state_dir(NULL), &h, &ec))
        return -1; /* no state yet: nothing unfinished */
    struct sf_unfinished all[8];
    size_t n = 0;
    sf_history_unfinished(h, id, all, 8, &n);
    int code = -1;
    for (size_t k = 0; k < n && code < 0; k++) {
        if (!sha || !strcmp(all[k].image_sha, sha)) {
            if (!u->id)
                *u = all[k];
            continue;
        }
        if (fo->restart && !fo->dry) {
            sf_history_finish(h, all[k].id, "abandoned", NULL, "superseded with --restart");
            continue;
        }
        code = refuse(fo, SF_EXIT_REFUSED, "%s has an unfinished %s of another image (attempt "
                      "#%lld, %s, last phase \"%s\"): finish it with 'safeflash resume %s "
                      "--layout %s', or pass --restart to abandon it", fo->targets[0],
                      all[k].action, (long long)all[k].id,
                      all[k].expected_rev[0] ? all[k].expected_rev : "version unknown",
                      all[k].phase, fo->targets[0], fo->layout);
    }
    sf_history_close(h);
    return code;
}

enum action { ACT_INSTALL, ACT_REPAIR };

struct job {
    enum action act;
    const uint8_t *img;       /* NULL: repair the backup only */
    size_t len;
    const char *ver, *sha, *package_sha, *staged;
    int64_t resume_of;        /* the interrupted attempt this one continues */
};

/* Run an install or repair on the opened flash, journaled; prints the
 * result.  Returns the exit code. */
static int run_job(struct fopts *fo, struct sf_flash **fl, const struct sf_layout *l,
                   const struct sf_flash_view *before, const struct job *jb)
{
    char id[17];
    target_id(fo->targets[0], id);
    struct fctx fc = { .target = fo->targets[0], .quiet = fo->json, .last_quarter = -1 };
    struct sf_errctx ec = { 0 };
    char run[33] = "";
    const char *act = jb->act == ACT_REPAIR ? "repair" : "install";
    if (!fo->dry && sf_history_open(sf_state_dir(NULL), &fc.h, &ec) == 0) {
        struct sf_attempt a;
        memset(&a, 0, sizeof(a));
        sf_history_new_run(a.run);
        snprintf(run, sizeof(run), "%s", a.run);
        snprintf(a.action, sizeof(a.action), "%s", act);
        snprintf(a.path, sizeof(a.path), "%s", fo->targets[0]);
        snprintf(a.logical_id, sizeof(a.logical_id), "%s", id);
        snprintf(a.vendor, sizeof(a.vendor), "FLASH");
        snprintf(a.product, sizeof(a.product), "%s", sf_layout_kind_str(l->kind));
        snprintf(a.from_rev, sizeof(a.from_rev), "%s",
                 before->boots >= 0 ? before->s[before->boots].h.version : "(nothing)");
        snprintf(a.expected_rev, sizeof(a.expected_rev), "%s", jb->ver ? jb->ver : "");
        snprintf(a.package_sha, sizeof(a.package_sha), "%s", jb->package_sha ? jb->package_sha : "");
        snprintf(a.image_sha, sizeof(a.image_sha), "%s", jb->sha ? jb->sha : "");
        snprintf(a.staged, sizeof(a.staged), "%s", jb->staged ? jb->staged : "");
        snprintf(a.mode, sizeof(a.mode), "%s", sf_layout_kind_str(l->kind));
        a.resumed_from = jb->resume_of;
        /* The run too: `status` shows it, and `safeflash resume` with no
         * target runs the same command again after a crash or a pause. */
        char joined[4096] = "";
        for (int i = 0; i < fo->argc; i++) {
            size_t jl = strlen(joined);
            snprintf(joined + jl, sizeof(joined) - jl, "%s%s", i ? "\t" : "", fo->argv[i]);
        }
        sf_history_run_begin(fc.h, run, act, joined, 1);
        fc.aid = sf_history_begin(fc.h, &a, &ec);
        if (fc.aid <= 0)
            fprintf(stderr, "safeflash: warning: %s\n",
                    ec.msg[0] ? ec.msg : "cannot record this attempt in the history");
        if (jb->resume_of > 0) {
            /* The interrupted attempt ends here; this one carries on. */
            char why[64];
            snprintf(why, sizeof(why), "continued by #%lld", (long long)fc.aid);
            sf_history_finish(fc.h, jb->resume_of, "interrupted", NULL, why);
        }
    }
    struct sf_flashup_result res;
    memset(&res, 0, sizeof(res));
    int rc = 0;
    if (jb->act == ACT_REPAIR) {
        /* The install that follows says "the backup already holds a copy". */
        rc = sf_flashup_repair_backup(fl, fo->ntargets, l, fev, &fc, &res);
    }
    if (!rc && jb->img) {
        struct sf_flashup_opts o = { .dry_run = fo->dry };
        rc = sf_flashup_install(fl, fo->ntargets, l, jb->img, (uint32_t)jb->len, jb->ver, &o,
                                fev, &fc, &res);
    }
    /* A continued attempt whose image already boots: the interrupted one
     * had written it all; this one verified it.  That is an update. */
    int done_before = rc == 0 && jb->img && res.nothing_to_do && jb->resume_of > 0;
    const char *result = rc == 0 ? (!jb->img ? "repaired" : done_before ? "updated"
                                    : res.nothing_to_do ? "skipped"
                                    : fo->dry ? "dry-run" : "updated")
                         : res.degraded ? "degraded" : "failed";
    char detail[900] = "";
    if (rc)
        snprintf(detail, sizeof(detail), "%s%s at region %s, block 0x%llx: %s; boots %s",
                 res.degraded ? "DEGRADED: " : "", res.step,
                 res.region >= 0 ? l->r[res.region].name : "-", (unsigned long long)res.block,
                 res.msg, res.boots_after >= 0 ? res.ver_after : "nothing");
    if (fc.h && fc.aid > 0)
        sf_history_finish(fc.h, fc.aid, result, res.boots_after >= 0 ? res.ver_after : "(nothing)",
                          rc ? detail : NULL);
    if (fc.h && run[0])
        sf_history_run_end(fc.h, run, rc ? "paused-on-error" : "completed", rc ? detail : NULL);
    sf_history_close(fc.h);
    int code = rc == 0                                ? SF_EXIT_OK
               : res.degraded                         ? SF_EXIT_DEGRADED
               : !strcmp(res.step, "checking the image") ? SF_EXIT_REFUSED /* nothing written */
               : rc == SF_ENOTSUP                     ? SF_EXIT_NOTSUP
                                                      : SF_EXIT_FAILED;
    if (fo->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "target", json_object_new_string(fo->targets[0]));
        json_object_object_add(j, "action", json_object_new_string(act));
        json_object_object_add(j, "result", json_object_new_string(result));
        json_object_object_add(j, "degraded", json_object_new_boolean(res.degraded));
        if (rc) {
            json_object_object_add(j, "step", json_object_new_string(res.step));
            json_object_object_add(j, "region", res.region >= 0
                                   ? json_object_new_string(l->r[res.region].name) : NULL);
            json_object_object_add(j, "block", json_object_new_int64((int64_t)res.block));
            json_object_object_add(j, "error", json_object_new_string(res.msg));
        }
        if (jb->resume_of > 0)
            json_object_object_add(j, "continues", json_object_new_int64(jb->resume_of));
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
        if (done_before) {
            printf("%s: updated: %s boots; attempt #%lld had written it all before it was "
                   "interrupted, and it verifies\n", fo->targets[0], res.ver_after,
                   (long long)jb->resume_of);
        } else {
            printf("%s: %s: %s%s%s (%llu of %llu blocks written, %llu bytes erased, %llu programmed, "
                   "all verified)\n", fo->targets[0], result,
                   res.ver_before[0] ? res.ver_before : "(nothing)", res.nothing_to_do ? " already boots" : " -> ",
                   res.nothing_to_do ? "" : res.ver_after, (unsigned long long)res.blocks_written,
                   (unsigned long long)(res.blocks_written + res.blocks_same),
                   (unsigned long long)fl[0]->bytes_erased, (unsigned long long)fl[0]->bytes_programmed);
        }
    } else {
        printf("%s: %s%s\n", fo->targets[0], res.degraded ? "" : "failed: ", detail);
        if (res.degraded)
            printf("%s: the primary was not touched and boots %s; the backup is bad. Fix the "
                   "cause, then 'safeflash repair %s --layout %s' saves the backup again and "
                   "finishes this update.\n", fo->targets[0], res.ver_after, fo->targets[0],
                   fo->layout);
        else if (!fo->dry)
            printf("%s: %s boots now; running the same command again (or 'safeflash resume "
                   "%s --layout %s') finishes the update.\n", fo->targets[0],
                   res.boots_after >= 0 ? res.ver_after : "NOTHING", fo->targets[0], fo->layout);
        if (!res.locks_restored)
            printf("%s: WARNING: some lock bits could not be put back\n", fo->targets[0]);
    }
    return code;
}

/* Show the plan and ask (unless --yes or --dry-run).  -1 to go on, or the
 * exit code. */
static int plan_and_confirm(const struct fopts *fo, const struct sf_layout *l,
                            const struct sf_flash_view *v, const char *what, const char *ver,
                            size_t len, const struct sf_unfinished *u, const struct what *w,
                            const char *question)
{
    if (!fo->json) {
        if (what)
            printf("Plan: %s %s (%zu bytes) on %s, layout %s\n", what, ver, len, fo->targets[0],
                   sf_layout_kind_str(l->kind));
        else
            printf("Plan: save the primary of %s to the backup and verify it%s%s\n",
                   fo->targets[0], ver ? ", then install " : "", ver ? ver : "");
        if (w && w->pkg)
            printf("  package: %s %s version %s for board %s %s, %s%s\n", w->pkg->man.vendor,
                   w->pkg->man.product, w->version, l->board_vendor, l->board_product,
                   w->signer[0] ? "signed by trusted key " : "NOT signed by a trusted key "
                   "(--allow-unsigned)", w->signer);
        printf("  boots now: %s\n", v->boots >= 0 ? v->s[v->boots].h.version : "nothing");
        if (u && u->id)
            printf("  continues attempt #%lld, interrupted during \"%s\"\n", (long long)u->id,
                   u->phase[0] ? u->phase : "its start");
        if (what && l->kind == SF_LAYOUT_PRIMARY_BACKUP)
            printf("  1. save the primary to the backup and verify it  2. program the primary  "
                   "3. verify it\n");
        else if (what)
            printf("  write slot %s (does not boot now), verify it, header last\n",
                   v->boots == 0 ? "b" : "a");
        fflush(stdout); /* before the progress lines on stderr */
    }
    if (!fo->yes && !fo->dry && !sf_cli_confirm(question)) {
        fprintf(stderr, "safeflash: not confirmed: nothing was written%s\n",
                isatty(STDIN_FILENO) ? "" : " (pass --yes to run without a prompt)");
        return SF_EXIT_REFUSED;
    }
    return -1;
}

/* What every writing command does first, after open_cmd: read the flash
 * (what boots) and the journal (an interrupted attempt; of another image
 * than sha, it blocks).  -1 to go on, or the exit code. */
static int inspect_and_journal(const struct fopts *fo, struct sf_flash **fl,
                               const struct sf_layout *l, const char *sha,
                               struct sf_flash_view *v, struct sf_unfinished *u)
{
    struct sf_errctx ec = { 0 };
    memset(u, 0, sizeof(*u));
    int rc = sf_flashup_inspect(fl, fo->ntargets, l, v, &ec);
    return rc ? sf_cli_fail(rc, &ec) : journal_check(fo, sha, u);
}

int sf_cmd_flash_install(int argc, char **argv)
{
    struct fopts fo;
    struct sf_flash *fl[8] = { 0 };
    struct sf_layout l;
    int code = open_cmd(argc, argv, "install", 1, &fo, fl, &l);
    if (code >= 0)
        return code;
    struct what w;
    struct sf_unfinished u;
    struct sf_flash_view v;
    struct sf_errctx ec = { 0 };
    code = load_what(&fo, &l, &w);
    if (code < 0)
        code = inspect_and_journal(&fo, fl, &l, w.sha, &v, &u);
    /* An interrupted attempt of this image continues whatever the version
     * order says now: it was checked when it started. */
    if (code < 0 && !u.id)
        code = check_versions(&fo, &w, &v);
    if (code < 0)
        code = plan_and_confirm(&fo, &l, &v, fo.image, w.version, w.len, &u, &w,
                                "Write this image?");
    /* Staged before the first write (field report 002); repair and resume
     * find it. */
    char staged[4300] = "";
    if (code < 0 && !fo.dry) {
        int rc = stage_image(w.sha, w.img, w.len, w.version, staged, sizeof(staged), &ec);
        if (rc)
            code = sf_cli_fail(rc, &ec);
    }
    if (code < 0) {
        if (u.id && !fo.json)
            fprintf(stderr, "%s: continuing attempt #%lld (%s)\n", fo.targets[0],
                    (long long)u.id, w.version);
        struct job jb = { ACT_INSTALL, w.img, w.len, w.version, w.sha, w.package_sha,
                          staged, u.id };
        code = run_job(&fo, fl, &l, &v, &jb);
    }
    what_free(&w);
    close_all(fl, &fo);
    return code;
}

/* repair and resume: open the targets, read the flash and the journal.
 * -1 to go on (everything open), or the exit code (nothing left open). */
static int open_journaled(int argc, char **argv, const char *cmd, struct fopts *fo,
                          struct sf_flash **fl, struct sf_layout *l, struct sf_flash_view *v,
                          struct sf_unfinished *u)
{
    int code = open_cmd(argc, argv, cmd, 0, fo, fl, l);
    if (code >= 0)
        return code;
    code = inspect_and_journal(fo, fl, l, NULL, v, u);
    if (code >= 0)
        close_all(fl, fo);
    return code;
}

int sf_cmd_flash_repair(int argc, char **argv)
{
    struct fopts fo;
    struct sf_flash *fl[8] = { 0 };
    struct sf_layout l;
    struct sf_flash_view v;
    struct sf_unfinished u;
    int code = open_journaled(argc, argv, "repair", &fo, fl, &l, &v, &u);
    if (code >= 0)
        return code;
    struct sf_errctx ec = { 0 };
    int rc;
    if (code < 0 && u.id)
        code = refuse(&fo, SF_EXIT_REFUSED, "%s: attempt #%lld (%s) was interrupted during "
                      "\"%s\": 'safeflash resume %s --layout %s' finishes it", fo.targets[0],
                      (long long)u.id, u.action, u.phase, fo.targets[0], fo.layout);
    /* An update that stopped DEGRADED: continue it with its staged image. */
    char id[17];
    target_id(fo.targets[0], id);
    struct sf_history *h = NULL;
    struct sf_last_attempt la = { 0 };
    int pending = code < 0 && sf_history_open(sf_state_dir(NULL), &h, &ec) == 0 &&
                  sf_history_last(h, id, 0, &la) == 0 && !strcmp(la.result, "degraded") &&
                  la.image_sha[0];
    sf_history_close(h);
    uint8_t *img = NULL;
    size_t len = 0;
    char ver[SF_SLOT_VERSION_MAX + 1] = "", staged[4300] = "";
    if (pending) {
        rc = load_staged(la.image_sha, la.id, &img, &len, ver, staged, sizeof(staged), &ec);
        if (rc)
            code = sf_cli_fail(rc, &ec);
    }
    if (code < 0)
        code = plan_and_confirm(&fo, &l, &v, NULL, pending ? ver : NULL, 0, NULL, NULL,
                                "Repair the backup?");
    if (code < 0) {
        if (pending && !fo.json)
            fprintf(stderr, "%s: continuing attempt #%lld (%s) after the backup\n",
                    fo.targets[0], (long long)la.id, ver);
        struct job jb = { ACT_REPAIR, img, len, pending ? ver : NULL,
                          pending ? la.image_sha : NULL, NULL, pending ? staged : NULL, 0 };
        code = run_job(&fo, fl, &l, &v, &jb);
    }
    free(img);
    close_all(fl, &fo);
    return code;
}

int sf_cmd_flash_resume(int argc, char **argv)
{
    struct fopts fo;
    struct sf_flash *fl[8] = { 0 };
    struct sf_layout l;
    struct sf_flash_view v;
    struct sf_unfinished u;
    int code = open_journaled(argc, argv, "resume", &fo, fl, &l, &v, &u);
    if (code >= 0)
        return code;
    struct sf_errctx ec = { 0 };
    int rc;
    if (code < 0 && !u.id) {
        if (fo.json) {
            json_object *j = json_object_new_object();
            json_object_object_add(j, "target", json_object_new_string(fo.targets[0]));
            json_object_object_add(j, "result", json_object_new_string("nothing-unfinished"));
            json_object_object_add(j, "exit_code", json_object_new_int(0));
            puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
            json_object_put(j);
        } else {
            printf("%s: nothing unfinished: the journal holds no interrupted attempt (boots %s)\n",
                   fo.targets[0], v.boots >= 0 ? v.s[v.boots].h.version : "nothing");
        }
        code = SF_EXIT_OK;
    }
    uint8_t *img = NULL;
    size_t len = 0;
    char ver[SF_SLOT_VERSION_MAX + 1] = "", staged[4300] = "";
    int repair = code < 0 && !strcmp(u.action, "repair");
    if (code < 0 && u.image_sha[0]) {
        rc = load_staged(u.image_sha, u.id, &img, &len, ver, staged, sizeof(staged), &ec);
        if (rc)
            code = sf_cli_fail(rc, &ec);
    } else if (code < 0 && !repair) {
        code = refuse(&fo, SF_EXIT_FAILED, "attempt #%lld recorded no image to continue with",
                      (long long)u.id);
    }
    char what[64];
    snprintf(what, sizeof(what), "the image attempt #%lld staged,", (long long)u.id);
    if (code < 0)
        code = plan_and_confirm(&fo, &l, &v, repair ? NULL : what, ver, len, &u, NULL,
                                repair ? "Repair the backup?" : "Write this image?");
    if (code < 0) {
        struct job jb = { repair ? ACT_REPAIR : ACT_INSTALL, img, len, ver[0] ? ver : NULL,
                          u.image_sha[0] ? u.image_sha : NULL, u.package_sha, staged, u.id };
        code = run_job(&fo, fl, &l, &v, &jb);
    }
    free(img);
    close_all(fl, &fo);
    return code;
}
