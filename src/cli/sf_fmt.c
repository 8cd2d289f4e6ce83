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

static json_object *dl_json(const struct sf_download_status *d)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_int((int)d->status));
    json_object_object_add(o, "status_text", json_object_new_string(d->status_text));
    json_object_object_add(o, "additional_status", json_object_new_int((int)d->additional_status));
    json_object_object_add(o, "max_image_size", json_object_new_int64(d->max_image_size));
    json_object_object_add(o, "expected_buffer_id", json_object_new_int((int)d->expected_buffer_id));
    json_object_object_add(o, "expected_offset", json_object_new_int64(d->expected_offset));
    return o;
}

json_object *sf_fmt_encl_json(const struct sf_enclosure_info *e)
{
    char id[17];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "path", json_object_new_string(e->path));
    if (e->transport[0])
        json_object_object_add(o, "transport", json_object_new_string(e->transport));
    json_object_object_add(o, "vendor", json_object_new_string(e->vendor));
    json_object_object_add(o, "product", json_object_new_string(e->product));
    json_object_object_add(o, "revision", json_object_new_string(e->revision));
    json_object_object_add(o, "peripheral_device_type", json_object_new_int((int)e->pdt));
    if (e->have_serial)
        json_object_object_add(o, "serial", json_object_new_string(e->serial));
    if (e->have_device_id) {
        sf_fmt_id64(e->device_id, id);
        json_object_object_add(o, "device_identifier", json_object_new_string(id));
    }
    if (e->have_config) {
        sf_fmt_id64(e->logical_id, id);
        json_object_object_add(o, "logical_identifier", json_object_new_string(id));
        json_object_object_add(o, "generation_code", json_object_new_int64(e->generation));
    }
    json_object *pages = json_object_new_array();
    for (size_t i = 0; i < e->ndiag_pages; i++)
        json_object_array_add(pages, json_object_new_int(e->diag_pages[i]));
    json_object_object_add(o, "diagnostic_pages", pages);
    json_object_object_add(o, "download_microcode", json_object_new_boolean(e->download_microcode));

    json_object *subs = json_object_new_array();
    for (size_t i = 0; i < e->nsubenclosures; i++) {
        const struct sf_subenclosure_info *s = &e->subenclosures[i];
        json_object *so = json_object_new_object();
        json_object_object_add(so, "id", json_object_new_int((int)s->id));
        json_object_object_add(so, "primary", json_object_new_boolean(i == 0));
        json_object_object_add(so, "vendor", json_object_new_string(s->vendor));
        json_object_object_add(so, "product", json_object_new_string(s->product));
        json_object_object_add(so, "revision", json_object_new_string(s->revision));
        sf_fmt_id64(s->logical_id, id);
        json_object_object_add(so, "logical_identifier", json_object_new_string(id));
        json_object_object_add(so, "es_processes", json_object_new_int((int)s->es_processes));
        if (s->have_download)
            json_object_object_add(so, "download", dl_json(&s->download));
        json_object_array_add(subs, so);
    }
    json_object_object_add(o, "subenclosures", subs);

    json_object *w = json_object_new_array();
    for (size_t i = 0; i < e->nwarnings; i++)
        json_object_array_add(w, json_object_new_string(e->warnings[i]));
    json_object_object_add(o, "warnings", w);
    return o;
}

void sf_fmt_encl_text(FILE *f, const struct sf_enclosure_info *e)
{
    char id[17];
    fprintf(f, "%s: %s %s %s\n", e->path, e->vendor, e->product, e->revision);
    if (e->transport[0])
        fprintf(f, "  transport:            %s\n", e->transport);
    if (e->have_serial)
        fprintf(f, "  serial number:        %s\n", e->serial);
    if (e->have_device_id) {
        sf_fmt_id64(e->device_id, id);
        fprintf(f, "  device identifier:    naa.%s\n", id);
    }
    if (e->have_config) {
        sf_fmt_id64(e->logical_id, id);
        fprintf(f, "  logical identifier:   %s\n", id);
        fprintf(f, "  generation code:      %u\n", (unsigned)e->generation);
    }
    fprintf(f, "  download microcode:   %s\n",
            e->download_microcode ? "supported (Download Microcode pages 0Eh)"
                                  : "not offered by this enclosure");
    fprintf(f, "  subenclosures:        %zu (SES processors)\n", e->nsubenclosures);
    for (size_t i = 0; i < e->nsubenclosures; i++) {
        const struct sf_subenclosure_info *s = &e->subenclosures[i];
        sf_fmt_id64(s->logical_id, id);
        fprintf(f, "    [%u]%s %s %s rev %s, logical id %s\n", s->id, i == 0 ? " primary" : "",
                s->vendor, s->product, s->revision, id);
        if (!s->have_download)
            continue;
        const struct sf_download_status *d = &s->download;
        fprintf(f, "        download status: %02Xh %s", d->status, d->status_text);
        if (d->additional_status)
            fprintf(f, " (additional status %02Xh)", d->additional_status);
        fprintf(f, "\n        max image size:  %" PRIu32 " bytes", d->max_image_size);
        if (d->status == 0x01) {
            if (d->expected_offset == 0xffffffffu)
                fprintf(f, ", expects buffer %u at any offset", d->expected_buffer_id);
            else
                fprintf(f, ", expects buffer %u offset %" PRIu32, d->expected_buffer_id,
                        d->expected_offset);
        }
        fprintf(f, "\n");
    }
    for (size_t i = 0; i < e->nwarnings; i++)
        fprintf(f, "  warning: %s\n", e->warnings[i]);
}

void sf_fmt_json_print(FILE *f, json_object *o)
{
    fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                             JSON_C_TO_STRING_SPACED |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
}
