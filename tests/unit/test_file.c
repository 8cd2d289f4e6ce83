/*
 * test_file.c - opening the files safeflash reads (src/util/sf_file.h):
 * only a regular file is read; a FIFO, a directory or a device is refused
 * at once (never waited on) as SF_EFILE naming it, a missing file is
 * SF_EFILE too (not "no such device"), and a state file refuses a
 * symbolic link in its place.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sf_test.h"
#include "test_util.h"
#include "util/sf_file.h"

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

SF_TEST(file_reads_only_regular_files)
{
    char dir[64], reg[128], fifo[128], link[128], missing[128];
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(reg, sizeof(reg), "%s/image.bin", dir);
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    snprintf(link, sizeof(link), "%s/link", dir);
    snprintf(missing, sizeof(missing), "%s/missing", dir);
    put(reg, "firmware");
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    CHECK_EQ(symlink(reg, link), 0);
    /* A FIFO nobody writes would block an open or a read forever: the
     * alarm turns that into a failed test instead of a hung run. */
    alarm(10);
    uint8_t *b = NULL;
    size_t n = 0;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_file_read(reg, 0, 1024, &b, &n, &ec), 0);
    CHECK_EQ(n, 8);
    CHECK(b && !memcmp(b, "firmware", 8) && b[8] == 0);
    free(b);
    const char *refused[] = { fifo, dir, "/dev/null" };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char want[160];
        snprintf(want, sizeof(want), "%s: not a regular file", refused[i]);
        sf_errctx_clear(&ec);
        CHECK_EQ(sf_file_read(refused[i], 0, 1024, &b, &n, &ec), SF_EFILE);
        CHECK_STR(ec.msg, want);
        CHECK(b == NULL && n == 0);
    }
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_file_read(missing, 0, 1024, &b, &n, &ec), SF_EFILE);
    CHECK(strstr(ec.msg, "No such file or directory") != NULL);
    CHECK(strstr(ec.msg, missing) == ec.msg);
    /* A name the caller gave may be a link; a state file may not. */
    CHECK_EQ(sf_file_read(link, 0, 1024, &b, &n, &ec), 0);
    free(b);
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_file_read(link, SF_FILE_NOFOLLOW, 1024, &b, &n, &ec), SF_EFILE);
    CHECK(strstr(ec.msg, "symbolic link") != NULL);
    /* Too large: refused before anything is read. */
    CHECK_EQ(sf_file_read(reg, 0, 4, &b, &n, &ec), SF_ERANGE);
    struct stat st;
    int fd = sf_file_open(fifo, 0, &st, &ec);
    CHECK_EQ(fd, SF_EFILE);
    alarm(0);
    tu_rm_rf(dir);
}
