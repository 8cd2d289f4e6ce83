/* fuzz_baseline.c - baseline parser: whatever parses keeps every invariant
 * of sf_baseline.h (paths inside the mirror, keys of their class, no two
 * rules for the same devices), its rules resolve inside the baseline's
 * directory, and a literal rule matches the device it names. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fleet/sf_baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when s holds no fnmatch(3) special character and no trailing space:
 * then the pattern matches the value written the same way. */
static int literal(const char *s)
{
    size_t l = strlen(s);
    return !strpbrk(s, "*?[\\") && (!l || s[l - 1] != ' ');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sf_baseline *bl = NULL;
    struct sf_errctx ec = { 0 };
    if (sf_baseline_parse((const char *)data, size, &bl, &ec) != 0) {
        if (bl || !ec.msg[0])
            abort(); /* a refusal returns nothing and says why */
        return 0;
    }
    if (!bl || bl->format != SF_BL_FORMAT || !bl->nrules || bl->nrules > SF_BL_MAX_ITEMS ||
        bl->raw_len != size || memcmp(bl->raw, data, size))
        abort();
    for (size_t i = 0; i < bl->nrules; i++) {
        const struct sf_bl_rule *r = &bl->rules[i];
        const struct sf_bl_match *m = &r->match;
        if (!sf_baseline_path_ok(r->package) || !r->version[0] || !m->vendor[0] ||
            !m->product[0] || (m->cls == SF_BL_FLASH) != (m->layout[0] != '\0') ||
            (m->layout[0] && !sf_baseline_path_ok(m->layout)) ||
            (m->component[0] && m->cls != SF_BL_REDFISH))
            abort();
        for (size_t j = 0; j < i; j++) {
            const struct sf_bl_match *o = &bl->rules[j].match;
            if (o->cls == m->cls && !strcmp(o->vendor, m->vendor) &&
                !strcmp(o->product, m->product) && !strcasecmp(o->component, m->component))
                abort();
        }
        char *p = NULL;
        if (sf_baseline_resolve("mirror/b.json", r->package, &p, &ec) != 0 ||
            strncmp(p, "mirror/", 7) || strstr(p, "/.") || strstr(p, "//"))
            abort();
        free(p);
        if (literal(m->vendor) && literal(m->product)) {
            const struct sf_bl_rule *got = sf_baseline_match(bl, m->cls, m->vendor, m->product,
                                                             m->component);
            if (!got || got->match.cls != m->cls)
                abort();
        }
    }
    enum sf_bl_sig st;
    if (sf_baseline_verify(bl->raw, bl->raw_len, NULL, "/nonexistent", &st, NULL, &ec) !=
            SF_ESIG || st != SF_BL_SIG_UNSIGNED)
        abort();
    sf_baseline_free(bl);
    return 0;
}
