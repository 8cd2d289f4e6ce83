/*
 * sf_fmt.c - text and JSON rendering.  See sf_fmt.h.
 */
#include "sf_fmt.h"

#include <inttypes.h>
#include <string.h>

void sf_fmt_id64(uint64_t v, char out[17])
{
    snprintf(out, 17, "%016" PRIx64, v);
}

static char *trimmed(const char *s, char *buf, size_t len)
{
    snprintf(buf, len, "%s", s);
    return sf_rtrim(buf);
}

static json_object *dl_json(const struct sf_ses_dl_desc *d)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_int(d->status));
    json_object_object_add(o, "status_text", json_object_new_string(sf_ses_dl_status_str(d->status)));
    json_object_object_add(o, "additional_status", json_object_new_int(d->addl_status));
    json_object_object_add(o, "max_image_size", json_object_new_int64(d->max_size));
    json_object_object_add(o, "expected_buffer_id", json_object_new_int(d->expected_buffer_id));
    json_object_object_add(o, "expected_offset", json_object_new_int64(d->expected_offset));
    return o;
}

json_object *sf_fmt_encl_json(const struct sf_encl *e, const char *transport)
{
    char b[64], id[17];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", json_object_new_string(e->path));
    if (transport)
        json_object_object_add(o, "transport", json_object_new_string(transport));
    json_object_object_add(o, "vendor", json_object_new_string(trimmed(e->inq.vendor, b, sizeof(b))));
    json_object_object_add(o, "product", json_object_new_string(trimmed(e->inq.product, b, sizeof(b))));
    json_object_object_add(o, "revision", json_object_new_string(trimmed(e->inq.revision, b, sizeof(b))));
    json_object_object_add(o, "peripheral_device_type", json_object_new_int(e->inq.pdt));
    if (e->have_serial)
        json_object_object_add(o, "serial", json_object_new_string(e->serial));
    if (e->have_lu_naa) {
        sf_fmt_id64(e->lu_naa, id);
        json_object_object_add(o, "device_identifier", json_object_new_string(id));
    }
    if (e->cfg) {
        sf_fmt_id64(sf_encl_logical_id(e), id);
        json_object_object_add(o, "logical_identifier", json_object_new_string(id));
        json_object_object_add(o, "generation_code", json_object_new_int64(e->cfg->gen));
    }
    json_object *pages = json_object_new_array();
    for (size_t i = 0; e->have_diag_pages && i < e->diag_pages.n; i++)
        json_object_array_add(pages, json_object_new_int(e->diag_pages.pages[i]));
    json_object_object_add(o, "diagnostic_pages", pages);
    json_object_object_add(o, "download_microcode", json_object_new_boolean(e->have_dl));

    json_object *subs = json_object_new_array();
    for (size_t i = 0; e->cfg && i < e->cfg->nsub; i++) {
        const struct sf_ses_subenc *s = &e->cfg->sub[i];
        json_object *so = json_object_new_object();
        json_object_object_add(so, "id", json_object_new_int(s->id));
        json_object_object_add(so, "primary", json_object_new_boolean(i == 0));
        json_object_object_add(so, "vendor", json_object_new_string(trimmed(s->vendor, b, sizeof(b))));
        json_object_object_add(so, "product", json_object_new_string(trimmed(s->product, b, sizeof(b))));
        json_object_object_add(so, "revision", json_object_new_string(trimmed(s->revision, b, sizeof(b))));
        sf_fmt_id64(s->logical_id, id);
        json_object_object_add(so, "logical_identifier", json_object_new_string(id));
        json_object_object_add(so, "es_processes", json_object_new_int(s->num_esp));
        const struct sf_ses_dl_desc *d = e->have_dl ? sf_ses_dl_status_find(&e->dl, s->id) : NULL;
        if (d)
            json_object_object_add(so, "download", dl_json(d));
        json_object_array_add(subs, so);
    }
    json_object_object_add(o, "subenclosures", subs);

    json_object *w = json_object_new_array();
    for (size_t i = 0; i < e->nwarn; i++)
        json_object_array_add(w, json_object_new_string(e->warn[i]));
    json_object_object_add(o, "warnings", w);
    return o;
}

void sf_fmt_encl_text(FILE *f, const struct sf_encl *e, const char *transport)
{
    char v[16], p[24], r[8], id[17];
    fprintf(f, "%s: %s %s %s\n", e->path, trimmed(e->inq.vendor, v, sizeof(v)),
            trimmed(e->inq.product, p, sizeof(p)), trimmed(e->inq.revision, r, sizeof(r)));
    if (transport)
        fprintf(f, "  transport:            %s\n", transport);
    if (e->have_serial)
        fprintf(f, "  serial number:        %s\n", e->serial);
    if (e->have_lu_naa) {
        sf_fmt_id64(e->lu_naa, id);
        fprintf(f, "  device identifier:    naa.%s\n", id);
    }
    if (e->cfg) {
        sf_fmt_id64(sf_encl_logical_id(e), id);
        fprintf(f, "  logical identifier:   %s\n", id);
        fprintf(f, "  generation code:      %u\n", (unsigned)e->cfg->gen);
    }
    fprintf(f, "  download microcode:   %s\n",
            e->have_dl ? "supported (Download Microcode pages 0Eh)" : "not offered by this enclosure");
    size_t n = e->cfg ? e->cfg->nsub : 0;
    fprintf(f, "  subenclosures:        %zu (SES processors)\n", n);
    for (size_t i = 0; i < n; i++) {
        const struct sf_ses_subenc *s = &e->cfg->sub[i];
        sf_fmt_id64(s->logical_id, id);
        fprintf(f, "    [%u]%s %s %s rev %s, logical id %s\n", s->id, i == 0 ? " primary" : "",
                trimmed(s->vendor, v, sizeof(v)), trimmed(s->product, p, sizeof(p)),
                trimmed(s->revision, r, sizeof(r)), id);
        const struct sf_ses_dl_desc *d = e->have_dl ? sf_ses_dl_status_find(&e->dl, s->id) : NULL;
        if (d) {
            fprintf(f, "        download status: %02Xh %s", d->status, sf_ses_dl_status_str(d->status));
            if (d->addl_status)
                fprintf(f, " (additional status %02Xh)", d->addl_status);
            fprintf(f, "\n        max image size:  %" PRIu32 " bytes", d->max_size);
            if (d->status == 0x01) {
                if (d->expected_offset == 0xffffffffu)
                    fprintf(f, ", expects buffer %u at any offset", d->expected_buffer_id);
                else
                    fprintf(f, ", expects buffer %u offset %" PRIu32, d->expected_buffer_id,
                            d->expected_offset);
            }
            fprintf(f, "\n");
        }
    }
    for (size_t i = 0; i < e->nwarn; i++)
        fprintf(f, "  warning: %s\n", e->warn[i]);
}

void sf_fmt_json_print(FILE *f, json_object *o)
{
    fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_SPACED |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
}
