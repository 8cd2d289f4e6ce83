/*
 * sf_cli_redfish.c - commands on server boards through their BMC's Redfish
 * service: targets written redfish://USER@HOST[:PORT].
 *
 * The password comes from SAFEFLASH_REDFISH_PASSWORD or a prompt on the
 * terminal; it is never taken from the command line (where `ps` and shell
 * history would keep it) and never written to the history.  HTTPS is the
 * default and verifies the BMC (system CAs, --ca FILE, or --pin); plain
 * HTTP is allowed to loopback addresses only, for tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "state/sf_lock.h"
#include "sf_cli.h"
#include "sf_cli_redfish.h"

int sf_cli_is_redfish_target(const char *s)
{
    return s && !strncmp(s, "redfish://", 10);
}

/* The password: environment, else the terminal without echo. */
static int get_password(const struct sf_rf_target *t, char *out, size_t cap)
{
    const char *e = getenv("SAFEFLASH_REDFISH_PASSWORD");
    if (e) {
        snprintf(out, cap, "%s", e);
        return 0;
    }
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct termios old, quiet;
    int have = tcgetattr(fd, &old) == 0;
    if (have) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    dprintf(fd, "Password for %s@%s: ", t->user, t->host);
    size_t n = 0;
    char c;
    while (read(fd, &c, 1) == 1 && c != '\n' && c != '\r')
        if (n + 1 < cap)
            out[n++] = c;
    out[n] = '\0';
    if (have)
        tcsetattr(fd, TCSAFLUSH, &old);
    dprintf(fd, "\n");
    close(fd);
    return 0;
}


static void usage(const char *cmd)
{
    if (!strcmp(cmd, "show"))
        printf("Usage: safeflash show redfish://USER@HOST[:PORT] [--json] [trust options]\n\n"
               "The firmware inventory of a server board, as its BMC reports it: every\n"
               "component with its version, whether it can be updated, its state and\n"
               "health; backup images and images staged for a reset are marked as such.\n");
    else if (!strcmp(cmd, "install"))
        printf("Usage: safeflash install IMAGE... redfish://USER@HOST[:PORT] --component C...\n"
               "       safeflash install PACKAGE redfish://USER@HOST[:PORT]\n"
               "       safeflash install --pull URL redfish://USER@HOST[:PORT] --component C\n"
               "       [--reboot-host] [--yes] [--dry-run] [--json] [trust options]\n\n"
               "Update a server board's firmware through its BMC (field report 002): every\n"
               "image is read and staged locally first, then pushed to the BMC (multipart,\n"
               "else HttpPushUri) - never fetched by the BMC from a URL; the BMC's own image\n"
               "goes first and its reset is waited out (a reset drops what a BMC staged),\n"
               "then host firmware (BIOS, ME) is staged for the host's next reset; each\n"
               "result is read from the firmware inventory.\n"
               "The host is reset only with --reboot-host; otherwise the run ends 'staged,\n"
               "pending host reset' (exit 12) and 'safeflash activate TARGET' finishes it.\n\n"
               "  --component C        one per image, in order: bmc, bios, me, or any\n"
               "                       inventory Id, SoftwareId or Name\n"
               "  --reboot-host        reset the host to apply staged host firmware\n"
               "  --task-timeout S     give up on a BMC task after S seconds (default 600)\n"
               "  --reset-timeout S    wait at most S seconds for a reset (default 900)\n"
               "  --restart            abandon an interrupted install of other images\n"
               "  --keys DIR           trusted package keys (default $SAFEFLASH_KEYS or\n"
               "                       /etc/safeflash/keys)\n"
               "  --allow-unsigned     install a package no trusted key signed\n"
               "  --allow-downgrade    install a component older than what runs\n"
               "  --pull URL           instead of an image: the BMC fetches URL itself\n"
               "                       (SimpleUpdate) - never done otherwise; nothing is\n"
               "                       staged here, and a reset of the BMC or of the URL's\n"
               "                       server mid-transfer fails the update half-way\n\n"
               "A package (docs/package.md) names its components and the version each\n"
               "must report afterwards; it is refused (15) unless its vendor/product\n"
               "patterns match the board's Manufacturer and Model.\n\n"
               "Killed half-way? The same command again (or 'safeflash resume') continues:\n"
               "what the journal shows staged, and the BMC still holds, is not pushed again.\n");
    else
        printf("Usage: safeflash activate redfish://USER@HOST[:PORT] [--yes] [--json]\n\n"
               "Reset the host so that the firmware an install staged - and the BMC still\n"
               "holds (a BMC reset drops staged images) - runs, and verify it from the\n"
               "inventory; a backup BIOS the BMC reports unhealthy is DEGRADED.\n");
    puts("\nThe password comes from SAFEFLASH_REDFISH_PASSWORD or a prompt.\n"
         "  --ca FILE      trust this CA (PEM) for the BMC's certificate\n"
         "  --pin PIN      trust this public key only (curl's sha256//BASE64 form)\n"
         "  --insecure     no certificate checks (a lab BMC with a self-signed one)\n"
         "  --plain-http   HTTP without TLS: loopback addresses only (tests)");
}

static int parse(int argc, char **argv, const char *cmd, struct ropts *ro)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "insecure", no_argument, NULL, 'k' },
        { "ca", required_argument, NULL, 'c' },
        { "pin", required_argument, NULL, 'p' },
        { "plain-http", no_argument, NULL, 'H' },
        { "yes", no_argument, NULL, 'y' },
        { "dry-run", no_argument, NULL, 'n' },
        { "component", required_argument, NULL, 'C' },
        { "reboot-host", no_argument, NULL, 'R' },
        { "task-timeout", required_argument, NULL, 'T' },
        { "reset-timeout", required_argument, NULL, 'W' },
        { "restart", no_argument, NULL, 'X' },
        { "keys", required_argument, NULL, 'K' },
        { "allow-unsigned", no_argument, NULL, 'U' },
        { "allow-downgrade", no_argument, NULL, 'D' },
        { "pull", required_argument, NULL, 'P' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(ro, 0, sizeof(*ro));
    int inst = !strcmp(cmd, "install"), show = !strcmp(cmd, "show");
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "hy", opts, NULL)) != -1) {
        if ((show && strchr("ynCRTWXKUDP", c)) || (!inst && strchr("CRTXKUDP", c)))
            return sf_cli_usage_error(cmd, "'%s' is not an option of %s", argv[optind - 1], cmd);
        char *end = NULL;
        unsigned long v;
        switch (c) {
        case 'j': ro->json = 1; break;
        case 'k': ro->o.http.insecure = 1; break;
        case 'c': ro->ca = optarg; break;
        case 'p': ro->pin = optarg; break;
        case 'H': ro->o.plain_http = 1; break;
        case 'y': ro->yes = 1; break;
        case 'n': ro->dry = 1; break;
        case 'R': ro->reboot_host = 1; break;
        case 'X': ro->restart = 1; break;
        case 'K': ro->keys = optarg; break;
        case 'U': ro->allow_unsigned = 1; break;
        case 'D': ro->allow_downgrade = 1; break;
        case 'P':
            if (ro->pull)
                return sf_cli_usage_error(cmd, "one --pull per run");
            if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8))
                return sf_cli_usage_error(cmd, "--pull takes an http:// or https:// URL");
            if (strlen(optarg) >= sizeof(((struct sf_bmc_item *)0)->pull))
                return sf_cli_usage_error(cmd, "--pull: the URL is too long");
            ro->pull = optarg;
            break;
        case 'C':
            if (ro->ncomp == 8)
                return sf_cli_usage_error(cmd, "at most 8 components");
            ro->comp[ro->ncomp++] = optarg;
            break;
        case 'T':
        case 'W':
            v = strtoul(optarg, &end, 10);
            if (!end || *end || v == 0 || v > 86400)
                return sf_cli_usage_error(cmd, "%s takes seconds, 1-86400", argv[optind - 1]);
            *(c == 'T' ? &ro->task_timeout : &ro->reset_timeout) = (unsigned)v;
            break;
        case 'h': usage(cmd); return -1;
        default:
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc || !sf_cli_is_redfish_target(argv[argc - 1]))
        return sf_cli_usage_error(cmd, "the target, redfish://USER@HOST[:PORT], comes last");
    ro->target = argv[argc - 1];
    for (int i = optind; i < argc - 1; i++) {
        if (!inst)
            return sf_cli_usage_error(cmd, "one target, redfish://USER@HOST[:PORT], and nothing "
                                      "else");
        if (sf_cli_is_redfish_target(argv[i]))
            return sf_cli_usage_error(cmd, "one BMC per run");
        if (ro->nimg == 8)
            return sf_cli_usage_error(cmd, "at most 8 images");
        ro->img[ro->nimg++] = argv[i];
    }
    if (inst && ro->pull && (ro->nimg || ro->ncomp != 1))
        return sf_cli_usage_error(cmd, "--pull URL stands for the image: no IMAGE arguments, "
                                  "and one --component");
    if (inst && !ro->nimg && !ro->pull)
        return sf_cli_usage_error(cmd, "an image to install is needed");
    /* A package names its components; raw images need one --component
     * each.  One package per run: it is one board's release. */
    int pkgs = 0;
    for (size_t i = 0; inst && i < ro->nimg; i++)
        pkgs += sf_pkg_is_package(ro->img[i]) == 1;
    if (pkgs && (ro->nimg != 1 || ro->ncomp))
        return sf_cli_usage_error(cmd, "a package names its own components: give one package "
                                  "and no --component, or raw images with one --component each");
    ro->is_pkg = pkgs == 1;
    if (inst && !pkgs && !ro->pull && ro->ncomp != ro->nimg)
        return sf_cli_usage_error(cmd, "one --component per image, in the images' order (%zu "
                                  "images, %zu components)", ro->nimg, ro->ncomp);
    char why[200];
    if (sf_rf_parse_target(ro->target, &ro->t, why, sizeof(why)))
        return sf_cli_usage_error(cmd, "%s", why);
    if (ro->o.plain_http && !sf_rf_host_is_loopback(ro->t.host))
        return sf_cli_usage_error(cmd, "--plain-http is for loopback addresses only: a "
                                  "password over plain HTTP on a network is readable by anyone "
                                  "on the path");
    if (ro->o.plain_http && (ro->ca || ro->pin || ro->o.http.insecure))
        return sf_cli_usage_error(cmd, "--ca, --pin and --insecure are for HTTPS");
    if (ro->o.http.insecure && (ro->ca || ro->pin))
        return sf_cli_usage_error(cmd, "--insecure turns off the checks --ca and --pin ask for");
    ro->o.http.ca_file = ro->ca;
    ro->o.http.pin = ro->pin;
    return 0;
}


/* A string property (NULL: null). */
static void jstr(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

/* A failure: one line on stderr, "safeflash: MSG", and with --json the
 * same words as {"target","result":"failed","error","exit_code"} on
 * stdout.  Returns code. */
static int rf_fail(const struct ropts *ro, int code, const char *msg)
{
    fprintf(stderr, "safeflash: %s\n", msg);
    if (ro->json) {
        json_object *j = json_object_new_object();
        jstr(j, "target", ro->target);
        jstr(j, "result", "failed");
        jstr(j, "error", msg);
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(j);
    }
    return code;
}

/* rf_fail for an sf_err: the error context's words, the error's exit code. */
static int rf_fail_err(const struct ropts *ro, int err, const struct sf_errctx *ec)
{
    return rf_fail(ro, sf_cli_exit_for(err), ec && ec->msg[0] ? ec->msg : sf_err_str(err));
}

/* Ask for the password and log in; -1 to go on, or the exit code. */
static int login_bmc(const struct ropts *ro, struct sf_rfs **s)
{
    char pw[256];
    struct sf_errctx ec = { 0 };
    if (get_password(&ro->t, pw, sizeof(pw))) {
        snprintf(ec.msg, sizeof(ec.msg), "%s: no password: set SAFEFLASH_REDFISH_PASSWORD or "
                 "run on a terminal to be asked", ro->target);
        return rf_fail(ro, SF_EXIT_USAGE, ec.msg);
    }
    int rc = sf_rfs_open(&ro->t, pw, &ro->o, s, &ec);
    explicit_bzero(pw, sizeof(pw));
    if (rc)
        return rf_fail_err(ro, rc, &ec);
    return -1;
}

static int connect_cmd(int argc, char **argv, const char *cmd, struct ropts *ro, struct sf_rfs **s)
{
    int prc = parse(argc, argv, cmd, ro);
    if (prc)
        return prc < 0 ? SF_EXIT_OK : prc;
    return login_bmc(ro, s);
}

int sf_cmd_rf_show(int argc, char **argv)
{
    struct ropts ro;
    struct sf_rfs *s = NULL;
    int code = connect_cmd(argc, argv, "show", &ro, &s);
    if (code >= 0)
        return code;
    struct sf_errctx ec = { 0 };
    static struct sf_bmc_inv inv;
    int rc = sf_bmcup_inventory(s, &inv, &ec);
    if (rc) {
        sf_rfs_close(s);
        return rf_fail_err(&ro, rc, &ec);
    }
    char push[160];
    sf_bmcup_methods(&inv.us, push, sizeof(push));
    if (ro.json) {
        json_object *j = json_object_new_object(), *a = json_object_new_array();
        jstr(j, "target", ro.target);
        jstr(j, "redfish_version", s->root.redfish_version);
        jstr(j, "authentication", s->basic ? "basic" : "session");
        json_object_object_add(j, "multipart_push", json_object_new_boolean(inv.us.multipart_uri[0]));
        json_object_object_add(j, "http_push", json_object_new_boolean(inv.us.push_uri[0]));
        json_object_object_add(j, "simple_update", json_object_new_boolean(inv.us.simple_update[0]));
        for (size_t i = 0; i < inv.n; i++) {
            const struct sf_rf_fw *f = &inv.fw[i];
            json_object *x = json_object_new_object();
            char key[64];
            sf_bmcup_key(&inv, f, key, sizeof(key));
            jstr(x, "id", f->id);
            /* What --component takes for it. */
            if (sf_bmcup_running(f))
                jstr(x, "component", key);
            jstr(x, "class", sf_bmcup_class(f));
            jstr(x, "name", f->name[0] ? f->name : f->id);
            jstr(x, "uri", f->uri);
            jstr(x, "version", f->version);
            json_object_object_add(x, "updateable", f->updateable < 0 ? NULL
                                   : json_object_new_boolean(f->updateable));
            jstr(x, "state", f->state);
            jstr(x, "health", f->health);
            json_object_object_add(x, "backup", json_object_new_boolean(sf_bmcup_is_backup(f)));
            json_object_object_add(x, "staged", json_object_new_boolean(sf_bmcup_is_staged(f)));
            if (f->condition[0])
                jstr(x, "condition", f->condition);
            json_object_array_add(a, x);
        }
        json_object_object_add(j, "firmware", a);
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(j);
    } else {
        printf("%s: Redfish %s, %s login, images by %s\n", ro.target,
               s->root.redfish_version[0] ? s->root.redfish_version : "(version not said)",
               s->basic ? "Basic" : "session", push);
        printf("  %-16s %-20s %-10s %-14s %-8s %s\n", "COMPONENT", "VERSION", "UPDATEABLE",
               "STATE", "HEALTH", "NAME");
        for (size_t i = 0; i < inv.n; i++) {
            const struct sf_rf_fw *f = &inv.fw[i];
            /* Running images by what --component takes for them; others
             * by their name. */
            char key[64];
            sf_bmcup_key(&inv, f, key, sizeof(key));
            const char *r = sf_bmcup_role(f);
            printf("  %-16s %-20s %-10s %-14s %-8s %s%s%s\n", sf_bmcup_running(f) ? key : f->id,
                   f->version[0] ? f->version : "(none)",
                   f->updateable < 0 ? "?" : f->updateable ? "yes" : "no",
                   f->state[0] ? f->state : "-", f->health[0] ? f->health : "-",
                   sf_bmcup_label(f, f->id), r[0] ? " - " : "", r);
            if (sf_bmcup_is_backup(f) && f->health[0] && strcmp(f->health, "OK"))
                printf("  %-16s BACKUP BAD: %s\n", "", f->condition[0] ? f->condition
                       : "the BMC reports its health as not OK");
        }
    }
    sf_rfs_close(s);
    return SF_EXIT_OK;
}

/* ---- install / activate ---- */

static int item_index(const struct bctx *c, const struct sf_bmc_item *it)
{
    for (size_t i = 0; c->p && i < c->p->n; i++)
        if (&c->p->it[i] == it)
            return (int)i;
    return -1;
}

static void bev(enum sf_bev_kind k, const struct sf_bmc_item *it, const char *text, int pct,
                void *arg)
{
    struct bctx *c = arg;
    int i = it ? item_index(c, it) : -1;
    if (k == SF_BEV_STEP && c->h && i >= 0 && c->aid[i] > 0)
        sf_history_phase(c->h, c->aid[i], text, NULL);
    if (c->quiet)
        return;
    const char *who = it ? it->name : "host";
    if (k == SF_BEV_PROGRESS)
        fprintf(stderr, "%s: %s: task %s %d%%\n", c->target, who, text, pct);
    else
        fprintf(stderr, "%s: %s: %s%s\n", c->target, who, k == SF_BEV_NOTICE ? "note: " : "", text);
}


static int exit_of(int rc, const struct sf_bmc_plan *p)
{
    if (p->degraded)
        return SF_EXIT_DEGRADED;
    if (rc) {
        for (size_t i = 0; i < p->n; i++)
            if (p->it[i].st == SF_BI_FAILED && !strcmp(p->it[i].step, "pushing") &&
                strstr(p->it[i].msg, "413"))
                return SF_EXIT_REFUSED;
        return rc == SF_EACCES ? SF_EXIT_ACCES : SF_EXIT_FAILED;
    }
    return p->pending_host_reset ? SF_EXIT_PENDING : SF_EXIT_OK;
}

static void report(const struct ropts *ro, const struct sf_bmc_plan *p, int rc,
                   const struct sf_errctx *ec, int code)
{
    /* A failure's words: the same in the text's one stderr line and in
     * --json's "error". */
    char degraded[700];
    snprintf(degraded, sizeof(degraded), "DEGRADED: the BMC reports the backup BIOS unhealthy "
             "after the host reset (%s)", p->degraded_msg);
    const char *err = rc ? (ec->msg[0] ? ec->msg : sf_err_str(rc)) : p->degraded ? degraded
                                                                                 : NULL;
    if (err)
        fprintf(stderr, "safeflash: %s\n", err);
    if (ro->json) {
        json_object *j = json_object_new_object(), *a = json_object_new_array();
        jstr(j, "target", ro->target);
        for (size_t i = 0; i < p->n; i++) {
            const struct sf_bmc_item *it = &p->it[i];
            json_object *x = json_object_new_object();
            jstr(x, "component", it->comp);
            jstr(x, "target", it->target);
            jstr(x, "result", sf_rf_item_state(it->st));
            jstr(x, "version_before", it->before);
            jstr(x, "version_after", it->after);
            jstr(x, "apply_time", sf_rf_apply_str(it->apply));
            if (it->msg[0])
                jstr(x, "message", it->msg);
            json_object_array_add(a, x);
        }
        json_object_object_add(j, "components", a);
        json_object_object_add(j, "pending_host_reset", json_object_new_boolean(p->pending_host_reset));
        json_object_object_add(j, "degraded", json_object_new_boolean(p->degraded));
        if (p->degraded)
            jstr(j, "degraded_evidence", p->degraded_msg);
        if (err)
            jstr(j, "error", err);
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(j);
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        const struct sf_bmc_item *it = &p->it[i];
        switch (it->st) {
        case SF_BI_UPDATED:
            printf("%s: %s: updated %s -> %s (from the firmware inventory)\n", ro->target,
                   it->name, it->before, it->after);
            break;
        case SF_BI_STAGED:
            printf("%s: %s: staged, pending host reset (runs %s until then)\n", ro->target,
                   it->name, it->before);
            break;
        case SF_BI_SKIPPED:
            printf("%s: %s: skipped: %s\n", ro->target, it->name, it->msg);
            break;
        case SF_BI_PLANNED:
            printf("%s: %s: not attempted (an earlier step failed)\n", ro->target, it->name);
            break;
        default:
            printf("%s: %s: %s while %s: %s\n", ro->target, it->name,
                   it->st == SF_BI_UNKNOWN ? "UNKNOWN" : "FAILED", it->step, it->msg);
        }
    }
    if (p->degraded)
        printf("%s: %s; the running BIOS is as listed above - do not update further until the "
               "backup is repaired\n", ro->target, degraded);
    if (!rc && p->pending_host_reset)
        printf("%s: staged, pending host reset: 'safeflash activate %s' (or the next host "
               "reset) applies it\n", ro->target, ro->target);
}






/* The plan, before the confirmation: what each image does, and after. */
static void print_plan(const struct ropts *ro, const struct sf_bmc_inv *inv,
                       const struct sf_bmc_plan *p, const struct sf_pkg *pkg, const char *board)
{
    printf("Plan for %s (%s):\n", ro->target, ro->pull ? "pulled by the BMC (SimpleUpdate)"
           : inv->us.multipart_uri[0] ? "multipart push" : "HttpPushUri push");
    if (pkg)
        printf("  package %s: version %s for %s %s, this board is %s; %s%s\n", ro->img[0],
               pkg->man.version, pkg->man.vendor, pkg->man.product, board,
               pkg->trusted ? "signed by trusted key " : "NOT signed by a trusted key",
               pkg->trusted ? pkg->signer : "");
    for (size_t i = 0; i < p->n; i++) {
        const struct sf_bmc_item *it = &p->it[i];
        char to[80] = "", size[64];
        if (it->expect[0] && it->st == SF_BI_PLANNED)
            snprintf(to, sizeof(to), "%s, ", it->expect);
        snprintf(size, sizeof(size), it->pull[0] ? "pulled by the BMC" : "%zu bytes", it->len);
        printf("  %zu. %-8s %s (%s): %s -> %s%s%s\n", i + 1, it->name, it->file_name, size,
               it->before, to, it->st == SF_BI_SKIPPED ? "skip: " : "",
               it->st == SF_BI_SKIPPED || it->st == SF_BI_STAGED || it->st == SF_BI_UPDATED
               ? it->msg : it->is_bmc ? "applied now; the BMC restarts and is waited for"
               : it->apply == SF_RF_APPLY_ON_START ? "staged (OnStartUpdateRequest)"
                                                   : "staged for the host's next reset");
    }
    printf("  then: %s\n", ro->reboot_host ? "reset the host (--reboot-host) and verify every "
           "component from the inventory" : "no host reset (pass --reboot-host, or run "
           "'safeflash activate' later)");
    fflush(stdout);
}

int sf_cmd_rf_install(int argc, char **argv)
{
    struct ropts ro;
    int prc = parse(argc, argv, "install", &ro);
    if (prc)
        return prc < 0 ? SF_EXIT_OK : prc;
    /* Field report 002: every image is read and staged on this host before
     * the BMC is touched - nothing depends on media a reset can take. */
    static struct sf_bmc_plan p;
    memset(&p, 0, sizeof(p));
    uint8_t *data[8] = { 0 };
    struct sf_pkg *pkg = NULL;
    char pkg_sha[65] = "";
    struct sf_errctx ec = { 0 };
    int code = -1;
    const char *st = sf_cli_state_dir(NULL);
    struct sf_history *h = NULL;
    int lockfd = -1;
    if (sf_history_open(st, &h, &ec)) /* creates the state directory */
        code = rf_fail_err(&ro, SF_ESTATE, &ec);
    if (code < 0 && !ro.dry)
        lockfd = sf_rf_lock_bmc(&ro, &code);
    if (code < 0 && ro.is_pkg)
        code = sf_rf_load_package(&ro, &pkg, &p, pkg_sha);
    for (size_t i = 0; code < 0 && !pkg && i < ro.nimg; i++) {
        size_t len = 0;
        if (sf_cli_read_file(ro.img[i], &data[i], &len, 256u << 20, ec.msg, sizeof(ec.msg)) ||
            len == 0) {
            if (!ec.msg[0])
                snprintf(ec.msg, sizeof(ec.msg), "%s: empty image", ro.img[i]);
            code = rf_fail_err(&ro, SF_ENODEV, &ec);
            break;
        }
        struct sf_bmc_item *it = &p.it[p.n++];
        snprintf(it->comp, sizeof(it->comp), "%s", ro.comp[i]);
        it->img = data[i];
        it->len = len;
        const char *base = strrchr(ro.img[i], '/');
        snprintf(it->file_name, sizeof(it->file_name), "%s", base ? base + 1 : ro.img[i]);
    }
    if (code < 0 && ro.pull) {
        struct sf_bmc_item *it = &p.it[p.n++];
        snprintf(it->comp, sizeof(it->comp), "%s", ro.comp[0]);
        snprintf(it->pull, sizeof(it->pull), "%s", ro.pull);
        const char *base = strrchr(ro.pull, '/');
        snprintf(it->file_name, sizeof(it->file_name), "%s", base && base[1] ? base + 1 : ro.pull);
        /* Said every time, --yes or not: this is field report 002. */
        fprintf(stderr, "safeflash: warning: --pull: the BMC will fetch %s itself. Nothing is "
                "staged on this host and safeflash cannot check the image before the BMC has "
                "it; if the BMC or the server behind that URL resets mid-transfer, the update "
                "fails half-way (field report 002: virtual media dropped by a BMC reset left a "
                "board that did not boot). Push a local image instead unless this BMC cannot "
                "take one.\n", ro.pull);
    }
    for (size_t i = 0; code < 0 && !ro.dry && i < p.n; i++) {
        char sha[65];
        if (!p.it[i].img)
            continue; /* --pull: nothing here to stage */
        sf_bmcup_item_sha(&p.it[i], sha);
        if (sf_cli_stage(st, sha, p.it[i].img, p.it[i].len, &ec))
            code = rf_fail_err(&ro, SF_ESTATE, &ec);
    }
    p.reboot_host = ro.reboot_host;
    p.task_timeout_s = ro.task_timeout;
    p.reset_timeout_s = ro.reset_timeout;
    struct sf_rfs *s = NULL;
    if (code < 0)
        code = login_bmc(&ro, &s);
    static struct sf_bmc_inv inv;
    char board[160] = "";
    /* A wrong image is the disaster: the package must match the board. */
    int brc = code < 0 && pkg ? sf_bmcup_check_board(s, &pkg->man, ro.img[0], board,
                                                    sizeof(board), &ec) : 0;
    if (brc)
        code = brc == SF_EMISMATCH ? sf_cli_refuse(ro.json, ro.target, SF_EXIT_MISMATCH, "%s",
                                                   ec.msg) : rf_fail_err(&ro, brc, &ec);
    if (code < 0) {
        int rc = sf_bmcup_inventory(s, &inv, &ec);
        if (!rc)
            rc = sf_bmcup_plan(&inv, &p, &ec);
        if (rc == SF_EMISMATCH || rc == SF_ENOTSUP)
            code = sf_cli_refuse(ro.json, ro.target, sf_cli_pkg_exit(rc), "%s", ec.msg);
        else if (rc)
            code = rf_fail_err(&ro, rc, &ec);
    }
    if (code < 0 && !ro.allow_downgrade && sf_bmcup_check_versions(&p, &ec))
        code = sf_cli_refuse(ro.json, ro.target, SF_EXIT_VERSION, "%s", ec.msg);
    struct bctx bc = { .target = ro.target, .quiet = ro.json, .h = h, .p = &p,
                       .package_sha = pkg_sha };
    if (code < 0)
        code = sf_rf_journal(&ro, h, &inv, &p, &bc);
    if (code < 0 && !ro.json)
        print_plan(&ro, &inv, &p, pkg, board);
    if (code < 0 && ro.dry)
        code = SF_EXIT_OK;
    if (code < 0 && !ro.yes && !sf_cli_confirm("Update this board?"))
        code = sf_cli_refuse(ro.json, ro.target, SF_EXIT_REFUSED, "not confirmed: nothing was "
                             "pushed%s", isatty(STDIN_FILENO) ? ""
                             : " (pass --yes to run without a prompt)");
    if (code < 0) {
        /* The run: `status` shows it, and after a crash `safeflash resume`
         * runs the same command again - which the journal above turns
         * into a continuation. */
        char run[33], joined[4096] = "";
        sf_history_new_run(run);
        for (int i = 0; i < argc; i++) {
            size_t jl = strlen(joined);
            snprintf(joined + jl, sizeof(joined) - jl, "%s%s", i ? "\t" : "", argv[i]);
        }
        if (h)
            sf_history_run_begin(h, run, "install", joined, (int)p.n);
        sf_rf_attempts_begin(h, run, "install", ro.target, &p, st, &bc, &ec);
        int rc = sf_bmcup_run(s, &inv, &p, bev, &bc, &ec);
        code = exit_of(rc, &p);
        sf_rf_attempts_finish(h, &p, &bc);
        if (h)
            sf_history_run_end(h, run, rc || p.degraded ? "paused-on-error" : "completed",
                               rc ? ec.msg : p.degraded ? p.degraded_msg : NULL);
        report(&ro, &p, rc, &ec, code);
    }
    sf_rfs_close(s);
    sf_history_close(h);
    for (size_t i = 0; i < 8; i++)
        free(data[i]);
    sf_pkg_free(pkg);
    sf_lock_release(lockfd);
    return code;
}

/* What installs staged on this BMC and nothing has used up since, as
 * STAGED items (stored_by: the attempt that staged each). */
static void activate_items(const struct ropts *ro, const struct sf_bmc_inv *inv,
                           struct sf_history *h, struct sf_bmc_plan *p, int64_t stored_by[8])
{
    for (size_t i = 0; i < inv->n && p->n < 8; i++) {
        const struct sf_rf_fw *f = &inv->fw[i];
        if (!sf_bmcup_running(f))
            continue;
        char id[17], key[sizeof(p->it[0].comp)];
        struct sf_last_attempt la;
        sf_bmcup_key(inv, f, key, sizeof(key));
        sf_rf_item_id(ro->target, key, id);
        if (sf_history_stored(h, id, 0, &la))
            continue;
        struct sf_bmc_item *it = &p->it[p->n];
        stored_by[p->n++] = la.id;
        snprintf(it->comp, sizeof(it->comp), "%s", key);
        snprintf(it->target, sizeof(it->target), "%s", f->uri);
        snprintf(it->name, sizeof(it->name), "%s", sf_bmcup_label(f, key));
        snprintf(it->before, sizeof(it->before), "%s", la.from_rev);
        snprintf(it->expect, sizeof(it->expect), "%s", la.expected_rev);
        it->st = SF_BI_STAGED;
    }
}

static int activate_run(const struct ropts *ro, struct sf_rfs *s)
{
    int code = SF_EXIT_OK;
    struct sf_errctx ec = { 0 };
    static struct sf_bmc_inv inv;
    static struct sf_bmc_plan p;
    memset(&p, 0, sizeof(p));
    p.reset_timeout_s = ro->reset_timeout;
    struct sf_history *h = NULL;
    int rc = sf_bmcup_inventory(s, &inv, &ec);
    if (!rc && sf_history_open(sf_cli_state_dir(NULL), &h, &ec))
        rc = SF_ESTATE;
    int64_t stored_by[8] = { 0 };
    if (!rc)
        activate_items(ro, &inv, h, &p, stored_by);
    /* Only what the BMC still holds is worth a host reset (a BMC reset
     * drops staged images). */
    size_t held = rc ? 0 : sf_bmcup_check_staged(&inv, &p);
    size_t done = 0;
    char gone[400] = "";
    for (size_t i = 0; i < p.n; i++) {
        done += p.it[i].st == SF_BI_UPDATED;
        size_t l = strlen(gone);
        if (p.it[i].st == SF_BI_FAILED)
            snprintf(gone + l, sizeof(gone) - l, "%s%s by attempt #%lld", l ? ", " : "",
                     p.it[i].name, (long long)stored_by[i]);
    }
    struct bctx bc = { .target = ro->target, .quiet = ro->json, .h = h, .p = &p };
    char run[33];
    sf_history_new_run(run);
    if (rc) {
        code = rf_fail_err(ro, rc, &ec);
    } else if (!p.n) {
        printf("%s: nothing staged by safeflash waits for a host reset\n", ro->target);
    } else if (!held && !done) {
        /* Nothing to reset the host for: say so, and record that it is
         * used up, instead of a reset and a long wait for nothing. */
        sf_rf_attempts_begin(h, run, "activate", ro->target, &p, NULL, &bc, &ec);
        sf_rf_attempts_finish(h, &p, &bc);
        snprintf(ec.msg, sizeof(ec.msg), "%s: nothing to activate: the BMC no longer holds what "
                 "was staged for %s (the BMC restarted?); the host was not reset - install again "
                 "(--reboot-host applies at once)", ro->target, gone);
        code = rf_fail(ro, SF_EXIT_FAILED, ec.msg);
    } else {
        code = -1;
    }
    if (code < 0 && !ro->json) {
        printf("Plan for %s: %s, then verify from the inventory:\n", ro->target,
               held ? "reset the host" : "no host reset needed");
        for (size_t i = 0; i < p.n; i++)
            printf("  %-8s staged by attempt #%lld (ran %s): %s\n", p.it[i].name,
                   (long long)stored_by[i], p.it[i].before, p.it[i].st == SF_BI_STAGED
                   ? "held by the BMC" : p.it[i].msg);
        fflush(stdout);
    }
    if (code < 0 && held && !ro->yes && !sf_cli_confirm("Reset the host now?"))
        code = sf_cli_refuse(ro->json, ro->target, SF_EXIT_REFUSED, "not confirmed: the host "
                             "was not reset%s", isatty(STDIN_FILENO) ? ""
                             : " (pass --yes to run without a prompt)");
    if (code < 0) {
        sf_rf_attempts_begin(h, run, "activate", ro->target, &p, NULL, &bc, &ec);
        rc = held ? sf_bmcup_activate(s, &p, bev, &bc, &ec) : 0;
        if (!rc && gone[0])
            rc = sf_err_set(&ec, SF_ENODEV, "%s: the BMC no longer holds what was staged for "
                            "%s (the BMC restarted?): install again", ro->target, gone);
        done = 0;
        for (size_t i = 0; i < p.n; i++)
            done += p.it[i].st == SF_BI_UPDATED;
        code = rc == SF_ENODEV && gone[0] && done ? SF_EXIT_PARTIAL : exit_of(rc, &p);
        sf_rf_attempts_finish(h, &p, &bc);
        report(ro, &p, rc, &ec, code);
    }
    sf_rfs_close(s);
    sf_history_close(h);
    return code;
}

int sf_cmd_rf_activate(int argc, char **argv)
{
    struct ropts ro;
    struct sf_rfs *s = NULL;
    int code = connect_cmd(argc, argv, "activate", &ro, &s);
    if (code >= 0)
        return code;
    int lockfd = sf_rf_lock_bmc(&ro, &code);
    if (lockfd < 0) {
        sf_rfs_close(s);
        return code;
    }
    code = activate_run(&ro, s); /* closes s */
    sf_lock_release(lockfd);
    return code;
}

