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

/* A valid manifest with `notes` as its release notes (raw JSON string
 * contents) and `extra` spliced in after the version. */
static char *with(const char *notes, const char *extra)
{
    static char buf[2048];
    snprintf(buf, sizeof(buf),
             "{ \"format\": 1, \"vendor\": \"V\", \"product\": \"P\", \"version\": \"1\",%s"
             " \"release_notes\": \"%s\", \"image\": \"x\", \"images\": [ { \"name\": \"x\","
             " \"size\": 1, \"sha256\":"
             " \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\" } ] }",
             extra, notes);
    return buf;
}

static int parse(const char *t, struct sf_errctx *ec)
{
    struct sf_manifest m;
    sf_errctx_clear(ec);
    return sf_manifest_parse(t, strlen(t), &m, ec);
}

SF_TEST(manifest_refuses_bytes_that_are_not_utf8)
{
    struct sf_errctx ec = { 0 };
    /* Valid: 2-, 3- and 4-byte sequences, and their escapes. */
    CHECK_EQ(parse(with("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \\u00e9 \\ud834\\udd1e", ""),
                   &ec), 0);
    const char *bad[] = {
        "\xff",                 /* never in UTF-8 */
        "\xc3",                 /* cut short (the quote follows) */
        "\xc0\xaf",             /* overlong '/' */
        "\xe0\x80\xaf",         /* overlong, 3 bytes */
        "\xed\xa0\x80",         /* a UTF-16 surrogate */
        "\xf4\x90\x80\x80",     /* above U+10FFFF */
        "\xf8\x88\x80\x80\x80", /* 5 bytes */
        "a\x80",                /* a lone continuation byte */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ(parse(with(bad[i], ""), &ec), SF_EMALFORMED);
        CHECK(strstr(ec.msg, "not valid UTF-8 (byte 0x") != NULL);
    }
    /* Anywhere, not only in strings json-c hands back: a key, white space. */
    CHECK_EQ(parse(with("", " \"k\xff\": 1,"), &ec), SF_EMALFORMED);
    CHECK(strstr(ec.msg, "UTF-8") != NULL);
    /* Escapes that are no character. */
    CHECK_EQ(parse(with("\\ud800", ""), &ec), SF_EMALFORMED);
    CHECK(strstr(ec.msg, "surrogate") != NULL);
    CHECK_EQ(parse(with("\\udc00\\ud800", ""), &ec), SF_EMALFORMED);
    CHECK_EQ(parse(with("\\ud800x", ""), &ec), SF_EMALFORMED);
    CHECK_EQ(parse(with("a\\u0000b", ""), &ec), SF_EMALFORMED);
    CHECK(strstr(ec.msg, "NUL") != NULL);
}

SF_TEST(manifest_refuses_a_key_named_twice_at_any_depth)
{
    struct sf_errctx ec = { 0 };
    /* The signed text says version 1; json-c would keep the second. */
    CHECK_EQ(parse(with("", " \"version\": \"9\","), &ec), SF_EMALFORMED);
    CHECK_STR(ec.msg, "manifest: key \"version\" appears twice in one object");
    /* The same key, spelled with an escape. */
    CHECK_EQ(parse(with("", " \"\\u0076ersion\": \"9\","), &ec), SF_EMALFORMED);
    CHECK(strstr(ec.msg, "\"version\" appears twice") != NULL);
    /* Inside an image object, inside the array. */
    const char *nested =
        "{ \"format\": 1, \"vendor\": \"V\", \"product\": \"P\", \"version\": \"1\","
        " \"image\": \"x\", \"images\": [ { \"name\": \"x\", \"size\": 1, \"size\": 2, \"sha256\":"
        " \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\" } ] }";
    CHECK_EQ(parse(nested, &ec), SF_EMALFORMED);
    CHECK(strstr(ec.msg, "\"size\" appears twice") != NULL);
    /* Unknown fields too, deep down: json-c would still have dropped one. */
    CHECK_EQ(parse(with("", " \"x\": { \"y\": [ { \"z\": 1, \"z\": 1 } ] },"), &ec),
             SF_EMALFORMED);
    CHECK(strstr(ec.msg, "\"z\" appears twice") != NULL);
    /* Not duplicates: one key per object, the same key in sibling and
     * nested objects, keys that share a prefix, a key's text as a value,
     * braces and quotes inside strings. */
    CHECK_EQ(parse(with("{\\\"version\\\": 1} \\\"name\\\"",
                        " \"x\": { \"version\": 1, \"v\": { \"version\": 2 } },"
                        " \"y\": [ { \"a\": 1 }, { \"a\": 2 } ], \"versio\": \"version\","),
                   &ec), 0);
    CHECK_STR(ec.msg, "");
}

SF_TEST(manifest_text_check_is_safe_on_anything)
{
    struct sf_errctx ec = { 0 };
    /* Broken text: an error, never a read past the end. */
    const char *broken[] = { "{", "{\"a", "{\"a\\", "{\"a\\u12", "[}", "}", "{\"\\ud800\\u",
                             "\"\\q\"" };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        sf_errctx_clear(&ec);
        CHECK_EQ(sf_manifest_text_check(broken[i], strlen(broken[i]), &ec), SF_EMALFORMED);
    }
    CHECK_EQ(sf_manifest_text_check("", 0, &ec), 0);
    CHECK_EQ(sf_manifest_text_check("{\"a\":{\"a\":{\"a\":1}}}", 19, &ec), 0);
    /* Nesting deeper than the checker follows. */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    CHECK_EQ(sf_manifest_text_check(deep, sizeof(deep), &ec), SF_EMALFORMED);
    CHECK(strstr(ec.msg, "nested deeper") != NULL);
}
