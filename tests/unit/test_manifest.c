/* test_manifest.c - manifest parsing, target matching, version order. */
#include <stdlib.h>
#include "pkg/sf_manifest.h"
#include "sf_test.h"

static const char *M =
    "{ \"format\": 1, \"vendor\": \"DELL*\", \"product\": \"MD14[0-9]0\", \"version\": \"1.10\",\n"
    "  \"min_version\": \"1.05\", \"image\": \"emm.bin\",\n"
    "  \"images\": [ { \"name\": \"emm.bin\", \"size\": 10, \"sha256\":"
    " \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\" },\n"
    "    { \"name\": \"exp.bin\", \"size\": 20, \"sha256\":"
    " \"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\" } ],\n"
    "  \"targets\": [ { \"vendor\": \"DELL\", \"product\": \"MD1420 EXP\", \"image\": \"exp.bin\" } ] }";

SF_TEST(manifest_matches_other_vendors_subenclosures)
{
    struct sf_manifest m;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_manifest_parse(M, strlen(M), &m, &ec), 0);
    CHECK_STR(m.revision, "1.10");
    /* Trailing spaces as the configuration page pads them. */
    const struct sf_man_image *a = sf_manifest_image_for(&m, "DELL    ", "MD1420          ");
    const struct sf_man_image *b = sf_manifest_image_for(&m, "DELL    ", "MD1420 EXP      ");
    CHECK(a && !strcmp(a->name, "emm.bin"));
    CHECK(b && !strcmp(b->name, "exp.bin"));
    CHECK(sf_manifest_image_for(&m, "HPE     ", "MD1420") == NULL);
    CHECK(sf_manifest_image_for(&m, "DELL", "MD1220X") == NULL);
}

SF_TEST(manifest_rejects_what_it_cannot_trust)
{
    struct sf_manifest m;
    struct sf_errctx ec = { 0 };
    const char *bad[] = {
        "{ \"format\": 2 }",
        "{ \"format\": 1, \"vendor\": \"V\", \"product\": \"P\", \"version\": \"1\", \"image\": \"x\","
        " \"images\": [ { \"name\": \"../x\", \"size\": 1, \"sha256\": \"00\" } ] }",
        "{ \"format\": 1, \"vendor\": \"V\", \"product\": \"P\", \"version\": \"1\", \"image\": \"y\","
        " \"images\": [ { \"name\": \"x\", \"size\": 1, \"sha256\":"
        " \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\" } ] }",
        "{ \"format\": 1, \"vendor\": \"V\", \"product\": \"P\", \"version\": \"12345\", \"image\": \"x\","
        " \"revision\": \"12345\", \"images\": [ { \"name\": \"x\", \"size\": 1, \"sha256\":"
        " \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\" } ] }",
        "{ \"format\": 1 } trailing",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sf_errctx_clear(&ec);
        CHECK_EQ(sf_manifest_parse(bad[i], strlen(bad[i]), &m, &ec), SF_EMALFORMED);
        CHECK(ec.msg[0] != '\0');
    }
    /* A version longer than a SCSI revision and no "revision": a board
     * flash package.  It parses, with no revision (SCSI targets refuse it). */
    const char *flash = "{ \"format\": 1, \"vendor\": \"V\", \"product\": \"P\", \"version\": \"11.15\","
                        " \"image\": \"x\", \"images\": [ { \"name\": \"x\", \"size\": 1, \"sha256\":"
                        " \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\" } ] }";
    CHECK_EQ(sf_manifest_parse(flash, strlen(flash), &m, &ec), 0);
    CHECK_STR(m.revision, "");
    CHECK_STR(m.version, "11.15");
}

SF_TEST(manifest_round_trip)
{
    struct sf_manifest m, o;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_manifest_parse(M, strlen(M), &m, &ec), 0);
    char *t = NULL;
    size_t l = 0;
    CHECK_EQ(sf_manifest_encode(&m, &t, &l), 0);
    CHECK_EQ(sf_manifest_parse(t, l, &o, &ec), 0);
    CHECK_STR(o.min_version, "1.05");
    CHECK_EQ(o.ntargets, 1);
    CHECK(!memcmp(o.images[1].sha256, m.images[1].sha256, 32));
    free(t);
}

SF_TEST(version_order_reads_like_people_do)
{
    CHECK(sf_version_cmp("0100", "0300") < 0);
    CHECK(sf_version_cmp("1.7", "1.10") < 0);
    CHECK(sf_version_cmp("0300", "0300") == 0);
    CHECK(sf_version_cmp("2.10", "2.9") > 0);
}

/* A package of a server board's components (for its BMC). */
#define IMG(n) "{ \"name\": \"" n "\", \"size\": 10, \"sha256\": " \
    "\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\" }"
#define BOARD(extra, comps) \
    "{ \"format\": 1, \"vendor\": \"Intel*\", \"product\": \"S5520UR\", \"version\": " \
    "\"2024.11\"," extra " \"images\": [ " IMG("bios.bin") ", " IMG("bmc.bin") " ], " \
    "\"components\": " comps " }"

SF_TEST(manifest_components)
{
    static const char ok[] = BOARD("", "[ { \"component\": \"bios\", \"version\": \"R01.01.0012\", "
                                   "\"image\": \"bios.bin\" }, { \"component\": \"bmc\", "
                                   "\"version\": \"2.11.0\", \"image\": \"bmc.bin\" } ]");
    struct sf_manifest m;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_manifest_parse(ok, strlen(ok), &m, &ec), 0);
    CHECK_EQ(m.ncomponents, 2);
    CHECK_STR(m.components[1].component, "bmc");
    CHECK_STR(m.components[1].version, "2.11.0");
    CHECK_STR(m.image, ""); /* no default image needed */
    CHECK(sf_manifest_matches(&m, "Intel Corporation", "S5520UR"));
    CHECK(!sf_manifest_matches(&m, "Intel Corporation", "S5520URT"));
    /* Encoded and parsed again: the same components. */
    char *txt = NULL;
    size_t len = 0;
    CHECK_EQ(sf_manifest_encode(&m, &txt, &len), 0);
    struct sf_manifest m2;
    CHECK_EQ(sf_manifest_parse(txt, len, &m2, &ec), 0);
    CHECK_EQ(m2.ncomponents, 2);
    CHECK_STR(m2.components[0].version, "R01.01.0012");
    free(txt);
    static const struct {
        const char *text, *why;
    } bad[] = {
        { BOARD("", "[ { \"component\": \"bios\", \"version\": \"1\", \"image\": \"me.bin\" } ]"),
          "not in \"images\"" },
        { BOARD("", "[ { \"component\": \"bios\", \"version\": \"1\", \"image\": \"bios.bin\" }, "
                    "{ \"component\": \"bios\", \"version\": \"2\", \"image\": \"bmc.bin\" } ]"),
          "listed twice" },
        { BOARD("", "[ { \"component\": \"../bios\", \"version\": \"1\", \"image\": \"bios.bin\" } ]"),
          "plain name" },
        { BOARD("", "[ { \"component\": \"bios\", \"image\": \"bios.bin\" } ]"), "\"version\"" },
        { BOARD("", "[ ]"), "1 to 8" },
        { BOARD(" \"targets\": [ { \"vendor\": \"a\", \"product\": \"b\", \"image\": \"bios.bin\" } ],",
                "[ { \"component\": \"bios\", \"version\": \"1\", \"image\": \"bios.bin\" } ]"),
          "do not go together" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ec.msg[0] = '\0';
        CHECK_EQ(sf_manifest_parse(bad[i].text, strlen(bad[i].text), &m, &ec), SF_EMALFORMED);
        if (!strstr(ec.msg, bad[i].why))
            sf_test_fail(__FILE__, __LINE__, "case %zu: '%s' lacks '%s'", i, ec.msg, bad[i].why);
    }
    /* Without components the default image is still required. */
    static const char noimg[] = "{ \"format\": 1, \"vendor\": \"V\", \"product\": \"P\", "
                                "\"version\": \"1\", \"images\": [ " IMG("a.bin") " ] }";
    CHECK_EQ(sf_manifest_parse(noimg, strlen(noimg), &m, &ec), SF_EMALFORMED);
}
