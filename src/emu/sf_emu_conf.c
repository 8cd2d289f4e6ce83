/*
 * sf_emu_conf.c - parse the emulator config with json-c.  See sf_emu_conf.h.
 */
#define _GNU_SOURCE
#include "sf_emu_conf.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Helpers returning 0, or SF_ECONFIG with a message naming `where`. */

static int get_str(json_object *o, const char *key, char *dst, size_t cap, int required,
                   const char *where, struct sf_errctx *ec)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return sf_err_set(ec, SF_ECONFIG, "%s: missing \"%s\"", where, key);
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return sf_err_set(ec, SF_ECONFIG, "%s: \"%s\" must be a string", where, key);
    const char *s = json_object_get_string(v);
    if (strlen(s) >= cap)
        return sf_err_set(ec, SF_ECONFIG, "%s: \"%s\" longer than %zu characters", where, key,
                          cap - 1);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
            return sf_err_set(ec, SF_ECONFIG, "%s: \"%s\" must be printable ASCII", where, key);
    snprintf(dst, cap, "%s", s);
    return 0;
}

/* Integer from a JSON number or a "0x.." string. */
static int get_u64(json_object *o, const char *key, uint64_t *dst, uint64_t max, int required,
                   const char *where, struct sf_errctx *ec)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v)) {
        if (required)
            return sf_err_set(ec, SF_ECONFIG, "%s: missing \"%s\"", where, key);
        return 0;
    }
    uint64_t val;
    if (json_object_is_type(v, json_type_int)) {
        int64_t i = json_object_get_int64(v);
        if (i < 0)
            return sf_err_set(ec, SF_ECONFIG, "%s: \"%s\" must not be negative", where, key);
        val = (uint64_t)i;
    } else if (json_object_is_type(v, json_type_boolean)) {
        val = json_object_get_boolean(v) ? 1 : 0;
    } else if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end;
        errno = 0;
        val = strtoull(s, &end, 0);
        if (errno || end == s || *end)
            return sf_err_set(ec, SF_ECONFIG, "%s: \"%s\" is not a number: \"%s\"", where,
                              key, s);
    } else {
        return sf_err_set(ec, SF_ECONFIG, "%s: \"%s\" must be a number", where, key);
    }
    if (val > max)
        return sf_err_set(ec, SF_ECONFIG, "%s: \"%s\" out of range (max %llu)", where, key,
                          (unsigned long long)max);
    *dst = val;
    return 0;
}

#define GET_NUM(obj, key, field, max, req, where)                                  \
    do {                                                                           \
        uint64_t v_ = (field);                                                     \
        int r_ = get_u64(obj, key, &v_, max, req, where, ec);                      \
        if (r_)                                                                    \
            return r_;                                                             \
        (field) = v_;                                                              \
    } while (0)

static int parse_quirks(json_object *o, struct sf_emu_quirks *q, const char *where,
                        struct sf_errctx *ec)
{
    GET_NUM(o, "reject_deferred", q->reject_deferred, 2, 0, where);
    GET_NUM(o, "max_chunk", q->max_chunk, 0xffff, 0, where);
    GET_NUM(o, "reset_on_status_read", q->reset_on_status_read, 1, 0, where);
    GET_NUM(o, "abort_status_after_last", q->abort_status_after_last, 1, 0, where);
    GET_NUM(o, "needs_power_cycle", q->needs_power_cycle, 1, 0, where);
    GET_NUM(o, "nv_update_polls", q->nv_update_polls, 1000, 0, where);
    GET_NUM(o, "latency_us", q->latency_us, 10000000, 0, where);
    GET_NUM(o, "bandwidth_kib_s", q->bandwidth_kib_s, 10000000, 0, where);
    json_object *pl;
    if (json_object_object_get_ex(o, "power_loss_nv", &pl)) {
        const char *v = json_object_is_type(pl, json_type_string) ? json_object_get_string(pl) : "";
        static const char *names[] = { "old", "83h", "84h", "recovery" };
        q->power_loss_nv = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(v, names[i]))
                q->power_loss_nv = i;
        if (q->power_loss_nv < 0)
            return sf_err_set(ec, SF_ECONFIG, "%s: \"power_loss_nv\" must be old, 83h, 84h or recovery",
                              where);
    }
    int rc0 = get_str(o, "recovery_revision", q->recovery_revision, sizeof(q->recovery_revision), 0,
                      where, ec);
    if (rc0)
        return rc0;
    json_object *cp;
    if (json_object_object_get_ex(o, "corrupt_page", &cp)) {
        uint64_t v = 0;
        int rc = get_u64(o, "corrupt_page", &v, 0xff, 1, where, ec);
        if (rc)
            return rc;
        q->corrupt_page = (int)v;
    }
    return 0;
}

/* What a processor's or drive's images must be: max_image, image_magic,
 * image_product (default: s->product, already set). */
static int image_keys(json_object *o, struct sf_emu_sub_conf *s, uint32_t default_max,
                      const char *where, struct sf_errctx *ec)
{
    int rc;
    s->max_image = default_max;
    GET_NUM(o, "max_image", s->max_image, SF_EMU_MAX_IMAGE, 0, where);
    if (s->max_image < 64)
        return sf_err_set(ec, SF_ECONFIG, "%s: \"max_image\" must be at least 64", where);
    snprintf(s->image_magic, sizeof(s->image_magic), "SFEMUFW1");
    if ((rc = get_str(o, "image_magic", s->image_magic, sizeof(s->image_magic), 0, where, ec)))
        return rc;
    snprintf(s->image_product, sizeof(s->image_product), "%s", s->product);
    return get_str(o, "image_product", s->image_product, sizeof(s->image_product), 0, where, ec);
}

static int parse_sub(json_object *o, struct sf_emu_sub_conf *s, const char *dev_vendor,
                     const char *where, struct sf_errctx *ec)
{
    int rc;
    if (!json_object_is_type(o, json_type_object))
        return sf_err_set(ec, SF_ECONFIG, "%s: must be an object", where);
    GET_NUM(o, "id", s->id, 255, 1, where);
    snprintf(s->vendor, sizeof(s->vendor), "%s", dev_vendor);
    if ((rc = get_str(o, "vendor", s->vendor, sizeof(s->vendor), 0, where, ec)))
        return rc;
    if ((rc = get_str(o, "product", s->product, sizeof(s->product), 1, where, ec)))
        return rc;
    if ((rc = get_str(o, "revision", s->revision, sizeof(s->revision), 1, where, ec)))
        return rc;
    GET_NUM(o, "logical_id", s->logical_id, UINT64_MAX, 1, where);
    if ((rc = image_keys(o, s, 4u * 1024u * 1024u, where, ec)))
        return rc;

    json_object *els;
    if (json_object_object_get_ex(o, "elements", &els)) {
        if (!json_object_is_type(els, json_type_array))
            return sf_err_set(ec, SF_ECONFIG, "%s: \"elements\" must be an array", where);
        size_t n = json_object_array_length(els);
        if (n > SF_EMU_MAX_TYPES)
            return sf_err_set(ec, SF_ECONFIG, "%s: more than %d element types", where,
                              SF_EMU_MAX_TYPES);
        for (size_t i = 0; i < n; i++) {
            json_object *e = json_object_array_get_idx(els, i);
            char w[256];
            snprintf(w, sizeof(w), "%s element %zu", where, i);
            if (!json_object_is_type(e, json_type_object))
                return sf_err_set(ec, SF_ECONFIG, "%s: must be an object", w);
            struct sf_emu_type_conf *t = &s->types[i];
            GET_NUM(e, "type", t->elem_type, 0xff, 1, w);
            GET_NUM(e, "count", t->count, 0xff, 1, w);
            if ((rc = get_str(e, "text", t->text, sizeof(t->text), 0, w, ec)))
                return rc;
        }
        s->ntypes = n;
    }
    return 0;
}

/* "drive": {...} - a logical unit updated with WRITE BUFFER. */
static int parse_drive(json_object *o, struct sf_emu_dev_conf *d, const char *where,
                       struct sf_errctx *ec)
{
    int rc;
    char w[256];
    snprintf(w, sizeof(w), "%s drive", where);
    if (!json_object_is_type(o, json_type_object))
        return sf_err_set(ec, SF_ECONFIG, "%s: must be an object", w);
    if (d->ses)
        return sf_err_set(ec, SF_ECONFIG, "%s: an enclosure (ses) cannot also be a drive", w);
    struct sf_emu_drive_conf *dc = &d->drive;
    dc->enabled = 1;
    dc->buffer_capacity = 64u * 1024u;
    GET_NUM(o, "buffer_capacity", dc->buffer_capacity, 0xffffff, 0, w);
    GET_NUM(o, "offset_boundary", dc->offset_boundary, 0xff, 0, w);
    dc->activate_not_ready = 2;
    GET_NUM(o, "activate_not_ready", dc->activate_not_ready, 100, 0, w);
    char modes[64] = "05 07 0e 0f";
    if ((rc = get_str(o, "modes", modes, sizeof(modes), 0, w, ec)))
        return rc;
    for (char *p = modes, *end; *p;) {
        if (*p == ' ' || *p == ',') {
            p++;
            continue;
        }
        unsigned long m = strtoul(p, &end, 16);
        if (end == p || (m != 5 && m != 7 && m != 0x0d && m != 0x0e && m != 0x0f))
            return sf_err_set(ec, SF_ECONFIG, "%s: \"modes\" lists WRITE BUFFER modes among 05 07 "
                              "0d 0e 0f", w);
        dc->modes |= 1u << m;
        p = end;
    }
    /* The running image lives in state slot 0, like a subenclosure's. */
    struct sf_emu_sub_conf *s = &d->sub[0];
    memset(s, 0, sizeof(*s));
    snprintf(s->vendor, sizeof(s->vendor), "%s", d->vendor);
    snprintf(s->product, sizeof(s->product), "%s", d->product);
    snprintf(s->revision, sizeof(s->revision), "%s", d->revision);
    if ((rc = image_keys(o, s, 1024u * 1024u, w, ec)))
        return rc;
    d->nsub = 1;
    return 0;
}

static int parse_dev(json_object *o, struct sf_emu_dev_conf *d, const char *base_dir,
                     const char *where, struct sf_errctx *ec)
{
    int rc;
    if (!json_object_is_type(o, json_type_object))
        return sf_err_set(ec, SF_ECONFIG, "%s: must be an object", where);
    if ((rc = get_str(o, "path", d->path, sizeof(d->path), 1, where, ec)))
        return rc;
    if (d->path[0] != '/')
        return sf_err_set(ec, SF_ECONFIG, "%s: \"path\" must be absolute", where);
    d->pdt = 0x0d;
    GET_NUM(o, "pdt", d->pdt, 0x1f, 0, where);
    d->ses = d->pdt == 0x0d;
    GET_NUM(o, "ses", d->ses, 1, 0, where);
    GET_NUM(o, "multipath", d->multip, 1, 0, where);
    d->esp_id = 1;
    d->esp_count = 1;
    GET_NUM(o, "es_process_id", d->esp_id, 7, 0, where);
    GET_NUM(o, "es_processes", d->esp_count, 7, 0, where);
    if (d->esp_id == 0 || d->esp_id > d->esp_count)
        return sf_err_set(ec, SF_ECONFIG, "%s: \"es_process_id\" must be 1 to \"es_processes\"", where);
    if ((rc = get_str(o, "vendor", d->vendor, sizeof(d->vendor), 1, where, ec)))
        return rc;
    if ((rc = get_str(o, "product", d->product, sizeof(d->product), 1, where, ec)))
        return rc;
    if ((rc = get_str(o, "revision", d->revision, sizeof(d->revision), 1, where, ec)))
        return rc;
    if ((rc = get_str(o, "serial", d->serial, sizeof(d->serial), 0, where, ec)))
        return rc;
    GET_NUM(o, "wwn", d->wwn, UINT64_MAX, 1, where);
    GET_NUM(o, "port_wwn", d->port_wwn, UINT64_MAX, 0, where);
    d->quirks.corrupt_page = -1;
    d->quirks.power_loss_nv = 2; /* 84h: the common, safe answer */
    snprintf(d->quirks.recovery_revision, sizeof(d->quirks.recovery_revision), "0000");
    char trace[PATH_MAX] = "";
    if ((rc = get_str(o, "trace", trace, sizeof(trace), 0, where, ec)))
        return rc;
    if (trace[0] == '/' || !trace[0] || !base_dir || !base_dir[0])
        snprintf(d->trace_path, sizeof(d->trace_path), "%s", trace);
    else
        snprintf(d->trace_path, sizeof(d->trace_path), "%s/%s", base_dir, trace);
    if (!d->port_wwn)
        d->port_wwn = d->wwn + 1;

    if ((rc = get_str(o, "partner", d->partner_path, sizeof(d->partner_path), 0, where, ec)))
        return rc;
    GET_NUM(o, "partner_sync", d->partner_sync, 1, 0, where);
    d->partner_push_cmds = 6;
    GET_NUM(o, "partner_push_cmds", d->partner_push_cmds, 1000, 0, where);
    {
        char loop[16] = "";
        if ((rc = get_str(o, "partner_loop", loop, sizeof(loop), 0, where, ec)))
            return rc;
        d->partner_loop = !strcmp(loop, "fail") ? 1 : !strcmp(loop, "flipback") ? 2 : 0;
        if (loop[0] && !d->partner_loop && strcmp(loop, "none"))
            return sf_err_set(ec, SF_ECONFIG, "%s: \"partner_loop\" must be none, fail or flipback", where);
    }
    json_object *q;
    if (json_object_object_get_ex(o, "quirks", &q)) {
        if (!json_object_is_type(q, json_type_object))
            return sf_err_set(ec, SF_ECONFIG, "%s: \"quirks\" must be an object", where);
        char w[256];
        snprintf(w, sizeof(w), "%s quirks", where);
        if ((rc = parse_quirks(q, &d->quirks, w, ec)))
            return rc;
    }

    json_object *dr;
    if (json_object_object_get_ex(o, "drive", &dr))
        return parse_drive(dr, d, where, ec);

    json_object *subs;
    if (!json_object_object_get_ex(o, "subenclosures", &subs)) {
        if (d->ses)
            return sf_err_set(ec, SF_ECONFIG, "%s: missing \"subenclosures\"", where);
        return 0;
    }
    if (!json_object_is_type(subs, json_type_array))
        return sf_err_set(ec, SF_ECONFIG, "%s: \"subenclosures\" must be an array", where);
    size_t n = json_object_array_length(subs);
    if (n == 0 || n > SF_EMU_MAX_SUB)
        return sf_err_set(ec, SF_ECONFIG, "%s: needs 1 to %d subenclosures", where,
                          SF_EMU_MAX_SUB);
    for (size_t i = 0; i < n; i++) {
        char w[256];
        snprintf(w, sizeof(w), "%s subenclosure %zu", where, i);
        if ((rc = parse_sub(json_object_array_get_idx(subs, i), &d->sub[i], d->vendor, w, ec)))
            return rc;
        for (size_t j = 0; j < i; j++)
            if (d->sub[j].id == d->sub[i].id)
                return sf_err_set(ec, SF_ECONFIG, "%s: duplicate subenclosure id %u", w,
                                  d->sub[i].id);
    }
    /* SES-3: the primary subenclosure is listed first and has id 0. */
    if (d->sub[0].id != 0)
        return sf_err_set(ec, SF_ECONFIG, "%s: the first (primary) subenclosure must have id 0",
                          where);
    d->nsub = n;
    return 0;
}

int sf_emu_conf_parse(const char *text, size_t len, const char *base_dir,
                      struct sf_emu_conf *out, struct sf_errctx *ec)
{
    if (!text || !out)
        return SF_EINVAL;
    memset(out, 0, sizeof(*out));
    if (len > 1024 * 1024)
        return sf_err_set(ec, SF_ECONFIG, "config larger than 1 MiB");
    int rc = 0;
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return SF_ENOMEM;
    json_object *root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    if (!root || jerr != json_tokener_success) {
        rc = sf_err_set(ec, SF_ECONFIG, "not valid JSON: %s",
                        jerr == json_tokener_continue ? "unexpected end of file"
                                                      : json_tokener_error_desc(jerr));
        goto out;
    }
    if (!json_object_is_type(root, json_type_object)) {
        rc = sf_err_set(ec, SF_ECONFIG, "top level must be an object");
        goto out;
    }
    out->hash = fnv1a(text, len);

    char state[PATH_MAX] = "";
    if ((rc = get_str(root, "state", state, sizeof(state), 1, "config", ec)))
        goto out;
    if (state[0] == '/' || !base_dir || !base_dir[0])
        snprintf(out->state_path, sizeof(out->state_path), "%s", state);
    else if ((size_t)snprintf(out->state_path, sizeof(out->state_path), "%s/%s", base_dir,
                              state) >= sizeof(out->state_path)) {
        rc = sf_err_set(ec, SF_ECONFIG, "config: state path too long");
        goto out;
    }

    json_object *devs;
    if (!json_object_object_get_ex(root, "devices", &devs) ||
        !json_object_is_type(devs, json_type_array)) {
        rc = sf_err_set(ec, SF_ECONFIG, "config: \"devices\" must be an array");
        goto out;
    }
    size_t n = json_object_array_length(devs);
    if (n == 0 || n > SF_EMU_MAX_DEV) {
        rc = sf_err_set(ec, SF_ECONFIG, "config: needs 1 to %d devices", SF_EMU_MAX_DEV);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char w[32];
        snprintf(w, sizeof(w), "device %zu", i);
        if ((rc = parse_dev(json_object_array_get_idx(devs, i), &out->dev[i], base_dir, w, ec)))
            goto out;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(out->dev[j].path, out->dev[i].path)) {
                rc = sf_err_set(ec, SF_ECONFIG, "%s: duplicate path %s", w, out->dev[i].path);
                goto out;
            }
    }
    out->ndev = n;
    for (size_t i = 0; i < n; i++) {
        struct sf_emu_dev_conf *d = &out->dev[i];
        d->partner = -1;
        if (!d->partner_path[0])
            continue;
        d->partner = sf_emu_conf_find(out, d->partner_path);
        if (d->partner < 0 || d->partner == (int)i || !d->nsub) {
            rc = sf_err_set(ec, SF_ECONFIG, "device %zu: \"partner\" must name another declared "
                            "enclosure device", i);
            goto out;
        }
    }
out:
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

int sf_emu_conf_load(const char *path, struct sf_emu_conf *out, struct sf_errctx *ec)
{
    if (!path || !out)
        return SF_EINVAL;
    FILE *f = fopen(path, "r");
    if (!f)
        return sf_err_set(ec, SF_ECONFIG, "emulator config %s: %s", path, strerror(errno));
    char *buf = malloc(1024 * 1024 + 1);
    if (!buf) {
        fclose(f);
        return SF_ENOMEM;
    }
    size_t n = fread(buf, 1, 1024 * 1024 + 1, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        return sf_err_set(ec, SF_ECONFIG, "emulator config %s: read error", path);
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof(dir), ".");
    struct sf_errctx inner = { 0 };
    int rc = sf_emu_conf_parse(buf, n, dir, out, &inner);
    free(buf);
    if (rc)
        return sf_err_set(ec, rc, "emulator config %s: %s", path, inner.msg);
    const char *ov = getenv("SAFEFLASH_EMU_STATE");
    if (ov && *ov)
        snprintf(out->state_path, sizeof(out->state_path), "%s", ov);
    return 0;
}

int sf_emu_conf_find(const struct sf_emu_conf *c, const char *path)
{
    if (!c || !path)
        return -1;
    for (size_t i = 0; i < c->ndev; i++)
        if (!strcmp(c->dev[i].path, path))
            return (int)i;
    return -1;
}
