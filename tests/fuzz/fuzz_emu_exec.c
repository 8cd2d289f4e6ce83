/* fuzz_emu_exec.c - the emulated device fed arbitrary CDBs and data-out:
 * it must answer every command with a status and well-formed sense, never
 * crash, and never claim to send more than was offered.
 * Input: byte 0 = CDB length selector, then the CDB, then data-out. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/sf_emu.h"
#include "proto/sf_sense.h"

static struct sf_emu *g_emu;

static void setup(void)
{
    char dir[] = "/tmp/sf-fuzz-emu-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char conf[512];
    snprintf(conf, sizeof(conf), "%s/f.conf", dir);
    FILE *f = fopen(conf, "w");
    if (!f)
        abort();
    fputs("{ \"state\": \"f.state\", \"devices\": [ { \"path\": \"/dev/sg-fuzz\","
          " \"vendor\": \"F\", \"product\": \"P\", \"revision\": \"1\", \"wwn\": 1,"
          " \"subenclosures\": [ { \"id\": 0, \"product\": \"A\", \"revision\": \"0001\","
          " \"logical_id\": 2, \"max_image\": 8192,"
          " \"elements\": [ { \"type\": 4, \"count\": 3 } ] },"
          " { \"id\": 7, \"product\": \"B\", \"revision\": \"0002\", \"logical_id\": 3,"
          " \"max_image\": 4096 } ] } ] }", f);
    fclose(f);
    struct sf_errctx ec = { 0 };
    if (sf_emu_open(conf, &g_emu, &ec) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_emu)
        setup();
    if (size < 2)
        return 0;
    static const size_t lens[4] = { 6, 10, 12, 16 };
    size_t cl = lens[data[0] & 3];
    int dir_out = (data[0] >> 2) & 1;
    data++;
    size--;
    if (size < cl)
        cl = size;
    uint8_t cdb[16];
    memcpy(cdb, data, cl);
    uint8_t *buf = malloc(70000);
    if (!buf)
        return 0;
    uint32_t len = 0;
    if (dir_out) {
        len = (uint32_t)(size - cl);
        memcpy(buf, data + cl, len);
    } else {
        len = 70000;
    }
    struct sf_emu_io io = { .cdb = cdb, .cdb_len = cl, .dir = dir_out ? SF_DIR_OUT : SF_DIR_IN,
                            .data = buf, .data_len = len };
    if (sf_emu_execute(g_emu, 0, &io) == 0) {
        if (io.resid > len)
            abort();
        if (io.status == SF_STATUS_CHECK_CONDITION) {
            struct sf_sense s;
            if (sf_sense_decode(io.sense, io.sense_len, &s) != 0)
                abort();
        }
    }
    free(buf);
    return 0;
}
