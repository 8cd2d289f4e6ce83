/*
 * sf_fleet.c - a fleet's baseline, opened: its signature and every
 * package it names, the targets, what the caller reads back (rows,
 * counts, warnings), and signing a baseline.  See sf_fleet.h and
 * sf_fleet_int.h; the check is sf_fleet_check.c, apply sf_fleet_apply.c.
 */
#define _GNU_SOURCE
#include "fleet/sf_fleet_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "safeflash/sf_package.h"

const char *sf_fleet_action_str(enum sf_fleet_action a)
{
    switch (a) {
    case SF_FLEET_NONE: return "none";
    case SF_FLEET_UPDATE: return "update";
    case SF_FLEET_REFUSED: return "refused";
    case SF_FLEET_UNKNOWN: return "unknown";
    case SF_FLEET_NO_RULE: return "no-rule";
    case SF_FLEET_PENDING: return "pending";
    }
    return "unknown";
}

void sf_fleet_options_init(struct sf_fleet_options *o)
{
    memset(o, 0, sizeof(*o));
    o->version = SF_FLEET_OPTIONS_VERSION;
    sf_update_options_init(&o->update);
}

/* ---- opening ---- */

/* The version a rule's package brings to what the rule matches. */
static int brings(const struct sf_bl_rule *r, const struct sf_package_manifest *m)
{
    if (r->match.cls == SF_BL_SES || r->match.cls == SF_BL_DRIVE)
        return !strcmp(r->version, m->revision[0] ? m->revision : m->version);
    if (r->match.cls == SF_BL_REDFISH && r->match.component[0]) {
        for (size_t i = 0; i < m->ncomponents; i++)
            if (!strcasecmp(m->components[i].component, r->match.component))
                return !strcmp(r->version, m->components[i].version);
        return 0;
    }
    return !strcmp(r->version, m->version);
}

/* A component rule's package must carry that component. */
static int carries(const struct sf_bl_rule *r, const struct sf_package_manifest *m)
{
    if (r->match.cls != SF_BL_REDFISH || !r->match.component[0])
        return 1;
    for (size_t i = 0; i < m->ncomponents; i++)
        if (!strcasecmp(m->components[i].component, r->match.component))
            return 1;
    return 0;
}

static int open_rule(struct sf_fleet *f, size_t i, struct sf_errctx *ec)
{
    const struct sf_bl_rule *r = &f->bl->rules[i];
    struct sf_errctx lec = { 0 };
    int rc = sf_baseline_resolve(f->path, r->package, &f->pkg[i], &lec);
    if (!rc && r->match.layout[0])
        rc = sf_baseline_resolve(f->path, r->match.layout, &f->layout[i], &lec);
    if (rc)
        return sf_err_set(ec, rc, "%s: item %zu: %s", f->path, i + 1, lec.msg);
    if (f->layout[i]) {
        struct stat st;
        if (stat(f->layout[i], &st) || !S_ISREG(st.st_mode))
            return sf_err_set(ec, SF_EFILE, "%s: item %zu: layout %s: %s", f->path, i + 1,
                              f->layout[i], stat(f->layout[i], &st) ? "no such file"
                                                                     : "not a regular file");
    }
    if ((rc = sf_package_open(f->pkg[i], &f->pk[i], &lec)))
        return sf_err_set(ec, rc, "%s: item %zu: %s", f->path, i + 1, lec.msg);
    /* A package's trust is the engine's rule, as for install: with
     * allow_unsigned, one no trusted key signed goes on (the update warns). */
    const struct sf_package_info *pi = sf_package_info(f->pk[i]);
    if ((rc = sf_package_check_signature(f->pk[i], f->ctx, &lec)) && !f->o.allow_unsigned)
        return sf_err_set(ec, rc, "%s: item %zu: %s (--allow-unsigned accepts it)", f->path,
                          i + 1, lec.msg);
    (void)pi;
    const struct sf_package_manifest *m = &pi->manifest;
    int scsi = r->match.cls == SF_BL_SES || r->match.cls == SF_BL_DRIVE;
    if (!carries(r, m))
        return sf_err_set(ec, SF_ECONFIG, "%s: item %zu: %s carries no image for component "
                          "%s", f->path, i + 1, f->pkg[i], r->match.component);
    if (!brings(r, m))
        return sf_err_set(ec, SF_ECONFIG, "%s: item %zu: %s brings %s %s, not the %s the "
                          "baseline says", f->path, i + 1, f->pkg[i],
                          r->match.component[0] ? r->match.component
                          : scsi && m->revision[0] ? "revision" : "version",
                          scsi && m->revision[0] ? m->revision : m->version, r->version);
    if (r->match.cls == SF_BL_REDFISH && !m->ncomponents)
        return sf_err_set(ec, SF_ECONFIG, "%s: item %zu: %s names no board components (a "
                          "board package does: package create --component)", f->path, i + 1,
                          f->pkg[i]);
    return 0;
}

int sf_fleet_open(sf_ctx *ctx, const char *path, const struct sf_fleet_options *o,
                  sf_fleet **out, struct sf_errctx *ec)
{
    if (!ctx || !path || !o || !out || o->version != SF_FLEET_OPTIONS_VERSION)
        return SF_EINVAL;
    *out = NULL;
    struct sf_fleet *f = calloc(1, sizeof(*f));
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return SF_ENOMEM;
    }
    f->ctx = ctx;
    f->o = *o;
    f->o.update.allow_unsigned = o->allow_unsigned;
    int rc = sf_baseline_load(path, &f->bl, ec);
    if (rc)
        goto fail;
    enum sf_bl_sig state;
    struct sf_errctx vec = { 0 };
    rc = sf_baseline_verify(f->bl->raw, f->bl->raw_len, f->bl->has_sig ? f->bl->sig : NULL,
                            sf_ctx_keys_dir(ctx), &state, f->info.signer, &vec);
    /* allow_unsigned: a baseline no trusted key can vouch for (unsigned,
     * or no keys here) goes on; one a trusted key contradicts (altered,
     * or signed by another key) never does. */
    if (rc && !((state == SF_BL_SIG_UNSIGNED || state == SF_BL_SIG_NO_KEYS) &&
                o->allow_unsigned)) {
        rc = sf_err_set(ec, rc, "%s: %s%s", path, vec.msg, state == SF_BL_SIG_UNSIGNED
                        ? " (sign it with 'safeflash baseline sign', or pass --allow-unsigned)"
                        : "");
        goto fail;
    }
    f->info.signed_ = rc == 0;
    if (rc)
        f->info.signer[0] = '\0';
    snprintf(f->info.name, sizeof(f->info.name), "%s", f->bl->name);
    size_t n = f->bl->nrules;
    f->pkg = calloc(n, sizeof(*f->pkg));
    f->layout = calloc(n, sizeof(*f->layout));
    f->pk = calloc(n, sizeof(*f->pk));
    if (!f->pkg || !f->layout || !f->pk) {
        rc = SF_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        if ((rc = open_rule(f, i, ec)))
            goto fail;
    *out = f;
    return 0;
fail:
    sf_fleet_free(f);
    return rc;
}

int sf_fleet_add_target(sf_fleet *f, const char *target)
{
    if (!f || !target || !*target || f->checked || f->ntargets == SF_FLEET_MAX_TARGETS ||
        strlen(target) >= sizeof(((struct sf_fleet_row *)0)->target) ||
        !sf_update_class_for(target))
        return SF_EINVAL;
    for (size_t i = 0; i < f->ntargets; i++)
        if (!strcmp(f->targets[i], target))
            return SF_EINVAL;
    if (!(f->targets[f->ntargets] = strdup(target)))
        return SF_ENOMEM;
    f->ntargets++;
    return 0;
}

void sf_fleet_free(sf_fleet *f)
{
    if (!f)
        return;
    for (size_t i = 0; f->bl && i < f->bl->nrules; i++) {
        free(f->pkg ? f->pkg[i] : NULL);
        free(f->layout ? f->layout[i] : NULL);
        sf_package_free(f->pk ? f->pk[i] : NULL);
    }
    free(f->pkg);
    free(f->layout);
    free(f->pk);
    for (size_t i = 0; i < f->ntargets; i++)
        free(f->targets[i]);
    for (size_t i = 0; i < f->ng; i++) {
        for (size_t k = 0; k < f->g[i].ntargets; k++)
            free(f->g[i].targets[k]);
        sf_update_free(f->g[i].planned);
    }
    free(f->g);
    free(f->rows);
    for (size_t i = 0; i < f->nwarn; i++)
        free(f->warn[i]);
    sf_baseline_free(f->bl);
    free(f->path);
    free(f);
}

size_t sf_fleet_count(const sf_fleet *f)
{
    return f ? f->nrows : 0;
}

const struct sf_fleet_row *sf_fleet_row(const sf_fleet *f, size_t i)
{
    return f && i < f->nrows ? &f->rows[i] : NULL;
}

const struct sf_fleet_info *sf_fleet_info(const sf_fleet *f)
{
    return f ? &f->info : NULL;
}

const char *const *sf_fleet_warnings(const sf_fleet *f)
{
    static const char *const none[1] = { NULL };
    return f ? f->warnv : none;
}

void sf_fleet_plan_warnings(struct sf_fleet *f, const sf_update *u)
{
    const char *const *w = u ? sf_update_warnings(u) : NULL;
    for (size_t i = 0; w && w[i] && f->nwarn < SF_FLEET_MAX_WARN; i++) {
        int seen = 0;
        for (size_t k = 0; k < f->nwarn && !seen; k++)
            seen = !strcmp(f->warn[k], w[i]);
        if (seen || !(f->warn[f->nwarn] = strdup(w[i])))
            continue;
        f->warnv[f->nwarn] = f->warn[f->nwarn];
        f->nwarn++;
        f->warnv[f->nwarn] = NULL;
    }
}

int sf_fleet_sign_baseline(const char *path, const char *keyfile, char keyid[17],
                           struct sf_errctx *ec)
{
    if (!path || !keyfile)
        return SF_EINVAL;
    return sf_baseline_sign_file(path, keyfile, keyid, ec);
}
