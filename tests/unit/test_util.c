/* test_util.c - helpers shared by unit tests. */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tu_write_temp(const char *name, const char *text, char *out, size_t cap)
{
    char tmpl[] = "/tmp/sf-unit-XXXXXX";
    if (!mkdtemp(tmpl))
        return -1;
    snprintf(out, cap, "%s/%s", tmpl, name);
    FILE *f = fopen(out, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fclose(f);
    return 0;
}

int tu_emu_conf(const char *extra, char *out, size_t cap)
{
    char text[4096];
    snprintf(text, sizeof(text),
             "{ \"state\": \"emu.state\", \"devices\": [ {\n"
             "  %s\n"
             "  \"path\": \"/dev/sg-unit0\", \"vendor\": \"UNIT\", \"product\": \"TESTENCL\",\n"
             "  \"revision\": \"0001\", \"serial\": \"U1\", \"wwn\": \"0x5000000000000100\",\n"
             "  \"subenclosures\": [\n"
             "    { \"id\": 0, \"product\": \"ESM\", \"revision\": \"0100\",\n"
             "      \"logical_id\": \"0x5000000000000110\", \"max_image\": 65536,\n"
             "      \"elements\": [ { \"type\": 23, \"count\": 4, \"text\": \"Slots\" } ] },\n"
             "    { \"id\": 1, \"product\": \"EXP\", \"revision\": \"0200\",\n"
             "      \"logical_id\": \"0x5000000000000120\", \"max_image\": 32768 } ] } ] }\n",
             extra ? extra : "");
    return tu_write_temp("emu.conf", text, out, cap);
}

int tu_tmpdir(char *out, size_t cap)
{
    snprintf(out, cap, "/tmp/sf-unit-XXXXXX");
    return mkdtemp(out) ? 0 : -1;
}

int tu_rm_rf(const char *dir)
{
    char cmd[4200];
    if (strncmp(dir, "/tmp/sf-unit-", 13) || strchr(dir, '\''))
        return -1; /* only what tu_tmpdir made */
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}
