/*
 * test_pkg.c - the package reader opens only regular files (never waiting
 * on a FIFO), says a missing package is a file error (SF_EFILE), and reads
 * the same package from a file as from its bytes.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/sf_pkg.h"
#include "safeflash/sf_package.h"
#include "sf_test.h"
#include "test_util.h"

/* An unsigned package of one image at path. */
static int make_pkg(const char *path)
{
    struct sf_manifest m;
    memset(&m, 0, sizeof(m));
    snprintf(m.vendor, sizeof(m.vendor), "V");
    snprintf(m.product, sizeof(m.product), "P");
    snprintf(m.version, sizeof(m.version), "0300");
    snprintf(m.image, sizeof(m.image), "fw.bin");
    const char *names[] = { "fw.bin" };
    static const uint8_t fw[] = "firmware image";
    const uint8_t *data[] = { fw };
    size_t lens[] = { sizeof(fw) };
    char signer[17];
    return sf_pkg_write(path, &m, names, data, lens, 1, NULL, signer, NULL);
}

SF_TEST(pkg_reads_regular_files_only)
{
    char dir[64], pkg[128], fifo[128], missing[128];
    struct sf_errctx ec = { 0 };
    CHECK_EQ(tu_tmpdir(dir, sizeof(dir)), 0);
    snprintf(pkg, sizeof(pkg), "%s/fw.sfpkg", dir);
    snprintf(fifo, sizeof(fifo), "%s/fifo.sfpkg", dir);
    snprintf(missing, sizeof(missing), "%s/missing.sfpkg", dir);
    CHECK_EQ(make_pkg(pkg), 0);
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    alarm(10);
    struct sf_pkg *p = NULL;
    CHECK_EQ(sf_pkg_is_package(pkg, &ec), 1);
    CHECK_EQ(sf_pkg_read(pkg, &p, &ec), 0);
    sf_pkg_free(p);
    p = NULL;
    char want[200];
    snprintf(want, sizeof(want), "%s: not a regular file", fifo);
    const char *refused[] = { fifo, dir };
    for (size_t i = 0; i < 2; i++) {
        sf_errctx_clear(&ec);
        CHECK_EQ(sf_pkg_read(refused[i], &p, &ec), SF_EFILE);
        CHECK(strstr(ec.msg, "not a regular file") != NULL);
        CHECK_EQ(sf_pkg_is_package(refused[i], NULL), SF_EFILE);
        CHECK_EQ(sf_package_is_package(refused[i]), SF_EFILE);
    }
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_pkg_read(fifo, &p, &ec), SF_EFILE);
    CHECK_STR(ec.msg, want);
    sf_package *pp = NULL;
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_package_open(fifo, &pp, &ec), SF_EFILE);
    CHECK_STR(ec.msg, want);
    /* Missing: a file error, not "no such device". */
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_pkg_read(missing, &p, &ec), SF_EFILE);
    CHECK(strstr(ec.msg, "No such file or directory") != NULL);
    CHECK_EQ(sf_package_open(missing, &pp, &ec), SF_EFILE);
    CHECK_EQ(sf_package_is_package(missing), SF_EFILE);
    /* The public reader for package create's images: the same rules. */
    uint8_t *b = NULL;
    size_t n = 0;
    CHECK_EQ(sf_package_read_file(fifo, 1 << 20, &b, &n, &ec), SF_EFILE);
    CHECK_EQ(sf_package_read_file(missing, 1 << 20, &b, &n, &ec), SF_EFILE);
    CHECK_EQ(sf_package_read_file(pkg, 16, &b, &n, &ec), SF_ERANGE);
    CHECK_EQ(sf_package_read_file(pkg, 1 << 20, &b, &n, &ec), 0);
    /* The bytes are the package the file is: same hash, same images. */
    struct sf_pkg *q = NULL;
    CHECK_EQ(sf_pkg_read(pkg, &p, &ec), 0);
    CHECK_EQ(sf_pkg_parse(pkg, b, n, &q, &ec), 0);
    CHECK_EQ(sf_pkg_is_package_mem(b, n), 1);
    CHECK_EQ(sf_pkg_is_package_mem(b, 100), 0); /* cut inside the first header */
    CHECK(p && q && !memcmp(p->file_sha256, q->file_sha256, 32) && q->nimg == 1 &&
          q->img[0].len == sizeof("firmware image"));
    sf_pkg_free(p);
    sf_pkg_free(q);
    free(b);
    alarm(0);
    tu_rm_rf(dir);
}
