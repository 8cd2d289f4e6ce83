/*
 * sf_cli_install.c - `safeflash install` and `safeflash activate`.
 *
 * Both: plan (identify, choose targets, refuse what cannot work), show the
 * plan, ask unless --yes, run, and exit with a code that says whether
 * everything, something or nothing was applied.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/sf_install.h"
#include "sf_cli.h"
#include "sf_progress.h"

#define SF_MAX_IMAGE_FILE (256u * 1024u * 1024u)

static void install_usage(FILE *f)
{
    fputs("Usage: safeflash install IMAGE DEVICE... [options]\n"
          "\n"
          "Put a firmware image on every SES processor (subenclosure) of each\n"
          "enclosure, one processor at a time, and prove it took.\n"
          "\n"
          "  --mode auto|deferred|immediate\n"
          "                       deferred = 0Eh: stored, runs after 'safeflash activate'\n"
          "                       (no I/O disruption); immediate = 07h: runs at once;\n"
          "                       auto (default) tries 0Eh and falls back to 07h\n"
          "  --subenclosure ID|all  which processor (default: all)\n"
          "  --chunk-size N       at most N bytes per page (multiple of 4, <= 65508;\n"
          "                       default: the largest the enclosure accepts)\n"
          "  --expect-revision R  the revision the image carries, checked afterwards\n"
          "                       (default: the revision must change)\n"
          "  --resume | --restart what to do with a download already in progress\n"
          "  --timeout SECONDS    wait this long for completion (default 1200)\n"
          "  --poll-interval MS   between status reads after the last page (default 1000)\n"
          "  --dry-run            everything except the writes\n"
          "  --yes                do not ask for confirmation\n"
          "  --json               one JSON event per line\n"
          "  -h, --help           this text\n"
          "\n"
          "Exit codes: 0 done, 1 failed, 8 refused (nothing written), 9 partially\n"
          "applied, 12 stored but needs a reset or power cycle to run; see README.\n",
          f);
}

static void activate_usage(FILE *f)
{
    fputs("Usage: safeflash activate DEVICE... [options]\n"
          "\n"
          "Run deferred microcode (stored by 'install --mode deferred') with the\n"
          "Activate Deferred Microcode page (0Fh), one processor at a time: the\n"
          "enclosure restarts; safeflash waits for it and verifies the revision.\n"
          "\n"
          "  --subenclosure ID|all  which processor (default: all)\n"
          "  --expect-revision R  the revision expected afterwards\n"
          "  --timeout SECONDS    wait this long for the enclosure (default 1200)\n"
          "  --poll-interval MS   between status reads (default 1000)\n"
          "  --dry-run            everything except the write\n"
          "  --yes                do not ask for confirmation\n"
          "  --json               one JSON event per line\n"
          "  -h, --help           this text\n",
          f);
}

/* Read a whole image file.  One-line errors for every way it can fail. */
static int read_image(const char *path, uint8_t **out, uint32_t *len, char *msg, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(msg, cap, "%s: %s", path, strerror(errno));
        return errno == EACCES ? SF_EACCES : SF_ENODEV;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
        fclose(f);
        snprintf(msg, cap, "%s: not a regular file", path);
        return SF_EINVAL;
    }
    size_t capb = 1 << 20, n = 0;
    uint8_t *buf = malloc(capb);
    while (buf) {
        size_t r = fread(buf + n, 1, capb - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == capb) {
            if (capb >= SF_MAX_IMAGE_FILE) {
                free(buf);
                fclose(f);
                snprintf(msg, cap, "%s: larger than %u MiB, not a firmware image", path,
                         SF_MAX_IMAGE_FILE >> 20);
                return SF_ERANGE;
            }
            uint8_t *nb = realloc(buf, capb * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            capb *= 2;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf)
        return SF_ENOMEM;
    if (rerr) {
        free(buf);
        snprintf(msg, cap, "%s: read error", path);
        return SF_EIO;
    }
    if (n == 0) {
        free(buf);
        snprintf(msg, cap, "%s: empty file, not a firmware image", path);
        return SF_EINVAL;
    }
    *out = buf;
    *len = (uint32_t)n;
    return 0;
}

static int parse_sub(const char *a, int *out)
{
    if (!strcmp(a, "all")) {
        *out = -1;
        return 0;
    }
    char *end;
    long v = strtol(a, &end, 0);
    if (*a == '\0' || *end || v < 0 || v > 255)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_uint(const char *a, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(a, &end, 0);
    if (*a == '\0' || *a == '-' || errno)
        return -1;
    if (*end == 'k' || *end == 'K') {
        v *= 1024;
        end++;
    }
    if (*end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Ask on the terminal.  Returns 1 for yes. */
static int confirm(const char *question)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return 0;
    fprintf(tty, "%s [y/N] ", question);
    fflush(tty);
    char line[32] = "";
    int yes = fgets(line, sizeof(line), tty) && (line[0] == 'y' || line[0] == 'Y');
    fclose(tty);
    return yes;
}

/* [r]esume / [s]tart over / anything else: quit.  Returns the choice. */
static int ask_in_progress(void)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return 0;
    fprintf(tty, "Resume it at the enclosure's expected offset, start over, or quit? [r/s/Q] ");
    fflush(tty);
    char line[32] = "";
    int c = 0;
    if (fgets(line, sizeof(line), tty)) {
        if (line[0] == 'r' || line[0] == 'R')
            c = SF_INPROG_RESUME;
        else if (line[0] == 's' || line[0] == 'S')
            c = SF_INPROG_RESTART;
    }
    fclose(tty);
    return c;
}

static const char *mode_words(enum sf_dl_mode_choice m)
{
    switch (m) {
    case SF_MODE_DEFERRED: return "deferred (0Eh)";
    case SF_MODE_IMMEDIATE: return "immediate (07h)";
    default: return "auto (deferred 0Eh, falling back to immediate 07h)";
    }
}

static void show_plan(struct sf_progress *pr, const struct sf_plan *p, const char *image,
                      const struct sf_install_opts *o, int activate)
{
    if (pr->mode == SF_RENDER_JSON) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "event", json_object_new_string("plan"));
        json_object_object_add(j, "action", json_object_new_string(activate ? "activate" : "install"));
        if (!activate) {
            json_object_object_add(j, "image", json_object_new_string(image));
            json_object_object_add(j, "image_size", json_object_new_int64(p->image_len));
            json_object_object_add(j, "mode", json_object_new_string(
                o->dl.mode == SF_MODE_DEFERRED ? "deferred" :
                o->dl.mode == SF_MODE_IMMEDIATE ? "immediate" : "auto"));
        }
        json_object_object_add(j, "dry_run", json_object_new_boolean(o->dl.dry_run));
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < p->n; i++) {
            const struct sf_target *t = &p->t[i];
            json_object *x = json_object_new_object();
            json_object_object_add(x, "device", json_object_new_string(t->path));
            json_object_object_add(x, "subenclosure", json_object_new_int(t->sub_id));
            json_object_object_add(x, "vendor", json_object_new_string(t->vendor));
            json_object_object_add(x, "product", json_object_new_string(t->product));
            json_object_object_add(x, "current_revision", json_object_new_string(t->rev_before));
            if (o->expect_rev[0])
                json_object_object_add(x, "new_revision", json_object_new_string(o->expect_rev));
            json_object_object_add(x, "max_image_size", json_object_new_int64(t->max_size));
            json_object_array_add(a, x);
        }
        json_object_object_add(j, "targets", a);
        sf_progress_json(pr, j);
        json_object_put(j);
        return;
    }
    if (activate)
        fprintf(pr->out, "Plan: activate deferred microcode%s\n", o->dl.dry_run ? " (dry run)" : "");
    else
        fprintf(pr->out, "Plan: install %s (%u bytes), mode %s%s\n", image, p->image_len,
                mode_words(o->dl.mode), o->dl.dry_run ? " (dry run)" : "");
    for (size_t i = 0; i < p->n; i++) {
        const struct sf_target *t = &p->t[i];
        fprintf(pr->out, "  %-20s subenclosure %-3u %s %-16s %s -> %s\n", t->path, t->sub_id,
                t->vendor, t->product, t->rev_before,
                o->expect_rev[0] ? o->expect_rev : (activate ? "(deferred image)" : "(from image)"));
    }
    fflush(pr->out);
}

static int exit_for(const struct sf_plan *p, int *applied_out)
{
    int failed = 0, applied = 0, pending = 0, dry = 0, nothing = 0;
    for (size_t i = 0; i < p->n; i++) {
        switch (p->t[i].outcome) {
        case SF_OUT_UPDATED:
        case SF_OUT_STORED: applied++; break;
        case SF_OUT_PENDING_RESET: applied++; pending++; break;
        case SF_OUT_DRY_RUN: dry++; break;
        case SF_OUT_FAILED:
        case SF_OUT_NOT_ATTEMPTED: failed++; break;
        case SF_OUT_NOTHING: nothing++; break;
        default: break;
        }
    }
    *applied_out = applied;
    if (nothing && !applied && !failed && !dry)
        return SF_EXIT_FAILED; /* nothing anywhere to activate */
    if (failed)
        return applied ? SF_EXIT_PARTIAL : SF_EXIT_FAILED;
    if (pending)
        return SF_EXIT_PENDING;
    return SF_EXIT_OK;
}

static int run_cmd(int argc, char **argv, int activate)
{
    static const struct option opts[] = {
        { "mode", required_argument, NULL, 'm' },
        { "subenclosure", required_argument, NULL, 's' },
        { "chunk-size", required_argument, NULL, 'c' },
        { "expect-revision", required_argument, NULL, 'e' },
        { "resume", no_argument, NULL, 'R' },
        { "restart", no_argument, NULL, 'S' },
        { "timeout", required_argument, NULL, 't' },
        { "poll-interval", required_argument, NULL, 'p' },
        { "dry-run", no_argument, NULL, 'n' },
        { "yes", no_argument, NULL, 'y' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = activate ? "activate" : "install";
    struct sf_install_opts o;
    sf_install_opts_default(&o);
    int json = 0, yes = 0, c;
    unsigned long v;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hy", opts, NULL)) != -1) {
        if (activate && (c == 'm' || c == 'c' || c == 'R' || c == 'S'))
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        switch (c) {
        case 'm':
            if (!strcmp(optarg, "auto"))
                o.dl.mode = SF_MODE_AUTO;
            else if (!strcmp(optarg, "deferred"))
                o.dl.mode = SF_MODE_DEFERRED;
            else if (!strcmp(optarg, "immediate"))
                o.dl.mode = SF_MODE_IMMEDIATE;
            else
                return sf_cli_usage_error(cmd, "--mode must be auto, deferred or immediate, not '%s'",
                                          optarg);
            break;
        case 's':
            if (parse_sub(optarg, &o.sub_id))
                return sf_cli_usage_error(cmd, "--subenclosure takes an id 0-255 or 'all', not '%s'",
                                          optarg);
            break;
        case 'c':
            if (parse_uint(optarg, SF_SES_DL_MAX_CHUNK, &v) || v < 4 || (v & 3))
                return sf_cli_usage_error(cmd, "--chunk-size must be a multiple of 4 from 4 to %u, not '%s'",
                                          SF_SES_DL_MAX_CHUNK, optarg);
            o.dl.chunk_max = (uint32_t)v;
            break;
        case 'e':
            if (strlen(optarg) == 0 || strlen(optarg) > 4)
                return sf_cli_usage_error(cmd, "--expect-revision takes 1 to 4 characters, not '%s'",
                                          optarg);
            snprintf(o.expect_rev, sizeof(o.expect_rev), "%s", optarg);
            break;
        case 'R':
            if (o.dl.in_progress == SF_INPROG_RESTART)
                return sf_cli_usage_error(cmd, "--resume and --restart exclude each other");
            o.dl.in_progress = SF_INPROG_RESUME;
            break;
        case 'S':
            if (o.dl.in_progress == SF_INPROG_RESUME)
                return sf_cli_usage_error(cmd, "--resume and --restart exclude each other");
            o.dl.in_progress = SF_INPROG_RESTART;
            break;
        case 't':
            if (parse_uint(optarg, 24ul * 3600, &v) || v == 0)
                return sf_cli_usage_error(cmd, "--timeout takes seconds, 1 to 86400, not '%s'", optarg);
            o.dl.complete_timeout_ms = (unsigned)(v * 1000);
            o.ready_timeout_ms = (unsigned)(v * 1000);
            break;
        case 'p':
            if (parse_uint(optarg, 600000, &v))
                return sf_cli_usage_error(cmd, "--poll-interval takes milliseconds, not '%s'", optarg);
            o.dl.poll_ms = (unsigned)v;
            break;
        case 'n': o.dl.dry_run = 1; break;
        case 'y': yes = 1; break;
        case 'j': json = 1; break;
        case 'h':
            if (activate)
                activate_usage(stdout);
            else
                install_usage(stdout);
            return SF_EXIT_OK;
        default:
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    int first = optind;
    const char *image = NULL;
    if (!activate) {
        if (first >= argc)
            return sf_cli_usage_error(cmd, "missing IMAGE and DEVICE");
        image = argv[first++];
    }
    if (first >= argc)
        return sf_cli_usage_error(cmd, "missing DEVICE");
    for (int i = first; i < argc; i++)
        if (argv[i][0] == '-')
            return sf_cli_usage_error(cmd, "options go before IMAGE and DEVICE: '%s'", argv[i]);

    uint8_t *img = NULL;
    uint32_t len = 0;
    if (!activate) {
        char msg[300];
        int rc = read_image(image, &img, &len, msg, sizeof(msg));
        if (rc) {
            fprintf(stderr, "safeflash: %s\n", msg);
            return rc == SF_ENODEV ? SF_EXIT_NODEV : rc == SF_EACCES ? SF_EXIT_ACCES : SF_EXIT_REFUSED;
        }
    }

    struct sf_progress pr;
    sf_progress_init(&pr, json ? SF_RENDER_JSON
                               : isatty(STDERR_FILENO) ? SF_RENDER_TTY : SF_RENDER_PLAIN);
    struct sf_errctx ec = { 0 };
    struct sf_plan *plan = NULL;
    int rc = sf_install_plan((const char *const *)argv + first, (size_t)(argc - first), len, &o,
                             &plan, &ec);
    if (rc == SF_EBUSY && !activate && !yes && !json && isatty(STDIN_FILENO)) {
        /* A download is already in progress: offer the choice. */
        fprintf(stderr, "safeflash: %s\n", ec.msg);
        int choice = ask_in_progress();
        if (choice) {
            o.dl.in_progress = (enum sf_in_progress)choice;
            sf_errctx_clear(&ec);
            rc = sf_install_plan((const char *const *)argv + first, (size_t)(argc - first), len,
                                 &o, &plan, &ec);
        }
    }
    if (rc) {
        free(img);
        int code = sf_cli_exit_for(rc);
        /* A target we will not write to, for a reason found before any
         * write, is a refusal. */
        if (rc == SF_ERANGE || rc == SF_EBUSY)
            code = SF_EXIT_REFUSED;
        if (json) {
            json_object *j = json_object_new_object();
            json_object_object_add(j, "event", json_object_new_string("error"));
            json_object_object_add(j, "message", json_object_new_string(ec.msg[0] ? ec.msg : sf_err_str(rc)));
            json_object_object_add(j, "exit_code", json_object_new_int(code));
            sf_progress_json(&pr, j);
            json_object_put(j);
        }
        fprintf(stderr, "safeflash: %s\n", ec.msg[0] ? ec.msg : sf_err_str(rc));
        return code;
    }
    show_plan(&pr, plan, image, &o, activate);
    if (!yes && !o.dl.dry_run) {
        char q[128];
        snprintf(q, sizeof(q), "%s %zu SES processor(s)?", activate ? "Activate deferred microcode on"
                                                                   : "Write this image to", plan->n);
        if (!isatty(STDIN_FILENO) && !isatty(STDERR_FILENO)) {
            fprintf(stderr, "safeflash: not confirmed: nothing was written (pass --yes to %s "
                    "without a prompt)\n", cmd);
            sf_plan_free(plan);
            free(img);
            return SF_EXIT_REFUSED;
        }
        if (!confirm(q)) {
            fprintf(stderr, "safeflash: not confirmed: nothing was written\n");
            sf_plan_free(plan);
            free(img);
            return SF_EXIT_REFUSED;
        }
    }
    if (activate)
        sf_activate_run(plan, &o, sf_progress_event, &pr);
    else
        sf_install_run(plan, img, len, &o, sf_progress_event, &pr);

    int applied = 0;
    int code = exit_for(plan, &applied);
    if (json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "event", json_object_new_string("summary"));
        json_object_object_add(j, "targets", json_object_new_int((int)plan->n));
        json_object_object_add(j, "applied", json_object_new_int(applied));
        json_object_object_add(j, "commands", json_object_new_int64((int64_t)sf_plan_commands(plan)));
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        sf_progress_json(&pr, j);
        json_object_put(j);
    } else if (code != SF_EXIT_OK) {
        const char *what = code == SF_EXIT_PARTIAL ? "partially applied"
                           : code == SF_EXIT_PENDING ? "stored; needs a reset or power cycle to run"
                                                     : "failed";
        fprintf(stderr, "safeflash: %s: %d of %zu processor(s) done\n", what, applied, plan->n);
    }
    sf_plan_free(plan);
    free(img);
    return code;
}

int sf_cmd_install(int argc, char **argv)
{
    return run_cmd(argc, argv, 0);
}

int sf_cmd_activate(int argc, char **argv)
{
    return run_cmd(argc, argv, 1);
}
