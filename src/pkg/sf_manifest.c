/*
 * sf_manifest.c - manifest codec.  See sf_manifest.h.
 */
#define _GNU_SOURCE
#include "sf_manifest.h"

#include <fnmatch.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/sf_crypto.h"

int sf_version_cmp(const char *a, const char *b)
{
    /* glibc's strverscmp orders digit runs numerically. */
    return strverscmp(a, b);
}

int sf_manifest_name_ok(const char *n)
{
    if (!n || !*n || n[0] == '.' || strlen(n) >= SF_MAN_NAME)
        return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* ---- what json-c does not check in the text ----
 *
 * The signature covers the manifest's bytes, and what safeflash acts on is
 * what json-c makes of them.  Two things would let the bytes say more than
 * one thing: bytes that are not UTF-8 (other readers repair or reject them
 * differently), and an object that names a key twice - json-c keeps the
 * last, another reader the first.  Both are refused, at any depth.
 */

/* Offset of the first byte of text that is not strict UTF-8 (RFC 3629: no
 * overlong forms, no UTF-16 surrogates, nothing above U+10FFFF), or len. */
static size_t utf8_bad(const unsigned char *t, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = t[i];
        size_t n;
        unsigned lo = 0x80, hi = 0xbf; /* the range of the first continuation byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0)
                lo = 0x90; /* overlong */
            else if (c == 0xf4)
                hi = 0x8f; /* above U+10FFFF */
        } else {
            return i;
        }
        if (len - i - 1 < n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            unsigned b = t[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
                return i;
        }
        i += n + 1;
    }
    return len;
}

/* One key of an object being scanned: its decoded bytes in the key buffer. */
struct jkey {
    size_t off, len;
};

struct jscan {
    const char *t;
    size_t len, i;
    char *buf;                  /* decoded keys of the open objects */
    size_t nbuf, capbuf;
    struct jkey *keys;          /* keys of the open objects, innermost last */
    size_t nkeys, capkeys;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at t[i..]: the value, or -1. */
static long hex4(const struct jscan *s, size_t i)
{
    if (i > s->len || s->len - i < 4)
        return -1;
    long v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = hexval(s->t[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static int put(struct jscan *s, const char *b, size_t n)
{
    if (s->capbuf - s->nbuf < n) {
        size_t cap = s->capbuf ? s->capbuf : 256;
        while (cap - s->nbuf < n)
            cap *= 2;
        char *nb = realloc(s->buf, cap);
        if (!nb)
            return SF_ENOMEM;
        s->buf = nb;
        s->capbuf = cap;
    }
    memcpy(s->buf + s->nbuf, b, n);
    s->nbuf += n;
    return 0;
}

/* The string starting at the '"' at s->i: decoded into the key buffer when
 * keep (its bytes from *off, *klen long), skipped otherwise.  Ends past the
 * closing quote.  0, SF_EMALFORMED (an escape that is not a character:
 * a lone surrogate, NUL), SF_ENOMEM. */
static int scan_string(struct jscan *s, int keep, size_t *off, size_t *klen,
                       struct sf_errctx *ec)
{
    size_t start = s->nbuf;
    s->i++; /* the opening quote */
    while (s->i < s->len && s->t[s->i] != '"') {
        char c = s->t[s->i];
        if (c != '\\') {
            size_t run = s->i;
            while (s->i < s->len && s->t[s->i] != '"' && s->t[s->i] != '\\')
                s->i++;
            if (keep && put(s, s->t + run, s->i - run))
                return SF_ENOMEM;
            continue;
        }
        if (s->i + 1 >= s->len)
            return sf_err_set(ec, SF_EMALFORMED, "manifest is not valid JSON");
        char e = s->t[s->i + 1], out[4];
        size_t n = 1;
        s->i += 2;
        switch (e) {
        case '"': case '\\': case '/': out[0] = e; break;
        case 'b': out[0] = '\b'; break;
        case 'f': out[0] = '\f'; break;
        case 'n': out[0] = '\n'; break;
        case 'r': out[0] = '\r'; break;
        case 't': out[0] = '\t'; break;
        case 'u': {
            long u = hex4(s, s->i);
            if (u < 0)
                return sf_err_set(ec, SF_EMALFORMED, "manifest is not valid JSON");
            s->i += 4;
            if (u >= 0xdc00 && u <= 0xdfff)
                return sf_err_set(ec, SF_EMALFORMED, "manifest: a \\u escape is a lone UTF-16 "
                                  "surrogate, not a character");
            if (u >= 0xd800 && u <= 0xdbff) {
                long l = s->i + 1 < s->len && s->t[s->i] == '\\' && s->t[s->i + 1] == 'u'
                             ? hex4(s, s->i + 2) : -1;
                if (l < 0xdc00 || l > 0xdfff)
                    return sf_err_set(ec, SF_EMALFORMED, "manifest: a \\u escape is a lone "
                                      "UTF-16 surrogate, not a character");
                s->i += 6;
                u = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00);
            }
            if (u == 0)
                return sf_err_set(ec, SF_EMALFORMED, "manifest: a string holds NUL (\\u0000)");
            if (u < 0x80) {
                out[0] = (char)u;
            } else if (u < 0x800) {
                out[0] = (char)(0xc0 | (u >> 6));
                out[1] = (char)(0x80 | (u & 0x3f));
                n = 2;
            } else if (u < 0x10000) {
                out[0] = (char)(0xe0 | (u >> 12));
                out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
                out[2] = (char)(0x80 | (u & 0x3f));
                n = 3;
            } else {
                out[0] = (char)(0xf0 | (u >> 18));
                out[1] = (char)(0x80 | ((u >> 12) & 0x3f));
                out[2] = (char)(0x80 | ((u >> 6) & 0x3f));
                out[3] = (char)(0x80 | (u & 0x3f));
                n = 4;
            }
            break;
        }
        default:
            return sf_err_set(ec, SF_EMALFORMED, "manifest is not valid JSON");
        }
        if (keep && put(s, out, n))
            return SF_ENOMEM;
    }
    if (s->i >= s->len)
        return sf_err_set(ec, SF_EMALFORMED, "manifest is not valid JSON");
    s->i++; /* the closing quote */
    *off = start;
    *klen = s->nbuf - start;
    return 0;
}

static int key_cmp(const void *a, const void *b, void *arg)
{
    const struct jkey *x = a, *y = b;
    const char *buf = arg;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(buf + x->off, buf + y->off, n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* The keys k[0..n) of one object: SF_EMALFORMED naming one that appears
 * twice. */
static int keys_unique(struct jscan *s, struct jkey *k, size_t n, struct sf_errctx *ec)
{
    qsort_r(k, n, sizeof(*k), key_cmp, s->buf);
    for (size_t i = 1; i < n; i++)
        if (!key_cmp(&k[i - 1], &k[i], s->buf)) {
            char shown[48];
            size_t m = 0;
            for (size_t j = 0; j < k[i].len && m + 4 < sizeof(shown); j++) {
                unsigned char c = (unsigned char)s->buf[k[i].off + j];
                shown[m++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
            }
            shown[m] = '\0';
            return sf_err_set(ec, SF_EMALFORMED, "manifest: key \"%s%s\" appears twice in one "
                              "object", shown, m + 4 >= sizeof(shown) ? "..." : "");
        }
    return 0;
}

#define SF_JSON_MAX_DEPTH 64

int sf_manifest_text_check(const char *text, size_t len, struct sf_errctx *ec)
{
    if (!text && len)
        return SF_EINVAL;
    size_t bad = utf8_bad((const unsigned char *)text, len);
    if (bad < len)
        return sf_err_set(ec, SF_EMALFORMED, "manifest is not valid UTF-8 (byte 0x%02x at "
                          "offset %zu)", (unsigned char)text[bad], bad);
    struct jscan s = { .t = text, .len = len };
    /* Per open container: 1 for an object, and where its keys begin. */
    int obj[SF_JSON_MAX_DEPTH];
    size_t first[SF_JSON_MAX_DEPTH], bufmark[SF_JSON_MAX_DEPTH];
    int depth = 0, want_key = 0, rc = 0;
    while (!rc && s.i < len) {
        char c = text[s.i];
        if (c == '{' || c == '[') {
            if (depth == SF_JSON_MAX_DEPTH) {
                rc = sf_err_set(ec, SF_EMALFORMED, "manifest nested deeper than %d",
                                SF_JSON_MAX_DEPTH);
                break;
            }
            obj[depth] = c == '{';
            first[depth] = s.nkeys;
            bufmark[depth] = s.nbuf;
            depth++;
            want_key = c == '{';
            s.i++;
        } else if (c == '}' || c == ']') {
            if (!depth || obj[depth - 1] != (c == '}')) {
                rc = sf_err_set(ec, SF_EMALFORMED, "manifest is not valid JSON");
                break;
            }
            depth--;
            if (obj[depth] && s.nkeys - first[depth] > 1)
                rc = keys_unique(&s, s.keys + first[depth], s.nkeys - first[depth], ec);
            s.nkeys = first[depth];
            s.nbuf = bufmark[depth];
            want_key = 0;
            s.i++;
        } else if (c == ',') {
            want_key = depth && obj[depth - 1];
            s.i++;
        } else if (c == '"') {
            int is_key = want_key;
            size_t off = 0, klen = 0;
            rc = scan_string(&s, is_key, &off, &klen, ec);
            if (!rc && is_key) {
                if (s.nkeys == s.capkeys) {
                    size_t cap = s.capkeys ? 2 * s.capkeys : 32;
                    struct jkey *nk = realloc(s.keys, cap * sizeof(*nk));
                    if (!nk) {
                        rc = SF_ENOMEM;
                        break;
                    }
                    s.keys = nk;
                    s.capkeys = cap;
                }
                s.keys[s.nkeys++] = (struct jkey){ off, klen };
            }
            want_key = 0;
        } else {
            s.i++; /* ':', white space, numbers, true, false, null */
        }
    }
    if (!rc && depth)
        rc = sf_err_set(ec, SF_EMALFORMED, "manifest is not valid JSON");
    free(s.buf);
    free(s.keys);
    return rc;
}

static int str_field(json_object *o, const char *key, char *dst, size_t cap, int required,
                     struct sf_errctx *ec)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return sf_err_set(ec, SF_EMALFORMED, "manifest: missing \"%s\"", key);
        dst[0] = '\0';
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return sf_err_set(ec, SF_EMALFORMED, "manifest: \"%s\" must be a string", key);
    const char *s = json_object_get_string(v);
    size_t l = (size_t)json_object_get_string_len(v);
    if (l >= cap || strlen(s) != l)
        return sf_err_set(ec, SF_EMALFORMED, "manifest: \"%s\" too long or contains NUL", key);
    memcpy(dst, s, l + 1);
    return 0;
}

static int printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

int sf_manifest_parse(const char *text, size_t len, struct sf_manifest *m, struct sf_errctx *ec)
{
    if (!text || !m)
        return SF_EINVAL;
    memset(m, 0, sizeof(*m));
    if (len > 256 * 1024)
        return sf_err_set(ec, SF_EMALFORMED, "manifest larger than 256 KiB");
    int rc = sf_manifest_text_check(text, len, ec);
    if (rc)
        return rc;
    json_tokener *tok = json_tokener_new_ex(32);
    if (!tok)
        return SF_ENOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    if (!root || json_tokener_get_error(tok) != json_tokener_success ||
        (size_t)json_tokener_get_parse_end(tok) != len) {
        /* Trailing bytes after the object are as bad as a broken one: the
         * signature covers the text, so the text must be exactly JSON. */
        size_t end = (size_t)json_tokener_get_parse_end(tok);
        int trailing_ws = root && json_tokener_get_error(tok) == json_tokener_success;
        for (size_t i = end; trailing_ws && i < len; i++)
            if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
                trailing_ws = 0;
        if (!trailing_ws) {
            rc = sf_err_set(ec, SF_EMALFORMED, "manifest is not valid JSON");
            goto out;
        }
    }
    if (!json_object_is_type(root, json_type_object)) {
        rc = sf_err_set(ec, SF_EMALFORMED, "manifest must be a JSON object");
        goto out;
    }
    json_object *v;
    if (!json_object_object_get_ex(root, "format", &v) || !json_object_is_type(v, json_type_int)) {
        rc = sf_err_set(ec, SF_EMALFORMED, "manifest: missing integer \"format\"");
        goto out;
    }
    m->format = json_object_get_int(v);
    if (m->format != SF_MAN_FORMAT) {
        rc = sf_err_set(ec, SF_EMALFORMED, "manifest format %d is not supported (this safeflash "
                        "reads format %d)", m->format, SF_MAN_FORMAT);
        goto out;
    }
    if ((rc = str_field(root, "vendor", m->vendor, sizeof(m->vendor), 1, ec)) ||
        (rc = str_field(root, "product", m->product, sizeof(m->product), 1, ec)) ||
        (rc = str_field(root, "version", m->version, sizeof(m->version), 1, ec)) ||
        (rc = str_field(root, "revision", m->revision, sizeof(m->revision), 0, ec)) ||
        (rc = str_field(root, "min_version", m->min_version, sizeof(m->min_version), 0, ec)) ||
        (rc = str_field(root, "mode", m->mode, sizeof(m->mode), 0, ec)) ||
        (rc = str_field(root, "release_notes", m->notes, sizeof(m->notes), 0, ec)) ||
        (rc = str_field(root, "image", m->image, sizeof(m->image),
                        !json_object_object_get_ex(root, "components", NULL), ec)))
        goto out;
    if (!m->version[0] || !printable(m->version) || !printable(m->vendor) || !printable(m->product) ||
        !printable(m->min_version) || !printable(m->revision)) {
        rc = sf_err_set(ec, SF_EMALFORMED, "manifest: version, vendor and product must be printable ASCII");
        goto out;
    }
    /* A version longer than 4 characters and no "revision": a package for
     * board flash, whose slot header holds 16; installing it on an SES
     * processor or a drive is refused there (nothing to verify against). */
    if (!m->revision[0] && strlen(m->version) <= 4)
        snprintf(m->revision, sizeof(m->revision), "%s", m->version);
    if (m->mode[0] && strcmp(m->mode, "auto") && strcmp(m->mode, "deferred") &&
        strcmp(m->mode, "immediate") && strcmp(m->mode, "save") && strcmp(m->mode, "events")) {
        rc = sf_err_set(ec, SF_EMALFORMED, "manifest: mode must be auto, deferred, immediate, "
                        "save or events");
        goto out;
    }
    json_object *imgs;
    if (!json_object_object_get_ex(root, "images", &imgs) || !json_object_is_type(imgs, json_type_array) ||
        json_object_array_length(imgs) == 0 || json_object_array_length(imgs) > SF_MAN_MAX_IMAGES) {
        rc = sf_err_set(ec, SF_EMALFORMED, "manifest: \"images\" must list 1 to %d images",
                        SF_MAN_MAX_IMAGES);
        goto out;
    }
    for (size_t i = 0; i < json_object_array_length(imgs); i++) {
        json_object *e = json_object_array_get_idx(imgs, i);
        struct sf_man_image *im = &m->images[i];
        char hex[80];
        if (!json_object_is_type(e, json_type_object) ||
            (rc = str_field(e, "name", im->name, sizeof(im->name), 1, ec)) ||
            (rc = str_field(e, "sha256", hex, sizeof(hex), 1, ec))) {
            if (!rc)
                rc = sf_err_set(ec, SF_EMALFORMED, "manifest: image %zu must be an object", i);
            goto out;
        }
        if (!sf_manifest_name_ok(im->name)) {
            rc = sf_err_set(ec, SF_EMALFORMED, "manifest: image name \"%s\" is not a plain file name",
                            im->name);
            goto out;
        }
        if (sf_unhex32(hex, im->sha256)) {
            rc = sf_err_set(ec, SF_EMALFORMED, "manifest: image %s: sha256 must be 64 hex digits",
                            im->name);
            goto out;
        }
        json_object *sz;
        if (!json_object_object_get_ex(e, "size", &sz) || !json_object_is_type(sz, json_type_int) ||
            json_object_get_int64(sz) <= 0 || json_object_get_int64(sz) > 0xffffffffLL) {
            rc = sf_err_set(ec, SF_EMALFORMED, "manifest: image %s: size must be 1 to 4294967295",
                            im->name);
            goto out;
        }
        im->size = (uint64_t)json_object_get_int64(sz);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->images[j].name, im->name)) {
                rc = sf_err_set(ec, SF_EMALFORMED, "manifest: image %s listed twice", im->name);
                goto out;
            }
        m->nimages++;
    }
    if (m->image[0] && !sf_manifest_find_image(m, m->image)) {
        rc = sf_err_set(ec, SF_EMALFORMED, "manifest: default image \"%s\" is not in \"images\"",
                        m->image);
        goto out;
    }
    json_object *tg;
    if (json_object_object_get_ex(root, "targets", &tg)) {
        if (!json_object_is_type(tg, json_type_array) ||
            json_object_array_length(tg) > SF_MAN_MAX_TARGETS) {
            rc = sf_err_set(ec, SF_EMALFORMED, "manifest: \"targets\" must be an array of at most %d",
                            SF_MAN_MAX_TARGETS);
            goto out;
        }
        for (size_t i = 0; i < json_object_array_length(tg); i++) {
            json_object *e = json_object_array_get_idx(tg, i);
            struct sf_man_target *t = &m->targets[i];
            if (!json_object_is_type(e, json_type_object) ||
                (rc = str_field(e, "vendor", t->vendor, sizeof(t->vendor), 1, ec)) ||
                (rc = str_field(e, "product", t->product, sizeof(t->product), 1, ec)) ||
                (rc = str_field(e, "image", t->image, sizeof(t->image), 1, ec))) {
                if (!rc)
                    rc = sf_err_set(ec, SF_EMALFORMED, "manifest: target %zu must be an object", i);
                goto out;
            }
            if (!sf_manifest_find_image(m, t->image)) {
                rc = sf_err_set(ec, SF_EMALFORMED, "manifest: target %zu names image \"%s\", which "
                                "is not in \"images\"", i, t->image);
                goto out;
            }
            m->ntargets++;
        }
    }
    json_object *co;
    if (json_object_object_get_ex(root, "components", &co)) {
        if (!json_object_is_type(co, json_type_array) || json_object_array_length(co) == 0 ||
            json_object_array_length(co) > SF_MAN_MAX_COMPONENTS) {
            rc = sf_err_set(ec, SF_EMALFORMED, "manifest: \"components\" must list 1 to %d "
                            "components", SF_MAN_MAX_COMPONENTS);
            goto out;
        }
        for (size_t i = 0; i < json_object_array_length(co); i++) {
            json_object *e = json_object_array_get_idx(co, i);
            struct sf_man_component *c = &m->components[i];
            if (!json_object_is_type(e, json_type_object) ||
                (rc = str_field(e, "component", c->component, sizeof(c->component), 1, ec)) ||
                (rc = str_field(e, "version", c->version, sizeof(c->version), 1, ec)) ||
                (rc = str_field(e, "image", c->image, sizeof(c->image), 1, ec))) {
                if (!rc)
                    rc = sf_err_set(ec, SF_EMALFORMED, "manifest: component %zu must be an "
                                    "object", i);
                goto out;
            }
            if (!sf_manifest_name_ok(c->component) || !c->version[0] || !printable(c->version)) {
                rc = sf_err_set(ec, SF_EMALFORMED, "manifest: component %zu: \"component\" must "
                                "be a plain name and \"version\" printable ASCII", i);
                goto out;
            }
            if (!sf_manifest_find_image(m, c->image)) {
                rc = sf_err_set(ec, SF_EMALFORMED, "manifest: component %s names image \"%s\", "
                                "which is not in \"images\"", c->component, c->image);
                goto out;
            }
            for (size_t j = 0; j < i; j++)
                if (!strcmp(m->components[j].component, c->component)) {
                    rc = sf_err_set(ec, SF_EMALFORMED, "manifest: component %s listed twice",
                                    c->component);
                    goto out;
                }
            m->ncomponents++;
        }
        if (m->ntargets) {
            rc = sf_err_set(ec, SF_EMALFORMED, "manifest: \"targets\" and \"components\" do "
                            "not go together (one board per component package)");
            goto out;
        }
    }
out:
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

json_object *sf_manifest_components_json(const struct sf_manifest *m)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; m && i < m->ncomponents; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "component", json_object_new_string(m->components[i].component));
        json_object_object_add(e, "version", json_object_new_string(m->components[i].version));
        json_object_object_add(e, "image", json_object_new_string(m->components[i].image));
        json_object_array_add(a, e);
    }
    return a;
}

json_object *sf_manifest_targets_json(const struct sf_manifest *m)
{
    json_object *t = json_object_new_array();
    for (size_t i = 0; m && i < m->ntargets; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "vendor", json_object_new_string(m->targets[i].vendor));
        json_object_object_add(e, "product", json_object_new_string(m->targets[i].product));
        json_object_object_add(e, "image", json_object_new_string(m->targets[i].image));
        json_object_array_add(t, e);
    }
    return t;
}

int sf_manifest_encode(const struct sf_manifest *m, char **out, size_t *len)
{
    if (!m || !out)
        return SF_EINVAL;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "format", json_object_new_int(m->format ? m->format : SF_MAN_FORMAT));
    json_object_object_add(o, "vendor", json_object_new_string(m->vendor));
    json_object_object_add(o, "product", json_object_new_string(m->product));
    json_object_object_add(o, "version", json_object_new_string(m->version));
    if (m->revision[0])
        json_object_object_add(o, "revision", json_object_new_string(m->revision));
    if (m->min_version[0])
        json_object_object_add(o, "min_version", json_object_new_string(m->min_version));
    if (m->mode[0])
        json_object_object_add(o, "mode", json_object_new_string(m->mode));
    if (m->notes[0])
        json_object_object_add(o, "release_notes", json_object_new_string(m->notes));
    if (m->image[0])
        json_object_object_add(o, "image", json_object_new_string(m->image));
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < m->nimages; i++) {
        char hex[65];
        json_object *e = json_object_new_object();
        sf_hex(m->images[i].sha256, 32, hex);
        json_object_object_add(e, "name", json_object_new_string(m->images[i].name));
        json_object_object_add(e, "size", json_object_new_int64((int64_t)m->images[i].size));
        json_object_object_add(e, "sha256", json_object_new_string(hex));
        json_object_array_add(a, e);
    }
    json_object_object_add(o, "images", a);
    if (m->ntargets)
        json_object_object_add(o, "targets", sf_manifest_targets_json(m));
    if (m->ncomponents)
        json_object_object_add(o, "components", sf_manifest_components_json(m));
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                          JSON_C_TO_STRING_SPACED |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t l = strlen(s);
    *out = malloc(l + 2);
    if (!*out) {
        json_object_put(o);
        return SF_ENOMEM;
    }
    memcpy(*out, s, l);
    (*out)[l] = '\n';
    (*out)[l + 1] = '\0';
    if (len)
        *len = l + 1;
    json_object_put(o);
    return 0;
}

const struct sf_man_image *sf_manifest_find_image(const struct sf_manifest *m, const char *name)
{
    for (size_t i = 0; m && name && i < m->nimages; i++)
        if (!strcmp(m->images[i].name, name))
            return &m->images[i];
    return NULL;
}

static int match(const char *pattern, const char *value)
{
    char v[64];
    snprintf(v, sizeof(v), "%s", value);
    size_t l = strlen(v);
    while (l && v[l - 1] == ' ')
        v[--l] = '\0';
    return fnmatch(pattern, v, 0) == 0;
}

int sf_manifest_matches(const struct sf_manifest *m, const char *vendor, const char *product)
{
    return m && vendor && product && match(m->vendor, vendor) && match(m->product, product);
}

const struct sf_man_image *sf_manifest_image_for(const struct sf_manifest *m,
                                                 const char *vendor, const char *product)
{
    if (!m || !vendor || !product)
        return NULL;
    for (size_t i = 0; i < m->ntargets; i++)
        if (match(m->targets[i].vendor, vendor) && match(m->targets[i].product, product))
            return sf_manifest_find_image(m, m->targets[i].image);
    if (match(m->vendor, vendor) && match(m->product, product))
        return sf_manifest_find_image(m, m->image);
    return NULL;
}
