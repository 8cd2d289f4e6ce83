/*
 * sf_baseline.c - baseline codec, signature and matching.  See
 * sf_baseline.h (its numbered invariants are what this file enforces) and
 * docs/baseline.md.
 *
 * The text checks a signature depends on (strict UTF-8, no duplicate keys)
 * are the manifest's own scanner, sf_manifest_text_check(), called here so
 * that packages and baselines can never disagree about what bytes mean.
 */
#define _GNU_SOURCE
#include "sf_baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/sf_manifest.h"
#include "util/sf_file.h"

void sf_baseline_free(struct sf_baseline *bl)
{
    if (!bl)
        return;
    free(bl->rules);
    free(bl->raw);
    free(bl);
}

static const char *const class_names[] = {
    [SF_BL_SES] = "ses", [SF_BL_DRIVE] = "drive", [SF_BL_FLASH] = "flash",
    [SF_BL_REDFISH] = "redfish",
};

const char *sf_baseline_class_name(enum sf_bl_class cls)
{
    return cls >= SF_BL_SES && cls <= SF_BL_REDFISH ? class_names[cls] : "?";
}

enum sf_bl_class sf_baseline_class_parse(const char *name)
{
    for (int c = SF_BL_SES; name && c <= SF_BL_REDFISH; c++)
        if (!strcmp(name, class_names[c]))
            return (enum sf_bl_class)c;
    return 0;
}

int sf_baseline_path_ok(const char *rel)
{
    if (!rel || !*rel || strlen(rel) >= SF_BL_PATH)
        return 0;
    /* At the start of each component: not '/', not '.' (so not absolute,
     * no empty component, no "." or ".." and no hidden files). */
    int start = 1;
    for (const char *p = rel; *p; p++) {
        char c = *p;
        if (start && (c == '/' || c == '.'))
            return 0;
        start = c == '/';
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '~' || c == '-' || c == '/'))
            return 0;
    }
    return !start; /* no trailing '/': the last component is not empty */
}

/* ---- parsing ---- */

static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* Refuse keys of o that are not in allowed (NULL terminated): invariant 1. */
static int known_keys(json_object *o, const char *const *allowed, const char *where,
                      struct sf_errctx *ec)
{
    struct json_object_iter it;
    json_object_object_foreachC(o, it) {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], it.key))
            i++;
        if (!allowed[i]) {
            char shown[40];
            size_t m = 0;
            for (const char *k = it.key; *k && m + 1 < sizeof(shown); k++)
                shown[m++] = (unsigned char)*k >= 0x20 && (unsigned char)*k < 0x7f &&
                                     *k != '"' ? *k : '?';
            shown[m] = '\0';
            return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: unknown key \"%s%s\"", where,
                              shown, strlen(it.key) > m ? "..." : "");
        }
    }
    return 0;
}

/* A string member: copied into dst (cap bytes with the NUL); "" when
 * absent and not required.  Printable ASCII unless any_text. */
static int str_field(json_object *o, const char *key, char *dst, size_t cap, int required,
                     int any_text, const char *where, struct sf_errctx *ec)
{
    json_object *v;
    dst[0] = '\0';
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: missing \"%s\"", where, key);
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"%s\" must be a string", where,
                          key);
    const char *s = json_object_get_string(v);
    size_t l = (size_t)json_object_get_string_len(v);
    if (l >= cap || strlen(s) != l)
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"%s\" longer than %zu bytes",
                          where, key, cap - 1);
    if (!l && !any_text)
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"%s\" is empty", where, key);
    if (!any_text && !printable(s))
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"%s\" must be printable ASCII",
                          where, key);
    memcpy(dst, s, l + 1);
    return 0;
}

static int path_field(json_object *o, const char *key, char *dst, int required,
                      const char *where, struct sf_errctx *ec)
{
    int rc = str_field(o, key, dst, SF_BL_PATH, required, 0, where, ec);
    if (!rc && dst[0] && !sf_baseline_path_ok(dst))
        rc = sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"%s\" must be a path inside the "
                        "baseline's directory: relative, no \"..\", no empty or hidden "
                        "components, only [A-Za-z0-9._~-] and '/' (\"%s\")", where, key, dst);
    return rc;
}

static const char *const ROOT_KEYS[] = { "format", "name", "description", "items", NULL };
static const char *const ITEM_KEYS[] = { "match", "package", "version", NULL };
static const char *const MATCH_KEYS[] = { "class", "vendor", "product", "component", "layout",
                                          "target", NULL };

static int parse_rule(json_object *e, size_t i, struct sf_bl_rule *r, struct sf_errctx *ec)
{
    char where[48];
    snprintf(where, sizeof(where), "item %zu", i + 1);
    json_object *m;
    int rc;
    if (!json_object_is_type(e, json_type_object))
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s must be an object", where);
    if ((rc = known_keys(e, ITEM_KEYS, where, ec)))
        return rc;
    if (!json_object_object_get_ex(e, "match", &m) || !json_object_is_type(m, json_type_object))
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: missing object \"match\"", where);
    if ((rc = path_field(e, "package", r->package, 1, where, ec)) ||
        (rc = str_field(e, "version", r->version, sizeof(r->version), 1, 0, where, ec)))
        return rc;
    snprintf(where, sizeof(where), "item %zu: match", i + 1);
    if ((rc = known_keys(m, MATCH_KEYS, where, ec)))
        return rc;
    char cls[16];
    struct sf_bl_match *mt = &r->match;
    if ((rc = str_field(m, "class", cls, sizeof(cls), 1, 0, where, ec)) ||
        (rc = str_field(m, "vendor", mt->vendor, sizeof(mt->vendor), 1, 0, where, ec)) ||
        (rc = str_field(m, "product", mt->product, sizeof(mt->product), 1, 0, where, ec)) ||
        (rc = str_field(m, "component", mt->component, sizeof(mt->component), 0, 0, where,
                        ec)) ||
        (rc = path_field(m, "layout", mt->layout, 0, where, ec)) ||
        (rc = str_field(m, "target", mt->target, sizeof(mt->target), 0, 0, where, ec)))
        return rc;
    mt->cls = sf_baseline_class_parse(cls);
    if (!mt->cls)
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"class\" must be ses, drive, "
                          "flash or redfish (not \"%s\")", where, cls);
    /* Invariant 4: a key belongs to its class. */
    if (mt->component[0] && mt->cls != SF_BL_REDFISH)
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"component\" is for class "
                          "redfish only (a %s has no components)", where, cls);
    if (mt->layout[0] && mt->cls != SF_BL_FLASH)
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"layout\" is for class flash "
                          "only", where);
    if (mt->target[0] && mt->cls != SF_BL_FLASH)
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"target\" is for class flash "
                          "only (SCSI devices are found, boards are named)", where);
    if (mt->target[0] && strncmp(mt->target, "mtd:", 4) && strncmp(mt->target, "file:", 5))
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: \"target\" must be mtd:/dev/mtdN "
                          "or file:PATH (not \"%s\")", where, mt->target);
    if (!mt->layout[0] && mt->cls == SF_BL_FLASH)
        return sf_err_set(ec, SF_EMALFORMED, "baseline: %s: class flash needs a \"layout\" "
                          "(a flash is read through its layout)", where);
    return 0;
}

/* Invariant 3: the same match key twice. */
static int same_key(const struct sf_bl_match *a, const struct sf_bl_match *b)
{
    return a->cls == b->cls && !strcmp(a->vendor, b->vendor) &&
           !strcmp(a->product, b->product) && !strcasecmp(a->component, b->component);
}

/* The manifest scanner's line, about a baseline: its messages all begin
 * with "manifest". */
static int text_check(const char *text, size_t len, struct sf_errctx *ec)
{
    struct sf_errctx tec = { 0 };
    int rc = sf_manifest_text_check(text, len, &tec);
    if (!rc)
        return 0;
    if (!strncmp(tec.msg, "manifest", 8))
        return sf_err_set(ec, rc, "baseline%s", tec.msg + 8);
    return sf_err_set(ec, rc, "%s", tec.msg[0] ? tec.msg : "baseline: cannot be checked");
}

int sf_baseline_parse(const char *text, size_t len, struct sf_baseline **out,
                      struct sf_errctx *ec)
{
    if (!text || !out)
        return SF_EINVAL;
    *out = NULL;
    if (len > SF_BL_MAX_TEXT)
        return sf_err_set(ec, SF_EMALFORMED, "baseline larger than %d KiB",
                          SF_BL_MAX_TEXT / 1024);
    int rc = text_check(text, len, ec);
    if (rc)
        return rc;
    struct sf_baseline *bl = calloc(1, sizeof(*bl));
    json_tokener *tok = json_tokener_new_ex(16);
    json_object *root = NULL;
    if (!bl || !tok) {
        rc = SF_ENOMEM;
        goto out;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    root = json_tokener_parse_ex(tok, text, (int)len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success) {
        rc = sf_err_set(ec, SF_EMALFORMED, "baseline is not valid JSON");
        goto out;
    }
    /* Invariant 1: nothing but white space after the object. */
    for (size_t i = (size_t)json_tokener_get_parse_end(tok); i < len; i++)
        if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t') {
            rc = sf_err_set(ec, SF_EMALFORMED, "baseline is not valid JSON (bytes after the "
                            "object, at offset %zu)", i);
            goto out;
        }
    if (!json_object_is_type(root, json_type_object)) {
        rc = sf_err_set(ec, SF_EMALFORMED, "baseline must be a JSON object");
        goto out;
    }
    if ((rc = known_keys(root, ROOT_KEYS, "top level", ec)))
        goto out;
    json_object *v;
    if (!json_object_object_get_ex(root, "format", &v) || !json_object_is_type(v, json_type_int)) {
        rc = sf_err_set(ec, SF_EMALFORMED, "baseline: missing integer \"format\"");
        goto out;
    }
    int64_t fmt = json_object_get_int64(v);
    if (fmt != SF_BL_FORMAT) {
        rc = sf_err_set(ec, SF_EMALFORMED, "baseline format %lld is not supported (this "
                        "safeflash reads format %d)", (long long)fmt, SF_BL_FORMAT);
        goto out;
    }
    bl->format = SF_BL_FORMAT;
    if ((rc = str_field(root, "name", bl->name, sizeof(bl->name), 1, 0, "top level", ec)) ||
        (rc = str_field(root, "description", bl->description, sizeof(bl->description), 0, 1,
                        "top level", ec)))
        goto out;
    json_object *items;
    size_t n = 0;
    if (!json_object_object_get_ex(root, "items", &items) ||
        !json_object_is_type(items, json_type_array) ||
        (n = json_object_array_length(items)) == 0 || n > SF_BL_MAX_ITEMS) {
        rc = sf_err_set(ec, SF_EMALFORMED, "baseline: \"items\" must list 1 to %d rules",
                        SF_BL_MAX_ITEMS);
        goto out;
    }
    bl->rules = calloc(n, sizeof(*bl->rules));
    if (!bl->rules) {
        rc = SF_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct sf_bl_rule *r = &bl->rules[i];
        if ((rc = parse_rule(json_object_array_get_idx(items, i), i, r, ec)))
            goto out;
        for (size_t j = 0; j < i; j++)
            if (same_key(&bl->rules[j].match, &r->match)) {
                rc = sf_err_set(ec, SF_EMALFORMED, "baseline: items %zu and %zu match the same "
                                "devices (%s \"%s\" \"%s\"%s%s): ambiguous", j + 1, i + 1,
                                sf_baseline_class_name(r->match.cls), r->match.vendor,
                                r->match.product, r->match.component[0] ? " component " : "",
                                r->match.component);
                goto out;
            }
        bl->nrules++;
    }
    bl->raw = malloc(len + 1);
    if (!bl->raw) {
        rc = SF_ENOMEM;
        goto out;
    }
    memcpy(bl->raw, text, len);
    bl->raw[len] = '\0';
    bl->raw_len = len;
out:
    json_object_put(root);
    if (tok)
        json_tokener_free(tok);
    if (rc) {
        sf_baseline_free(bl);
        return rc;
    }
    *out = bl;
    return 0;
}

/* ---- files ---- */

static int sig_path(const char *path, char *out, size_t cap, struct sf_errctx *ec)
{
    if ((size_t)snprintf(out, cap, "%s.sig", path) >= cap)
        return sf_err_set(ec, SF_EFILE, "%s: path too long", path);
    return 0;
}

int sf_baseline_load(const char *path, struct sf_baseline **out, struct sf_errctx *ec)
{
    if (!path || !out)
        return SF_EINVAL;
    *out = NULL;
    uint8_t *text = NULL, *sig = NULL;
    size_t len = 0, slen = 0;
    struct sf_errctx fec = { 0 };
    char sp[4200];
    int has_sig = 0;
    int rc = sf_file_read(path, 0, SF_BL_MAX_TEXT, &text, &len, &fec);
    if (rc == SF_ERANGE)
        return sf_err_set(ec, SF_EMALFORMED, "%s: baseline larger than %d KiB", path,
                          SF_BL_MAX_TEXT / 1024);
    if (rc)
        return sf_err_set(ec, rc, "%s", fec.msg);
    if ((rc = sig_path(path, sp, sizeof(sp), ec)))
        goto out;
    /* Only a signature that is not there makes an unsigned baseline: one
     * that is there but cannot be read is an error, never "unsigned". */
    struct stat st;
    if (lstat(sp, &st) == 0 || errno != ENOENT) {
        rc = sf_file_read(sp, 0, SF_SIG_LEN, &sig, &slen, &fec);
        if (rc == SF_ERANGE || (!rc && slen != SF_SIG_LEN)) {
            rc = sf_err_set(ec, SF_ESIG, "%s: not a %d-byte Ed25519 signature", sp, SF_SIG_LEN);
            goto out;
        }
        if (rc) {
            rc = sf_err_set(ec, rc, "%s", fec.msg);
            goto out;
        }
        has_sig = 1;
    }
    struct sf_errctx pec = { 0 };
    struct sf_baseline *bl = NULL;
    rc = sf_baseline_parse((const char *)text, len, &bl, &pec);
    if (rc) {
        rc = sf_err_set(ec, rc, "%s: %s", path, pec.msg);
        goto out;
    }
    if (has_sig) {
        memcpy(bl->sig, sig, SF_SIG_LEN);
        bl->has_sig = 1;
    }
    *out = bl;
out:
    free(text);
    free(sig);
    return rc;
}

int sf_baseline_verify(const char *text, size_t len, const uint8_t *sig, const char *keydir,
                       enum sf_bl_sig *state, char signer[17], struct sf_errctx *ec)
{
    if (!state)
        return SF_EINVAL;
    *state = SF_BL_SIG_UNSIGNED;
    if (!text)
        return SF_EINVAL;
    if (!sig)
        return sf_err_set(ec, SF_ESIG, "the baseline is not signed");
    if (!keydir) {
        *state = SF_BL_SIG_NO_KEYS;
        return sf_err_set(ec, SF_ESIG, "the baseline is signed, but no trusted key directory "
                          "was given");
    }
    struct sf_errctx vec = { 0 };
    char id[17] = "";
    int rc = sf_verify_dir(keydir, (const uint8_t *)text, len, sig, id, &vec);
    if (!rc) {
        *state = SF_BL_SIG_TRUSTED;
        if (signer)
            memcpy(signer, id, sizeof(id));
        return 0;
    }
    if (rc == SF_ESIG) {
        *state = SF_BL_SIG_BAD;
        /* sf_verify_dir speaks of a manifest. */
        return sf_err_set(ec, SF_ESIG, "the baseline's signature does not verify with any "
                          "trusted key in %s (signed by another key, or the baseline was "
                          "altered)", keydir);
    }
    *state = SF_BL_SIG_NO_KEYS;
    if (rc == SF_ENODEV)
        return sf_err_set(ec, SF_ESIG, "the baseline is signed, but %s", vec.msg);
    return sf_err_set(ec, SF_ESIG, "%s", vec.msg);
}

int sf_baseline_sign(const char *text, size_t len, const char *keyfile,
                     uint8_t sig[SF_SIG_LEN], char keyid[17], struct sf_errctx *ec)
{
    if (!text || !keyfile || !sig)
        return SF_EINVAL;
    struct sf_baseline *bl = NULL;
    int rc = sf_baseline_parse(text, len, &bl, ec);
    sf_baseline_free(bl);
    if (rc)
        return rc;
    return sf_sign(keyfile, (const uint8_t *)text, len, sig, keyid, ec);
}

int sf_baseline_sign_file(const char *path, const char *keyfile, char keyid[17],
                          struct sf_errctx *ec)
{
    if (!path || !keyfile)
        return SF_EINVAL;
    uint8_t *text = NULL;
    size_t len = 0;
    struct sf_errctx fec = { 0 };
    int rc = sf_file_read(path, 0, SF_BL_MAX_TEXT, &text, &len, &fec);
    if (rc == SF_ERANGE)
        return sf_err_set(ec, SF_EMALFORMED, "%s: baseline larger than %d KiB", path,
                          SF_BL_MAX_TEXT / 1024);
    if (rc)
        return sf_err_set(ec, rc, "%s", fec.msg);
    uint8_t sig[SF_SIG_LEN];
    struct sf_errctx sec = { 0 };
    rc = sf_baseline_sign((const char *)text, len, keyfile, sig, keyid, &sec);
    free(text);
    if (rc == SF_EMALFORMED)
        return sf_err_set(ec, rc, "%s: %s", path, sec.msg);
    if (rc)
        return sf_err_set(ec, rc, "%s", sec.msg);
    char sp[4200], tmp[4300];
    if ((rc = sig_path(path, sp, sizeof(sp), ec)))
        return rc;
    /* A temporary name of our own (O_EXCL), renamed over PATH.sig: a
     * reader sees the old signature or the new one, never half of one. */
    snprintf(tmp, sizeof(tmp), "%s.XXXXXX", sp);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return sf_err_set(ec, SF_EFILE, "%s: cannot create: %s", sp, strerror(errno));
    int ok = fchmod(fd, 0644) == 0 && write(fd, sig, SF_SIG_LEN) == SF_SIG_LEN &&
             fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && rename(tmp, sp) != 0) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        unlink(tmp);
        return sf_err_set(ec, SF_EFILE, "%s: cannot write: %s", sp, strerror(e));
    }
    /* The rename itself durable: fsync the directory. */
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s", sp);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* ---- matching ---- */

/* fnmatch(3) of pattern against value with trailing spaces removed (SCSI
 * pads vendor and product with them). */
static int pattern_match(const char *pattern, const char *value)
{
    size_t l = strlen(value);
    while (l && value[l - 1] == ' ')
        l--;
    if (!value[l])
        return fnmatch(pattern, value, 0) == 0;
    /* Trimmed whole, never cut short: a cut value could end the way a
     * pattern wants while the value does not. */
    char *v = strndup(value, l);
    int yes = v && fnmatch(pattern, v, 0) == 0;
    free(v);
    return yes;
}

const struct sf_bl_rule *sf_baseline_match(const struct sf_baseline *bl, enum sf_bl_class cls,
                                           const char *vendor, const char *product,
                                           const char *component)
{
    if (!bl || !vendor || !product)
        return NULL;
    const char *comp = component ? component : "";
    const struct sf_bl_rule *any = NULL;
    for (size_t i = 0; i < bl->nrules; i++) {
        const struct sf_bl_rule *r = &bl->rules[i];
        if (r->match.cls != cls || !pattern_match(r->match.vendor, vendor) ||
            !pattern_match(r->match.product, product))
            continue;
        if (!r->match.component[0]) {
            if (!any)
                any = r;
        } else if (comp[0] && !strcasecmp(r->match.component, comp)) {
            return r; /* the component named wins */
        }
    }
    return any;
}

int sf_baseline_resolve(const char *baseline_path, const char *rel, char **out,
                        struct sf_errctx *ec)
{
    if (!out)
        return SF_EINVAL;
    *out = NULL;
    if (!baseline_path || !*baseline_path || !sf_baseline_path_ok(rel))
        return sf_err_set(ec, SF_EINVAL, "\"%s\" is not a path inside the baseline's "
                          "directory", rel ? rel : "(null)");
    const char *slash = strrchr(baseline_path, '/');
    size_t dlen = slash ? (size_t)(slash - baseline_path) : 0;
    /* "/b.json": the directory is "/", kept as its one slash. */
    int root = slash == baseline_path;
    size_t n = dlen + (slash ? 1 : 0) + strlen(rel) + 1;
    char *p = malloc(n);
    if (!p)
        return SF_ENOMEM;
    if (slash)
        snprintf(p, n, "%.*s/%s", root ? 0 : (int)dlen, baseline_path, rel);
    else
        snprintf(p, n, "%s", rel);
    *out = p;
    return 0;
}
