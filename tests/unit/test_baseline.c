/*
 * test_baseline.c - baselines: each invariant of sf_baseline.h has a test
 * here that fails without it (the text checks, unknown keys, paths that
 * leave the mirror, keys of the wrong class, ambiguous rules), plus
 * matching, resolving, signing and loading.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/sf_baseline.h"
#include "sf_test.h"
#include "test_util.h"

/* The README tour's world. */
static const char TOUR[] =
    "{\n"
    "  \"format\": 1,\n"
    "  \"name\": \"tour-2026-12\",\n"
    "  \"description\": \"The tour's shelf, drives and board, December \\u00e9dition\",\n"
    "  \"items\": [\n"
    "    { \"match\": { \"class\": \"ses\", \"vendor\": \"SFEMU\", \"product\": \"JBOD-2U24*\" },\n"
    "      \"package\": \"ses/fw-0500.sfpkg\", \"version\": \"0500\" },\n"
    "    { \"match\": { \"class\": \"drive\", \"vendor\": \"SFEMU\", \"product\": \"SFHDD-12T\" },\n"
    "      \"package\": \"drives/hdd-a200.sfpkg\", \"version\": \"A200\" },\n"
    "    { \"match\": { \"class\": \"redfish\", \"vendor\": \"Intel*\", \"product\": \"S5520UR\" },\n"
    "      \"package\": \"boards/s5520ur-2024.11.sfpkg\", \"version\": \"2024.11\" },\n"
    "    { \"match\": { \"class\": \"redfish\", \"vendor\": \"Intel*\", \"product\": \"S5520UR\",\n"
    "                 \"component\": \"bmc\" },\n"
    "      \"package\": \"boards/s5520ur-bmc-2.11.1.sfpkg\", \"version\": \"2.11.1\" },\n"
    "    { \"match\": { \"class\": \"flash\", \"vendor\": \"Intel\", \"product\": \"S5520UR\",\n"
    "                 \"layout\": \"layouts/primary-backup.layout\" },\n"
    "      \"package\": \"boards/bios-11.15.sfpkg\", \"version\": \"11.15\" }\n"
    "  ]\n"
    "}\n";

/* One item's text with match members m and item members rest. */
#define ITEM(m, rest) "{ \"match\": { " m " }, " rest " }"
#define SES "\"class\": \"ses\", \"vendor\": \"SFEMU\", \"product\": \"JBOD-2U24*\""
#define PKG "\"package\": \"ses/fw-0500.sfpkg\", \"version\": \"0500\""
#define DOC(items) "{ \"format\": 1, \"name\": \"t\", \"items\": [ " items " ] }"

static int parse(const char *text, struct sf_baseline **bl, struct sf_errctx *ec)
{
    sf_errctx_clear(ec);
    sf_baseline_free(*bl);
    *bl = NULL;
    return sf_baseline_parse(text, strlen(text), bl, ec);
}

/* text is refused as malformed with a message holding want. */
static void refused(const char *text, const char *want, int line)
{
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    int rc = parse(text, &bl, &ec);
    if (rc != SF_EMALFORMED)
        sf_test_fail(__FILE__, line, "rc %d, want SF_EMALFORMED, for: %s", rc, text);
    else if (!strstr(ec.msg, want))
        sf_test_fail(__FILE__, line, "message \"%s\" lacks \"%s\"", ec.msg, want);
    if (bl)
        sf_test_fail(__FILE__, line, "*out set on failure");
    if (strchr(ec.msg, '\n'))
        sf_test_fail(__FILE__, line, "message is more than one line");
    sf_baseline_free(bl);
}
#define REFUSED(text, want) refused(text, want, __LINE__)

SF_TEST(baseline_parses_the_tour)
{
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(parse(TOUR, &bl, &ec), 0);
    if (!bl)
        return;
    CHECK_EQ(bl->format, 1);
    CHECK_STR(bl->name, "tour-2026-12");
    CHECK(strstr(bl->description, "\xc3\xa9" "dition") != NULL);
    CHECK_EQ(bl->nrules, 5);
    CHECK_EQ(bl->rules[0].match.cls, SF_BL_SES);
    CHECK_STR(bl->rules[0].package, "ses/fw-0500.sfpkg");
    CHECK_STR(bl->rules[0].version, "0500");
    CHECK_EQ(bl->rules[1].match.cls, SF_BL_DRIVE);
    CHECK_STR(bl->rules[2].match.component, "");
    CHECK_STR(bl->rules[3].match.component, "bmc");
    CHECK_EQ(bl->rules[4].match.cls, SF_BL_FLASH);
    CHECK_STR(bl->rules[4].match.layout, "layouts/primary-backup.layout");
    /* The exact bytes are kept: what a signature covers. */
    CHECK_EQ(bl->raw_len, strlen(TOUR));
    CHECK(bl->raw && !memcmp(bl->raw, TOUR, strlen(TOUR)));
    CHECK_EQ(bl->has_sig, 0);
    sf_baseline_free(bl);
    sf_baseline_free(NULL); /* a no-op */
    CHECK_STR(sf_baseline_class_name(SF_BL_REDFISH), "redfish");
    CHECK_STR(sf_baseline_class_name(0), "?");
    CHECK_EQ(sf_baseline_class_parse("drive"), SF_BL_DRIVE);
    CHECK_EQ(sf_baseline_class_parse("Drive"), 0);
}

/* Invariant 1: the manifest's text checks, called for baselines. */
SF_TEST(baseline_text_is_strict_utf8_without_duplicate_keys)
{
    REFUSED("{ \"format\": 1, \"name\": \"t\xc0\xaf\", \"items\": [] }", "baseline is not valid UTF-8");
    REFUSED("{ \"format\": 1, \"name\": \"\\ud800\", \"items\": [] }", "surrogate");
    REFUSED("{ \"format\": 1, \"name\": \"a\\u0000b\", \"items\": [] }", "NUL");
    REFUSED("{ \"format\": 1, \"name\": \"t\", \"name\": \"u\", \"items\": [ " ITEM(SES, PKG) " ] }",
            "baseline: key \"name\" appears twice");
    /* Nested, and written once as an escape: json-c would keep the last. */
    REFUSED(DOC(ITEM(SES ", \"v\\u0065ndor\": \"ACME\"", PKG)), "key \"vendor\" appears twice");
    REFUSED(DOC(ITEM(SES, PKG)) " x", "not valid JSON");
    REFUSED(DOC(ITEM(SES, PKG)) "{}", "not valid JSON");
    REFUSED("{ \"format\": 1, ", "not valid JSON");
    REFUSED("[ 1 ]", "must be a JSON object");
    REFUSED("", "not valid JSON");
    /* White space after the object is fine. */
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(parse(DOC(ITEM(SES, PKG)) " \n\t\r\n", &bl, &ec), 0);
    sf_baseline_free(bl);
}

/* Invariant 1: a misspelt key is refused, at every level. */
SF_TEST(baseline_refuses_unknown_keys)
{
    REFUSED("{ \"format\": 1, \"name\": \"t\", \"itmes\": [], \"items\": [ " ITEM(SES, PKG) " ] }",
            "top level: unknown key \"itmes\"");
    REFUSED(DOC(ITEM(SES, PKG ", \"min_version\": \"0100\"")), "item 1: unknown key \"min_version\"");
    REFUSED(DOC(ITEM("\"class\": \"redfish\", \"vendor\": \"I*\", \"product\": \"S\", "
                     "\"compnent\": \"bios\"", PKG)),
            "item 1: match: unknown key \"compnent\"");
}

SF_TEST(baseline_refuses_bad_values)
{
    REFUSED("{ \"format\": 2, \"name\": \"t\", \"items\": [ " ITEM(SES, PKG) " ] }",
            "format 2 is not supported");
    REFUSED("{ \"format\": \"1\", \"name\": \"t\", \"items\": [ " ITEM(SES, PKG) " ] }",
            "missing integer \"format\"");
    REFUSED("{ \"format\": 1, \"items\": [ " ITEM(SES, PKG) " ] }", "missing \"name\"");
    REFUSED("{ \"format\": 1, \"name\": \"\", \"items\": [ " ITEM(SES, PKG) " ] }", "is empty");
    REFUSED("{ \"format\": 1, \"name\": \"t\\n\", \"items\": [ " ITEM(SES, PKG) " ] }",
            "printable ASCII");
    REFUSED("{ \"format\": 1, \"name\": \"t\", \"items\": [] }", "1 to 256 rules");
    REFUSED("{ \"format\": 1, \"name\": \"t\", \"items\": {} }", "1 to 256 rules");
    REFUSED(DOC("3"), "item 1 must be an object");
    REFUSED(DOC("{ " PKG " }"), "item 1: missing object \"match\"");
    REFUSED(DOC(ITEM(SES, "\"package\": \"a.sfpkg\"")), "item 1: missing \"version\"");
    REFUSED(DOC(ITEM(SES, "\"version\": \"1\"")), "item 1: missing \"package\"");
    REFUSED(DOC(ITEM(SES, "\"package\": \"a.sfpkg\", \"version\": 1")), "must be a string");
    REFUSED(DOC(ITEM("\"class\": \"ses\", \"vendor\": \"SFEMU\"", PKG)), "missing \"product\"");
    REFUSED(DOC(ITEM("\"class\": \"disk\", \"vendor\": \"V\", \"product\": \"P\"", PKG)),
            "must be ses, drive, flash or redfish");
    /* Limits: 31 characters of vendor pattern are fine, 32 are not. */
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(parse(DOC(ITEM("\"class\": \"ses\", \"vendor\": \"0123456789012345678901234567890\", "
                            "\"product\": \"P\"", PKG)), &bl, &ec), 0);
    REFUSED(DOC(ITEM("\"class\": \"ses\", \"vendor\": \"01234567890123456789012345678901\", "
                     "\"product\": \"P\"", PKG)),
            "\"vendor\" longer than 31 bytes");
    sf_baseline_free(bl);
}

SF_TEST(baseline_item_count_and_size_limits)
{
    /* 256 distinct rules parse, 257 do not. */
    size_t cap = 300 * 160 + 200;
    char *t = malloc(cap);
    CHECK(t != NULL);
    if (!t)
        return;
    for (int n = 256; n <= 257; n++) {
        size_t l = (size_t)snprintf(t, cap, "{ \"format\": 1, \"name\": \"t\", \"items\": [");
        for (int i = 0; i < n; i++)
            l += (size_t)snprintf(t + l, cap - l, "%s{ \"match\": { \"class\": \"drive\", \"vendor\": "
                                  "\"V\", \"product\": \"P%d\" }, \"package\": \"p.sfpkg\", "
                                  "\"version\": \"1\" }", i ? "," : "", i);
        snprintf(t + l, cap - l, "] }");
        struct sf_baseline *bl = NULL;
        struct sf_errctx ec = { 0 };
        int rc = parse(t, &bl, &ec);
        CHECK_EQ(rc, n == 256 ? 0 : SF_EMALFORMED);
        if (bl)
            CHECK_EQ(bl->nrules, 256);
        sf_baseline_free(bl);
    }
    free(t);
    /* More than 1 MiB of text is refused before it is looked at. */
    size_t big = SF_BL_MAX_TEXT + 1;
    char *b = malloc(big + 1);
    CHECK(b != NULL);
    if (!b)
        return;
    memset(b, ' ', big);
    b[big] = '\0';
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_baseline_parse(b, big, &bl, &ec), SF_EMALFORMED);
    CHECK(strstr(ec.msg, "larger than 1024 KiB") != NULL);
    CHECK(bl == NULL);
    free(b);
}

/* Invariant 2: every path stays inside the mirror. */
SF_TEST(baseline_paths_stay_inside_the_mirror)
{
    static const char *const bad[] = {
        "/etc/shadow", "../x.sfpkg", "a/../../x", "a/..", "./a", "a//b", "a/", "/", ".",
        ".hidden", "a/.b", "a b", "a\\b", "a:b", "", "~/../x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (sf_baseline_path_ok(bad[i]))
            sf_test_fail(__FILE__, __LINE__, "path \"%s\" accepted", bad[i]);
    static const char *const good[] = {
        "fw.sfpkg", "ses/fw-0500.sfpkg", "a..b", "a/b.c/d_e~f", "x.", "A/B/C/D",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!sf_baseline_path_ok(good[i]))
            sf_test_fail(__FILE__, __LINE__, "path \"%s\" refused", good[i]);
    char longp[SF_BL_PATH + 1];
    memset(longp, 'a', SF_BL_PATH);
    longp[SF_BL_PATH] = '\0';
    CHECK(!sf_baseline_path_ok(longp)); /* 256 bytes */
    longp[SF_BL_PATH - 1] = '\0';
    CHECK(sf_baseline_path_ok(longp)); /* 255 */
    CHECK(!sf_baseline_path_ok(NULL));

    REFUSED(DOC(ITEM(SES, "\"package\": \"../fw.sfpkg\", \"version\": \"1\"")),
            "\"package\" must be a path inside the baseline's directory");
    REFUSED(DOC(ITEM(SES, "\"package\": \"/srv/fw.sfpkg\", \"version\": \"1\"")),
            "inside the baseline's directory");
    REFUSED(DOC(ITEM(SES, "\"package\": \"ses//fw.sfpkg\", \"version\": \"1\"")),
            "inside the baseline's directory");
    REFUSED(DOC(ITEM("\"class\": \"flash\", \"vendor\": \"V\", \"product\": \"P\", "
                     "\"layout\": \"../board.layout\"", PKG)),
            "\"layout\" must be a path inside the baseline's directory");
}

/* Invariant 4: component and layout belong to their classes. */
SF_TEST(baseline_keys_belong_to_their_class)
{
    REFUSED(DOC(ITEM(SES ", \"component\": \"bios\"", PKG)),
            "\"component\" is for class redfish only");
    REFUSED(DOC(ITEM("\"class\": \"drive\", \"vendor\": \"V\", \"product\": \"P\", "
                     "\"layout\": \"a.layout\"", PKG)),
            "\"layout\" is for class flash only");
    REFUSED(DOC(ITEM("\"class\": \"redfish\", \"vendor\": \"V\", \"product\": \"P\", "
                     "\"layout\": \"a.layout\"", PKG)),
            "\"layout\" is for class flash only");
    REFUSED(DOC(ITEM("\"class\": \"flash\", \"vendor\": \"V\", \"product\": \"P\"", PKG)),
            "class flash needs a \"layout\"");
    /* A flash target: flash only, and a flash target's syntax. */
    REFUSED(DOC(ITEM(SES ", \"target\": \"mtd:/dev/mtd0\"", PKG)),
            "\"target\" is for class flash only");
    REFUSED(DOC(ITEM("\"class\": \"flash\", \"vendor\": \"V\", \"product\": \"P\", "
                     "\"layout\": \"a.layout\", \"target\": \"/dev/sg1\"", PKG)),
            "\"target\" must be mtd:/dev/mtdN or file:PATH");
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(parse(DOC(ITEM("\"class\": \"flash\", \"vendor\": \"V\", \"product\": \"P\", "
                            "\"layout\": \"a.layout\", \"target\": \"mtd:/dev/mtd3\"", PKG)),
                   &bl, &ec), 0);
    CHECK_STR(bl ? bl->rules[0].match.target : "", "mtd:/dev/mtd3");
    sf_baseline_free(bl);
}

/* Invariant 3: two rules for the same devices are refused. */
SF_TEST(baseline_refuses_ambiguous_rules)
{
#define RF(c) "\"class\": \"redfish\", \"vendor\": \"Intel*\", \"product\": \"S5520UR\"" c
    REFUSED(DOC(ITEM(SES, PKG) ", " ITEM(SES, "\"package\": \"b.sfpkg\", \"version\": \"0600\"")),
            "items 1 and 2 match the same devices (ses \"SFEMU\" \"JBOD-2U24*\"): ambiguous");
    REFUSED(DOC(ITEM(RF(", \"component\": \"bios\""), PKG) ", " ITEM(SES, PKG) ", "
                ITEM(RF(", \"component\": \"BIOS\""), PKG)),
            "items 1 and 3 match the same devices (redfish \"Intel*\" \"S5520UR\" component "
            "BIOS): ambiguous");
    REFUSED(DOC(ITEM(RF(""), PKG) ", " ITEM(RF(""), PKG)), "ambiguous");
    /* Another class, another component or a whole-board rule beside a
     * component's: not the same key. */
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(parse(DOC(ITEM(SES, PKG) ", "
                       ITEM("\"class\": \"drive\", \"vendor\": \"SFEMU\", \"product\": "
                            "\"JBOD-2U24*\"", PKG) ", "
                       ITEM(RF(""), PKG) ", " ITEM(RF(", \"component\": \"bios\""), PKG) ", "
                       ITEM(RF(", \"component\": \"me\""), PKG)), &bl, &ec), 0);
    CHECK(bl && bl->nrules == 5);
    sf_baseline_free(bl);
#undef RF
}

SF_TEST(baseline_match_finds_the_rule_for_an_item)
{
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(parse(TOUR, &bl, &ec), 0);
    if (!bl)
        return;
    /* fnmatch patterns, SCSI's trailing spaces ignored. */
    const struct sf_bl_rule *r = sf_baseline_match(bl, SF_BL_SES, "SFEMU   ", "JBOD-2U24-ESM   ", NULL);
    CHECK(r == &bl->rules[0]);
    CHECK(sf_baseline_match(bl, SF_BL_SES, "SFEMU", "JBOD-4U60", NULL) == NULL);
    CHECK(sf_baseline_match(bl, SF_BL_SES, "ACME", "JBOD-2U24", NULL) == NULL);
    /* The class is part of the match: a drive is not an enclosure. */
    CHECK(sf_baseline_match(bl, SF_BL_DRIVE, "SFEMU", "JBOD-2U24", NULL) == NULL);
    CHECK(sf_baseline_match(bl, SF_BL_DRIVE, "SFEMU   ", "SFHDD-12T       ", "") == &bl->rules[1]);
    CHECK(sf_baseline_match(bl, SF_BL_DRIVE, "SFEMU", "SFHDD-12TB", NULL) == NULL);
    /* A rule naming the component wins over the whole-board rule before
     * it, without regard to case; other components take the board's. */
    CHECK(sf_baseline_match(bl, SF_BL_REDFISH, "Intel Corporation", "S5520UR", "BMC") ==
          &bl->rules[3]);
    CHECK(sf_baseline_match(bl, SF_BL_REDFISH, "Intel Corporation", "S5520UR", "bios") ==
          &bl->rules[2]);
    CHECK(sf_baseline_match(bl, SF_BL_REDFISH, "Intel Corporation", "S5520UR", NULL) ==
          &bl->rules[2]);
    CHECK(sf_baseline_match(bl, SF_BL_FLASH, "Intel", "S5520UR", NULL) == &bl->rules[4]);
    CHECK(sf_baseline_match(bl, SF_BL_FLASH, "Intel Corporation", "S5520UR", NULL) == NULL);
    CHECK(sf_baseline_match(bl, SF_BL_SES, NULL, "x", NULL) == NULL);
    CHECK(sf_baseline_match(NULL, SF_BL_SES, "SFEMU", "JBOD-2U24", NULL) == NULL);
    sf_baseline_free(bl);
    bl = NULL;

    /* A component rule does not apply to an item without that component;
     * of overlapping patterns the first in file order wins. */
    CHECK_EQ(parse(DOC(ITEM("\"class\": \"redfish\", \"vendor\": \"*\", \"product\": \"S*\", "
                            "\"component\": \"me\"", PKG) ", "
                       ITEM("\"class\": \"drive\", \"vendor\": \"*\", \"product\": \"SFHDD-*\"",
                            "\"package\": \"first.sfpkg\", \"version\": \"1\"") ", "
                       ITEM("\"class\": \"drive\", \"vendor\": \"SFEMU\", \"product\": \"SFHDD-12T\"",
                            "\"package\": \"second.sfpkg\", \"version\": \"1\"")), &bl, &ec), 0);
    if (!bl)
        return;
    CHECK(sf_baseline_match(bl, SF_BL_REDFISH, "Intel", "S5520UR", "bios") == NULL);
    CHECK(sf_baseline_match(bl, SF_BL_REDFISH, "Intel", "S5520UR", NULL) == NULL);
    CHECK(sf_baseline_match(bl, SF_BL_REDFISH, "Intel", "S5520UR", "ME") == &bl->rules[0]);
    r = sf_baseline_match(bl, SF_BL_DRIVE, "SFEMU", "SFHDD-12T", NULL);
    CHECK(r && !strcmp(r->package, "first.sfpkg"));
    sf_baseline_free(bl);
}

SF_TEST(baseline_resolve_joins_the_baselines_directory)
{
    char *p = NULL;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_baseline_resolve("mirror/fleet.json", "ses/fw-0500.sfpkg", &p, &ec), 0);
    CHECK_STR(p, "mirror/ses/fw-0500.sfpkg");
    free(p);
    CHECK_EQ(sf_baseline_resolve("/media/usb/mirror/fleet.json", "fw.sfpkg", &p, &ec), 0);
    CHECK_STR(p, "/media/usb/mirror/fw.sfpkg");
    free(p);
    CHECK_EQ(sf_baseline_resolve("fleet.json", "ses/fw.sfpkg", &p, &ec), 0);
    CHECK_STR(p, "ses/fw.sfpkg");
    free(p);
    CHECK_EQ(sf_baseline_resolve("/fleet.json", "fw.sfpkg", &p, &ec), 0);
    CHECK_STR(p, "/fw.sfpkg");
    free(p);
    /* Not from a parsed rule: refused, nothing returned. */
    p = (char *)"x";
    CHECK_EQ(sf_baseline_resolve("m/fleet.json", "../etc/passwd", &p, &ec), SF_EINVAL);
    CHECK(p == NULL);
    CHECK(strstr(ec.msg, "not a path inside the baseline's directory") != NULL);
    CHECK_EQ(sf_baseline_resolve("m/fleet.json", "/etc/passwd", &p, &ec), SF_EINVAL);
    CHECK_EQ(sf_baseline_resolve(NULL, "fw.sfpkg", &p, &ec), SF_EINVAL);
    CHECK_EQ(sf_baseline_resolve("m/b.json", "fw.sfpkg", NULL, &ec), SF_EINVAL);
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* dir (fresh), dir/keys/ops.pub trusted, dir/ops.key; dir/b.json = TOUR. */
static int setup(char *dir, size_t cap, char *keys, char *key, char *path, size_t pcap)
{
    char prefix[200], pub[220], dst[220];
    struct sf_errctx ec = { 0 };
    if (tu_tmpdir(dir, cap))
        return -1;
    snprintf(keys, pcap, "%s/keys", dir);
    snprintf(prefix, sizeof(prefix), "%s/ops", dir);
    snprintf(key, pcap, "%s.key", prefix);
    snprintf(pub, sizeof(pub), "%s.pub", prefix);
    snprintf(dst, sizeof(dst), "%s/ops.pub", keys);
    snprintf(path, pcap, "%s/b.json", dir);
    if (mkdir(keys, 0755) || sf_key_generate(prefix, NULL, &ec) || rename(pub, dst) ||
        chmod(dst, 0644) || write_file(path, TOUR, strlen(TOUR)))
        return -1;
    return 0;
}

/* Invariant 5: trust fails closed; unsigned is told apart. */
SF_TEST(baseline_signature_is_verified_against_the_trusted_keys)
{
    char dir[64], keys[128], key[128], path[128], id[17] = "", signer[17] = "";
    struct sf_errctx ec = { 0 };
    enum sf_bl_sig st = SF_BL_SIG_TRUSTED;
    uint8_t sig[SF_SIG_LEN];
    CHECK_EQ(setup(dir, sizeof(dir), keys, key, path, sizeof(path)), 0);
    CHECK_EQ(sf_baseline_sign(TOUR, strlen(TOUR), key, sig, id, &ec), 0);
    CHECK_EQ(strlen(id), 16);

    CHECK_EQ(sf_baseline_verify(TOUR, strlen(TOUR), sig, keys, &st, signer, &ec), 0);
    CHECK_EQ(st, SF_BL_SIG_TRUSTED);
    CHECK_STR(signer, id);

    /* Unsigned: an error, but its own state; the keys are not looked at. */
    sf_errctx_clear(&ec);
    CHECK_EQ(sf_baseline_verify(TOUR, strlen(TOUR), NULL, "/nonexistent", &st, NULL, &ec), SF_ESIG);
    CHECK_EQ(st, SF_BL_SIG_UNSIGNED);
    CHECK_STR(ec.msg, "the baseline is not signed");

    /* One byte changed: bad. */
    char *alt = strdup(TOUR);
    CHECK(alt != NULL);
    if (alt) {
        *strstr(alt, "0500") = '9';
        CHECK_EQ(sf_baseline_verify(alt, strlen(alt), sig, keys, &st, NULL, &ec), SF_ESIG);
        CHECK_EQ(st, SF_BL_SIG_BAD);
        CHECK(strstr(ec.msg, "the baseline was altered") != NULL);
        free(alt);
    }
    /* A key directory others may write: refused, with sf_verify_dir's line. */
    CHECK_EQ(chmod(keys, 0777), 0);
    CHECK_EQ(sf_baseline_verify(TOUR, strlen(TOUR), sig, keys, &st, NULL, &ec), SF_ESIG);
    CHECK_EQ(st, SF_BL_SIG_NO_KEYS);
    CHECK(strstr(ec.msg, "world-writable") != NULL);
    CHECK_EQ(chmod(keys, 0755), 0);
    /* No keys at all. */
    char empty[160];
    snprintf(empty, sizeof(empty), "%s/none", dir);
    CHECK_EQ(mkdir(empty, 0755), 0);
    CHECK_EQ(sf_baseline_verify(TOUR, strlen(TOUR), sig, empty, &st, NULL, &ec), SF_ESIG);
    CHECK_EQ(st, SF_BL_SIG_NO_KEYS);
    CHECK(strstr(ec.msg, "the baseline is signed, but no trusted Ed25519 keys") != NULL);
    CHECK_EQ(sf_baseline_verify(TOUR, strlen(TOUR), sig, NULL, &st, NULL, &ec), SF_ESIG);
    CHECK_EQ(st, SF_BL_SIG_NO_KEYS);
    CHECK_EQ(sf_baseline_verify(TOUR, strlen(TOUR), sig, keys, NULL, NULL, &ec), SF_EINVAL);

    /* A malformed baseline is not signed. */
    const char *bad = "{ \"format\": 1 }";
    CHECK_EQ(sf_baseline_sign(bad, strlen(bad), key, sig, NULL, &ec), SF_EMALFORMED);
    tu_rm_rf(dir);
}

SF_TEST(baseline_load_reads_the_file_and_its_signature)
{
    char dir[64], keys[128], key[128], path[128], sp[160], id[17] = "", signer[17] = "";
    struct sf_errctx ec = { 0 };
    struct sf_baseline *bl = NULL;
    enum sf_bl_sig st;
    CHECK_EQ(setup(dir, sizeof(dir), keys, key, path, sizeof(path)), 0);
    snprintf(sp, sizeof(sp), "%s.sig", path);

    /* No BASELINE.sig: unsigned. */
    CHECK_EQ(sf_baseline_load(path, &bl, &ec), 0);
    CHECK(bl && !bl->has_sig && bl->nrules == 5);
    sf_baseline_free(bl);
    bl = NULL;

    /* Signed by `baseline sign`: 64 bytes beside it, verified. */
    CHECK_EQ(sf_baseline_sign_file(path, key, id, &ec), 0);
    struct stat s;
    CHECK(stat(sp, &s) == 0 && s.st_size == SF_SIG_LEN);
    CHECK_EQ(sf_baseline_load(path, &bl, &ec), 0);
    CHECK(bl && bl->has_sig);
    if (bl) {
        CHECK_EQ(sf_baseline_verify(bl->raw, bl->raw_len, bl->has_sig ? bl->sig : NULL, keys,
                                    &st, signer, &ec), 0);
        CHECK_STR(signer, id);
    }
    sf_baseline_free(bl);
    bl = NULL;

    /* A signature that is there but is not one: never "unsigned". */
    CHECK_EQ(write_file(sp, "short", 5), 0);
    CHECK_EQ(sf_baseline_load(path, &bl, &ec), SF_ESIG);
    CHECK(bl == NULL);
    CHECK(strstr(ec.msg, "not a 64-byte Ed25519 signature") != NULL);
    CHECK_EQ(unlink(sp), 0);
    CHECK_EQ(mkdir(sp, 0755), 0);
    CHECK_EQ(sf_baseline_load(path, &bl, &ec), SF_EFILE);
    CHECK(bl == NULL);
    CHECK_EQ(rmdir(sp), 0);

    /* A malformed baseline: named, with the parser's line; not signed. */
    const char *badtext = "{ \"format\": 1, \"name\": \"t\", \"items\": [] }";
    CHECK_EQ(write_file(path, badtext, strlen(badtext)), 0);
    CHECK_EQ(sf_baseline_load(path, &bl, &ec), SF_EMALFORMED);
    CHECK(!strncmp(ec.msg, path, strlen(path)) && strstr(ec.msg, "1 to 256 rules"));
    CHECK_EQ(sf_baseline_sign_file(path, key, NULL, &ec), SF_EMALFORMED);
    CHECK(access(sp, F_OK) != 0);

    /* Missing, or not a regular file. */
    char missing[160];
    snprintf(missing, sizeof(missing), "%s/nope.json", dir);
    CHECK_EQ(sf_baseline_load(missing, &bl, &ec), SF_EFILE);
    CHECK_EQ(sf_baseline_load(dir, &bl, &ec), SF_EFILE);
    CHECK_EQ(sf_baseline_sign_file(missing, key, NULL, &ec), SF_EFILE);
    CHECK(bl == NULL);
    tu_rm_rf(dir);
}
