/*
 * sf_bmcinv.c - what a BMC says it has: its UpdateService and firmware
 * inventory, read as real services write them, and what each member is -
 * the image that runs, a backup, a staged copy, the BMC, the BIOS, the ME.
 * The update itself (plan, pushes, resets, verification) is sf_bmcup.c;
 * both are declared in sf_bmcup.h.
 */
#define _GNU_SOURCE
#include "engine/sf_bmcup.h"
#include "pkg/sf_crypto.h"
#include "pkg/sf_manifest.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <time.h>

int sf_bmcup_inventory(struct sf_rfs *s, struct sf_bmc_inv *inv, struct sf_errctx *ec)
{
    memset(inv, 0, sizeof(*inv));
    struct sf_http_resp r;
    int rc = sf_rfs_get(s, s->root.update_service, &r, ec);
    if (!rc)
        rc = sf_rf_parse_update(r.body, r.len, &inv->us, ec);
    sf_http_resp_free(&r);
    if (rc)
        return rc;
    /* Big inventories may come in pages (Members@odata.nextLink); the
     * member cap bounds how many are followed. */
    struct sf_rf_members m;
    memset(&m, 0, sizeof(m));
    const char *page = inv->us.inventory;
    char next[SF_RF_URI];
    for (unsigned pages = 0; page[0]; pages++) {
        if (pages == 64)
            return sf_err_set(ec, SF_ERANGE, "FirmwareInventory: more than 64 pages");
        rc = sf_rfs_get(s, page, &r, ec);
        if (!rc)
            rc = sf_rf_parse_members_page(r.body, r.len, &m, ec);
        sf_http_resp_free(&r);
        if (rc)
            return rc;
        snprintf(next, sizeof(next), "%s", m.next);
        page = next;
    }
    if (m.n > SF_BMCUP_MAX_FW)
        return sf_err_set(ec, SF_ERANGE, "FirmwareInventory lists %zu items; at most %d are read",
                          m.n, SF_BMCUP_MAX_FW);
    for (size_t i = 0; i < m.n; i++) {
        rc = sf_rfs_get(s, m.uri[i], &r, ec);
        if (!rc)
            rc = sf_rf_parse_fw(r.body, r.len, &inv->fw[inv->n], ec);
        sf_http_resp_free(&r);
        if (rc)
            return rc;
        inv->n++;
    }
    return 0;
}

/* ---- finding components ---- */

static int same(const char *a, const char *b)
{
    return a[0] && !strcasecmp(a, b);
}

/* Does [b, e) equal word, case ignored? */
static int is_word(const char *b, const char *e, const char *word)
{
    size_t wl = strlen(word);
    return (size_t)(e - b) == wl && !strncasecmp(b, word, wl);
}

/* Does text hold word: a run of letters and digits, case ignored - or a
 * part of one written in CamelCase, as Huawei's "ActiveBMC", HPE iLO 4's
 * "SystemRomBackup" and AMI's "BMCImage1" are ("iDRAC" and "iLO" are
 * whole runs, so a lone lower-case letter before capitals is no part). */
static int has_word(const char *text, const char *word)
{
    for (const char *p = text; *p;) {
        while (*p && !isalnum((unsigned char)*p))
            p++;
        const char *b = p;
        while (*p && isalnum((unsigned char)*p))
            p++;
        if (is_word(b, p, word))
            return 1;
        /* CamelCase parts: a break before an upper-case letter that
         * follows a lower-case one or a digit, and before the last
         * capital of a run that a lower-case letter follows. */
        const char *part = b;
        for (const char *q = b + 1; q <= p; q++) {
            int brk = q == p;
            if (!brk && isupper((unsigned char)*q))
                brk = (islower((unsigned char)q[-1]) && q - 1 > b) ||
                      isdigit((unsigned char)q[-1]) ||
                      (isupper((unsigned char)q[-1]) && q + 1 < p && islower((unsigned char)q[1]));
            if (!brk)
                continue;
            if (part != b || q != p) {
                if (is_word(part, q, word))
                    return 1;
            }
            part = q;
        }
    }
    return 0;
}

/* Does text, its letters and digits only (case ignored), hold phrase
 * (letters and digits)?  "Integrated Lights-Out" holds "lightsout". */
static int has_phrase(const char *text, const char *phrase)
{
    char t[256];
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < sizeof(t); p++)
        if (isalnum((unsigned char)*p))
            t[n++] = (char)tolower((unsigned char)*p);
    t[n] = '\0';
    return strstr(t, phrase) != NULL;
}

/* Id or Name words that make a member a copy kept beside the running
 * image, even when it says "Enabled": Supermicro's Backup_, Golden_ and
 * Staging_BIOS, HPE's "Redundant System ROM", iDRAC's "Previous-"
 * rollback images, Intel's bmc_recovery, OpenBMC's bmc_bkup.  The first
 * list is the backup a BIOS save writes; the last, images that wait to
 * be applied: Lenovo's UEFI-Pending, iDRAC's Available-, Huawei's
 * AvailableBMC. */
static const char *const backup_words[] = { "backup", "bkup", "redundant", NULL };
static const char *const old_words[] = { "golden", "recovery", "previous", "rollback", NULL };
static const char *const staged_words[] = { "staging", "staged", "pending", "available", NULL };

static int named(const struct sf_rf_fw *f, const char *const *words)
{
    for (size_t w = 0; words[w]; w++)
        if (has_word(f->id, words[w]) || has_word(f->name, words[w]))
            return 1;
    return 0;
}

int sf_bmcup_is_backup(const struct sf_rf_fw *f)
{
    return f->backup || named(f, backup_words);
}

/* An image that runs now: not a backup, not staged, not marked inactive,
 * not a copy by its name (older, or waiting to be applied). */
int sf_bmcup_running(const struct sf_rf_fw *f)
{
    return !sf_bmcup_is_backup(f) && !f->staged && f->active != 0 &&
           strcasecmp(f->state, "Disabled") && strcasecmp(f->state, "Absent") &&
           !named(f, old_words) && !named(f, staged_words);
}

int sf_bmcup_is_staged(const struct sf_rf_fw *f)
{
    if (!f->version[0] || sf_bmcup_is_backup(f) || named(f, old_words))
        return 0; /* an empty Pending slot holds nothing */
    return f->staged || named(f, staged_words) ||
           (f->active == 0 && strcasecmp(f->state, "Disabled") && strcasecmp(f->state, "Absent"));
}

const char *sf_bmcup_class(const struct sf_rf_fw *f)
{
    if (f->manager[0])
        return "bmc";
    if (f->rel_bios)
        return "bios";
    /* Words, and phrases (letters and digits only) as the vendors spell
     * their BMCs out: Dell's "Integrated Dell Remote Access Controller",
     * HPE's "Integrated Lights-Out", Lenovo's "XClarity Controller", AMI's
     * "Primary Baseboard Management Controller"; Intel's ME and HPE's name
     * for its BIOS.  Not "management controller" alone: HPE lists a
     * "Power Management Controller Firmware" beside its iLO. */
    static const struct { const char *cls, *words[5], *phrases[5]; } k[] = {
        { "bmc", { "bmc", "idrac", "ilo", "xcc", NULL },
          { "remoteaccesscontroller", "lightsout", "xclaritycontroller",
            "baseboardmanagementcontroller", NULL } },
        { "bios", { "bios", "uefi", NULL }, { "systemrom", NULL } },
        { "me", { "me", "sps", NULL }, { "managementengine", "serverplatformservices", NULL } },
    };
    const char *t[4] = { f->id, f->name, f->software_id, f->description };
    const char *hit = NULL;
    for (size_t c = 0; c < sizeof(k) / sizeof(k[0]); c++) {
        int any = 0;
        for (size_t i = 0; i < 4; i++) {
            for (size_t w = 0; k[c].words[w]; w++)
                any |= has_word(t[i], k[c].words[w]);
            for (size_t w = 0; k[c].phrases[w]; w++)
                any |= has_phrase(t[i], k[c].phrases[w]);
        }
        if (any && hit)
            return NULL; /* says two things: no guess */
        if (any)
            hit = k[c].cls;
    }
    return hit;
}

/* The one running member that matches, *amb when several do. */
static const struct sf_rf_fw *find_by(const struct sf_bmc_inv *inv, const char *comp, int cls,
                                      int *amb)
{
    const struct sf_rf_fw *hit = NULL;
    for (size_t i = 0; i < inv->n; i++) {
        const struct sf_rf_fw *f = &inv->fw[i];
        if (!sf_bmcup_running(f))
            continue;
        const char *c = cls ? sf_bmcup_class(f) : NULL;
        if (cls ? c && !strcasecmp(c, comp)
                : !strcmp(f->uri, comp) || same(f->id, comp) || same(f->software_id, comp) ||
                  same(f->name, comp)) {
            if (hit && strcmp(hit->uri, f->uri))
                *amb = 1;
            hit = f;
        }
    }
    return *amb ? NULL : hit;
}

const struct sf_rf_fw *sf_bmcup_find(const struct sf_bmc_inv *inv, const char *comp)
{
    /* Exact names first (the emulator's "bios", Supermicro's "BIOS",
     * iDRAC's Name "BIOS"), then what members say they are (bmcweb's
     * hashed Ids with RelatedItem and "BMC image"). */
    int amb = 0;
    const struct sf_rf_fw *f = find_by(inv, comp, 0, &amb);
    if (!f && !amb)
        f = find_by(inv, comp, 1, &amb);
    return f;
}

void sf_bmcup_key(const struct sf_bmc_inv *inv, const struct sf_rf_fw *f, char *out, size_t cap)
{
    const char *c = sf_bmcup_class(f);
    snprintf(out, cap, "%s", c && sf_bmcup_find(inv, c) == f ? c : f->id);
}

const struct sf_rf_fw *sf_bmcup_find_backup(const struct sf_bmc_inv *inv, const char *comp)
{
    const struct sf_rf_fw *run = sf_bmcup_find(inv, comp);
    const char *cls = run ? sf_bmcup_class(run) : NULL;
    for (size_t i = 0; i < inv->n; i++) {
        const struct sf_rf_fw *f = &inv->fw[i];
        if (!sf_bmcup_is_backup(f))
            continue;
        char n1[128], n2[128];
        snprintf(n1, sizeof(n1), "%s_backup", comp);
        snprintf(n2, sizeof(n2), "Backup_%s", run && run->name[0] ? run->name : comp);
        const char *fc = sf_bmcup_class(f);
        if (same(f->id, n1) || same(f->name, n2) || same(f->id, n2) ||
            (run && run->software_id[0] && same(f->software_id, run->software_id)) ||
            (fc && ((cls && !strcmp(fc, cls)) || !strcasecmp(fc, comp))))
            return f;
    }
    return NULL;
}

/* Is f, a member that is not what runs, an image of the component whose
 * running member is run (NULL when none runs) and that --component calls
 * comp?  By SoftwareId (iDRAC's Available- packages, the emulator), by
 * class (Lenovo's UEFI-Pending, Huawei's AvailableBMC, bmcweb's Ids), or
 * by an Id that is the running one's with a word added ("bios_staged",
 * "BMC-Primary-Pending"). */
static int of_component(const struct sf_rf_fw *run, const char *comp, const struct sf_rf_fw *f)
{
    if (run && run->software_id[0] && same(f->software_id, run->software_id))
        return 1;
    const char *cls = run ? sf_bmcup_class(run) : NULL;
    if (!cls && (!strcasecmp(comp, "bmc") || !strcasecmp(comp, "bios") || !strcasecmp(comp, "me")))
        cls = comp;
    const char *fc = sf_bmcup_class(f);
    if (cls && fc && !strcasecmp(cls, fc))
        return 1;
    const char *id = run ? run->id : comp;
    size_t l = strlen(id);
    return l && !strncasecmp(f->id, id, l) && f->id[l] && !isalnum((unsigned char)f->id[l]);
}

enum sf_bmc_held sf_bmcup_holds_staged(const struct sf_bmc_inv *inv, const char *comp,
                                       const char *expect, const char *from, char *why,
                                       size_t cap)
{
    char tmp[8];
    if (!why) {
        why = tmp;
        cap = sizeof(tmp);
    }
    const struct sf_rf_fw *run = sf_bmcup_find(inv, comp);
    /* Applied already (a host reset came first): what runs decides. */
    if (run && expect[0] && !strcmp(run->version, expect)) {
        snprintf(why, cap, "it runs %s, the version promised", run->version);
        return SF_HELD_RUNS;
    }
    if (run && !expect[0] && from[0] && strcmp(run->version, from)) {
        snprintf(why, cap, "it runs %s now, not %s as when it was staged", run->version, from);
        return SF_HELD_RUNS;
    }
    for (size_t i = 0; i < inv->n; i++) {
        const struct sf_rf_fw *f = &inv->fw[i];
        if (f == run || !sf_bmcup_is_staged(f) || !of_component(run, comp, f))
            continue;
        if (expect[0] && strcmp(f->version, expect))
            continue; /* another image waits there, not this one */
        snprintf(why, cap, "the BMC lists it staged (%s, version %s)", f->id, f->version);
        return SF_HELD_STAGED;
    }
    if (run)
        snprintf(why, cap, "the BMC lists no staged image for it and it still runs %s",
                 run->version);
    else
        snprintf(why, cap, "the BMC lists neither a staged image for it nor it");
    return SF_HELD_GONE;
}

const char *sf_bmcup_role(const struct sf_rf_fw *f)
{
    return sf_bmcup_is_backup(f) ? "backup image"
           : sf_bmcup_is_staged(f) ? "staged, waits for a reset or StartUpdate"
           : !strcmp(f->state, "Updating") ? "being updated" : "";
}

void sf_bmcup_methods(const struct sf_rf_update *us, char *out, size_t cap)
{
    if (us->multipart_uri[0] || us->push_uri[0])
        snprintf(out, cap, "%s%s%s", us->multipart_uri[0] ? "multipart push" : "",
                 us->multipart_uri[0] && us->push_uri[0] ? ", " : "",
                 us->push_uri[0] ? "push (HttpPushUri)" : "");
    else
        snprintf(out, cap, "%s", us->simple_update[0] ? "pull only (SimpleUpdate: install "
                 "needs --pull URL)" : "no method it offers (no push URI, no SimpleUpdate)");
}

/* ---- plan ---- */

const char *sf_bmcup_label(const struct sf_rf_fw *f, const char *key)
{
    if (f->name[0] && strcasecmp(f->name, "Software Inventory"))
        return f->name;
    return strcmp(key, f->id) ? key : f->id;
}
