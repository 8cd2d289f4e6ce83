/*
 * sfemu_main.c - `sfemu`, the emulator's own control tool (a test helper,
 * not part of safeflash):
 *
 *   sfemu mkimage --product P --revision R [--size N] [--magic M]
 *                 [--seed S] [--corrupt] -o FILE
 *   sfemu reset DEVICE [--power]     hard reset, or power cycle
 *   sfemu state DEVICE               JSON: revisions, deferred/pending
 *                                    images, download status, counters
 *   sfemu fault DEVICE K KIND [K KIND...]
 *                                    the K-th command from now fails
 *                                    (kinds: see usage and docs/emulator.md)
 *
 * DEVICE is a path declared in $SAFEFLASH_EMU.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/sf_emu.h"
#include "emu/sf_emu_image.h"

static int usage(void)
{
    fputs("usage: sfemu mkimage --product P --revision R [--size N] [--magic M] [--seed S]\n"
          "                     [--corrupt] -o FILE\n"
          "       sfemu reset DEVICE [--power]\n"
          "       sfemu state DEVICE\n"
          "       sfemu fault DEVICE K KIND [K KIND...]\n"
          "         KIND: eio lost timeout busy check[=K/ASC/ASCQ] reset busreset\n"
          "               pathdrop[=N] power[=N] powernv[=N] lie foreign[=SUB]\n",
          stderr);
    return 2;
}

static int mkimage(int argc, char **argv)
{
    static const struct option o[] = {
        { "product", required_argument, NULL, 'p' }, { "revision", required_argument, NULL, 'r' },
        { "size", required_argument, NULL, 's' },    { "magic", required_argument, NULL, 'm' },
        { "seed", required_argument, NULL, 'S' },    { "corrupt", no_argument, NULL, 'c' },
        { "output", required_argument, NULL, 'o' },  { NULL, 0, NULL, 0 },
    };
    const char *product = NULL, *rev = NULL, *magic = NULL, *out = NULL;
    unsigned long size = 1000, seed = 1;
    int corrupt = 0, c;
    while ((c = getopt_long(argc, argv, "o:", o, NULL)) != -1) {
        switch (c) {
        case 'p': product = optarg; break;
        case 'r': rev = optarg; break;
        case 's': size = strtoul(optarg, NULL, 0); break;
        case 'm': magic = optarg; break;
        case 'S': seed = strtoul(optarg, NULL, 0); break;
        case 'c': corrupt = 1; break;
        case 'o': out = optarg; break;
        default: return usage();
        }
    }
    if (!product || !rev || !out || size > 64ul * 1024 * 1024)
        return usage();
    size_t cap = size + 64;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return 1;
    long n = sf_emu_image_build(buf, cap, magic, product, rev, (uint32_t)size, (uint32_t)seed);
    if (n < 0) {
        free(buf);
        return 1;
    }
    if (corrupt)
        buf[n / 2] ^= 0x5a;
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "sfemu: cannot write %s\n", out);
        free(buf);
        if (f)
            fclose(f);
        return 1;
    }
    fclose(f);
    free(buf);
    return 0;
}

static struct sf_emu *open_dev(const char *path, int *dev)
{
    const char *conf = getenv("SAFEFLASH_EMU");
    struct sf_emu *e = NULL;
    struct sf_errctx ec = { 0 };
    if (!conf || sf_emu_open(conf, &e, &ec)) {
        fprintf(stderr, "sfemu: %s\n", conf ? ec.msg : "SAFEFLASH_EMU is not set");
        return NULL;
    }
    *dev = sf_emu_find(e, path);
    if (*dev < 0) {
        fprintf(stderr, "sfemu: %s is not declared in %s\n", path, conf);
        sf_emu_close(e);
        return NULL;
    }
    return e;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (!strcmp(argv[1], "mkimage"))
        return mkimage(argc - 1, argv + 1);
    if (argc < 3)
        return usage();
    int dev;
    struct sf_emu *e = open_dev(argv[2], &dev);
    if (!e)
        return 1;
    int rc = 0;
    if (!strcmp(argv[1], "reset")) {
        int power = argc > 3 && !strcmp(argv[3], "--power");
        rc = sf_emu_reset(e, dev, power ? SF_EMU_RESET_POWER : SF_EMU_RESET_HARD) ? 1 : 0;
    } else if (!strcmp(argv[1], "fault")) {
        if (argc < 5 || (argc - 3) % 2)
            rc = usage();
        for (int i = 3; rc == 0 && i + 1 < argc; i += 2) {
            struct sf_emu_fault_spec f;
            unsigned long k = strtoul(argv[i], NULL, 0);
            if (sf_emu_fault_parse(argv[i + 1], &f) || k == 0) {
                fprintf(stderr, "sfemu: bad fault '%s %s'\n", argv[i], argv[i + 1]);
                rc = 2;
            } else if (sf_emu_add_fault(e, dev, k, &f)) {
                fprintf(stderr, "sfemu: too many faults scheduled\n");
                rc = 1;
            }
        }
    } else if (!strcmp(argv[1], "state")) {
        struct sf_emu_sub_report r[SF_EMU_MAX_SUB];
        size_t n = 0;
        uint32_t gen = 0;
        if (sf_emu_report(e, dev, r, SF_EMU_MAX_SUB, &n, &gen)) {
            rc = 1;
        } else {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "generation_code", json_object_new_int64(gen));
            json_object_object_add(o, "commands", json_object_new_int64((int64_t)sf_emu_command_count(e, dev)));
            json_object *a = json_object_new_array();
            for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_new_object();
                json_object_object_add(s, "id", json_object_new_int(r[i].id));
                json_object_object_add(s, "revision", json_object_new_string(r[i].revision));
                json_object_object_add(s, "deferred", json_object_new_string(r[i].deferred));
                json_object_object_add(s, "pending", json_object_new_string(r[i].pending));
                json_object_object_add(s, "download_status", json_object_new_int(r[i].dl_status));
                json_object_object_add(s, "expected_offset", json_object_new_int64(r[i].expected_offset));
                json_object_object_add(s, "activations", json_object_new_int64(r[i].activations));
                json_object_object_add(s, "downloads", json_object_new_int64(r[i].downloads));
                json_object_object_add(s, "valid", json_object_new_boolean(r[i].valid));
                json_object_array_add(a, s);
            }
            json_object_object_add(o, "subenclosures", a);
            printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
            json_object_put(o);
        }
    } else {
        rc = usage();
    }
    sf_emu_close(e);
    return rc;
}
