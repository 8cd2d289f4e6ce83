/*
 * sfbmc - the emulated BMC (sf_bmc.h) as a program:
 *
 *   sfbmc serve CONF [--name NAME] [--port-file FILE]
 *       serve the BMC named NAME (default: the first) of the emulator
 *       config CONF on 127.0.0.1 until SIGTERM/SIGINT; the port goes to
 *       FILE (written once listening) and to stderr
 *   sfbmc mkimage --component C --version V [--size N] -o FILE
 *       a firmware image this BMC accepts (sf_bmcimg.h)
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu/sf_bmc.h"
#include "emu/sf_bmcimg.h"

static volatile sig_atomic_t stop_now;

static void on_signal(int s)
{
    (void)s;
    stop_now = 1;
}

static int usage(void)
{
    fputs("Usage: sfbmc serve CONF [--name NAME] [--port-file FILE]\n"
          "       sfbmc mkimage --component C --version V [--size N] -o FILE\n", stderr);
    return 2;
}

static int serve(int argc, char **argv)
{
    static const struct option o[] = {
        { "name", required_argument, NULL, 'n' },
        { "port-file", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    const char *name = NULL, *port_file = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", o, NULL)) != -1) {
        if (c == 'n')
            name = optarg;
        else if (c == 'p')
            port_file = optarg;
        else
            return usage();
    }
    if (optind + 1 != argc)
        return usage();
    struct sf_bmc_conf conf;
    struct sf_errctx ec = { 0 };
    struct sf_bmc *b = NULL;
    if (sf_bmc_conf_load(argv[optind], name, &conf, &ec) || sf_bmc_start(&conf, &b, &ec)) {
        fprintf(stderr, "sfbmc: %s\n", ec.msg);
        return 1;
    }
    if (port_file) {
        char tmp[4200];
        snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
        FILE *f = fopen(tmp, "w");
        if (!f || fprintf(f, "%u\n", sf_bmc_port(b)) < 0 || fclose(f) || rename(tmp, port_file)) {
            fprintf(stderr, "sfbmc: cannot write %s\n", port_file);
            sf_bmc_stop(b);
            return 1;
        }
    }
    fprintf(stderr, "sfbmc: %s listening on %s://127.0.0.1:%u\n", conf.name,
            conf.tls_cert[0] ? "https" : "http", sf_bmc_port(b));
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    while (!stop_now) {
        sf_bmc_tick(b);
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    sf_bmc_stop(b);
    return 0;
}

static int mkimage(int argc, char **argv)
{
    static const struct option o[] = {
        { "component", required_argument, NULL, 'c' },
        { "version", required_argument, NULL, 'v' },
        { "size", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },
        { NULL, 0, NULL, 0 },
    };
    const char *comp = NULL, *ver = NULL, *out = NULL;
    unsigned long size = 65536;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", o, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'c': comp = optarg; break;
        case 'v': ver = optarg; break;
        case 'o': out = optarg; break;
        case 's':
            size = strtoul(optarg, &end, 0);
            if (!end || *end || size > (256ul << 20))
                return usage();
            break;
        default: return usage();
        }
    }
    if (!comp || !ver || !out || optind != argc)
        return usage();
    uint8_t *img = NULL;
    size_t len = 0;
    if (sf_bmcimg_make(comp, ver, (uint32_t)size, &img, &len)) {
        fprintf(stderr, "sfbmc: component (16) or version (32 characters) is empty or too long\n");
        return 2;
    }
    FILE *f = fopen(out, "wb");
    int ok = f && fwrite(img, 1, len, f) == len;
    if (f)
        ok &= fclose(f) == 0;
    free(img);
    if (!ok) {
        fprintf(stderr, "sfbmc: cannot write %s\n", out);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (!strcmp(argv[1], "serve"))
        return serve(argc - 1, argv + 1);
    if (!strcmp(argv[1], "mkimage"))
        return mkimage(argc - 1, argv + 1);
    return usage();
}
