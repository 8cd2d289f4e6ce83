/* fuzz_pkg.c - the package reader (libarchive container, entry checks,
 * manifest, image hashes) on arbitrary files. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pkg/sf_pkg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/sf-fuzz-pkg-%d", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    struct sf_pkg *p = NULL;
    struct sf_errctx ec = { 0 };
    /* The file and its bytes in memory are one package, or one non-package. */
    if (sf_pkg_is_package(path, NULL) != sf_pkg_is_package_mem(data, size))
        abort();
    int rc = sf_pkg_read(path, &p, &ec);
    struct sf_pkg *q = NULL;
    if (sf_pkg_parse("mem", data, size, &q, &ec) != rc)
        abort();
    if (rc == 0) {
        if (!p || p->nimg != p->man.nimages || !q || q->nimg != p->nimg)
            abort();
    }
    sf_pkg_free(p);
    sf_pkg_free(q);
    unlink(path);
    return 0;
}
