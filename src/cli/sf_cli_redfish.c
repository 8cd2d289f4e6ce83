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
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "engine/sf_bmcup.h"
#include "sf_cli.h"

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

struct ropts {
    const char *target;
    struct sf_rf_target t;
    struct sf_rfs_opts o;
    const char *ca, *pin;
    int json;
};

static int parse(int argc, char **argv, const char *cmd, struct ropts *ro)
{
    static const struct option opts[] = {
        { "json", no_argument, NULL, 'j' },
        { "insecure", no_argument, NULL, 'k' },
        { "ca", required_argument, NULL, 'c' },
        { "pin", required_argument, NULL, 'p' },
        { "plain-http", no_argument, NULL, 'H' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    memset(ro, 0, sizeof(*ro));
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': ro->json = 1; break;
        case 'k': ro->o.http.insecure = 1; break;
        case 'c': ro->ca = optarg; break;
        case 'p': ro->pin = optarg; break;
        case 'H': ro->o.plain_http = 1; break;
        case 'h':
            printf("Usage: safeflash %s redfish://USER@HOST[:PORT] [--json] [--ca FILE | --pin "
                   "sha256//BASE64 | --insecure] [--plain-http]\n\n"
                   "The firmware inventory of a server board, as its BMC reports it: every\n"
                   "component with its version, whether it can be updated, its state and\n"
                   "health; backup images and images staged for a reset are marked as such.\n"
                   "The password comes from SAFEFLASH_REDFISH_PASSWORD or a prompt.\n\n"
                   "  --ca FILE      trust this CA (PEM) for the BMC's certificate\n"
                   "  --pin PIN      trust this public key only (curl's sha256//BASE64 form)\n"
                   "  --insecure     no certificate checks (a lab BMC with a self-signed one)\n"
                   "  --plain-http   HTTP without TLS: loopback addresses only (tests)\n", cmd);
            return -1;
        default:
            return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return sf_cli_usage_error(cmd, "one target, redfish://USER@HOST[:PORT], is needed");
    ro->target = argv[optind];
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

/* Connect and log in; -1 to go on, or the exit code (said in one line). */
static int connect_cmd(int argc, char **argv, const char *cmd, struct ropts *ro, struct sf_rfs **s)
{
    int prc = parse(argc, argv, cmd, ro);
    if (prc)
        return prc < 0 ? SF_EXIT_OK : prc;
    char pw[256];
    if (get_password(&ro->t, pw, sizeof(pw))) {
        fprintf(stderr, "safeflash: %s: no password: set SAFEFLASH_REDFISH_PASSWORD or run on a "
                "terminal to be asked\n", ro->target);
        return SF_EXIT_USAGE;
    }
    struct sf_errctx ec = { 0 };
    int rc = sf_rfs_open(&ro->t, pw, &ro->o, s, &ec);
    explicit_bzero(pw, sizeof(pw));
    if (rc)
        return sf_cli_fail(rc, &ec);
    return -1;
}

static const char *role(const struct sf_rf_fw *f)
{
    return f->backup ? "backup image" : f->staged ? "staged, waits for a reset or StartUpdate"
           : !strcmp(f->state, "Updating") ? "being updated" : "";
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
        return sf_cli_fail(rc, &ec);
    }
    char push[160];
    snprintf(push, sizeof(push), "%s%s%s", inv.us.multipart_uri[0] ? "multipart push" : "",
             inv.us.multipart_uri[0] && inv.us.push_uri[0] ? ", " : "",
             inv.us.push_uri[0] ? "push (HttpPushUri)" : "");
    if (ro.json) {
        json_object *j = json_object_new_object(), *a = json_object_new_array();
        json_object_object_add(j, "target", json_object_new_string(ro.target));
        json_object_object_add(j, "redfish_version", json_object_new_string(s->root.redfish_version));
        json_object_object_add(j, "authentication",
                               json_object_new_string(s->basic ? "basic" : "session"));
        json_object_object_add(j, "multipart_push", json_object_new_boolean(inv.us.multipart_uri[0]));
        json_object_object_add(j, "http_push", json_object_new_boolean(inv.us.push_uri[0]));
        for (size_t i = 0; i < inv.n; i++) {
            const struct sf_rf_fw *f = &inv.fw[i];
            json_object *x = json_object_new_object();
            json_object_object_add(x, "id", json_object_new_string(f->id));
            json_object_object_add(x, "name", json_object_new_string(f->name[0] ? f->name : f->id));
            json_object_object_add(x, "uri", json_object_new_string(f->uri));
            json_object_object_add(x, "version", json_object_new_string(f->version));
            json_object_object_add(x, "updateable", f->updateable < 0 ? NULL
                                   : json_object_new_boolean(f->updateable));
            json_object_object_add(x, "state", json_object_new_string(f->state));
            json_object_object_add(x, "health", json_object_new_string(f->health));
            json_object_object_add(x, "backup", json_object_new_boolean(f->backup));
            json_object_object_add(x, "staged", json_object_new_boolean(f->staged));
            if (f->condition[0])
                json_object_object_add(x, "condition", json_object_new_string(f->condition));
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
        printf("  %-16s %-20s %-10s %-14s %-8s\n", "COMPONENT", "VERSION", "UPDATEABLE", "STATE",
               "HEALTH");
        for (size_t i = 0; i < inv.n; i++) {
            const struct sf_rf_fw *f = &inv.fw[i];
            printf("  %-16s %-20s %-10s %-14s %-8s %s\n", f->name[0] ? f->name : f->id,
                   f->version[0] ? f->version : "(none)",
                   f->updateable < 0 ? "?" : f->updateable ? "yes" : "no",
                   f->state[0] ? f->state : "-", f->health[0] ? f->health : "-", role(f));
            if (f->backup && f->health[0] && strcmp(f->health, "OK"))
                printf("  %-16s BACKUP BAD: %s\n", "", f->condition[0] ? f->condition
                       : "the BMC reports its health as not OK");
        }
    }
    sf_rfs_close(s);
    return SF_EXIT_OK;
}
