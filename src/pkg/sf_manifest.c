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
    json_tokener *tok = json_tokener_new_ex(32);
    if (!tok)
        return SF_ENOMEM;
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    int rc = 0;
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
