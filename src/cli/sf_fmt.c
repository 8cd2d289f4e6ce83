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
