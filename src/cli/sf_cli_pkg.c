/*
 * sf_cli_pkg.c - `safeflash package create|inspect|verify`,
 * `safeflash key generate`: arguments, image files and the rendering of
 * what the library (include/safeflash/sf_package.h) reads and writes.
 * Also the CLI's shared helpers for files, keys and the library context.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safeflash/sf_history_api.h"
#include "sf_cli_engine.h"
#include "safeflash/sf_package.h"
#include "sf_cli.h"
#include "sf_cli_opts.h"
#include "sf_fmt.h"

const char *sf_cli_state_dir(const char *override)
{
    if (override && *override)
        return override;
    const char *e = getenv("SAFEFLASH_STATE_DIR");
    return e && *e ? e : "/var/lib/safeflash";
}

const char *sf_cli_keys_dir(const char *override)
{
    if (override && *override)
        return override;
    const char *e = getenv("SAFEFLASH_KEYS");
    return e && *e ? e : "/etc/safeflash/keys";
}

int sf_cli_lib_ctx(const char *state_dir, const char *keys, sf_ctx **out)
{
    /* One context for every command: state, keys, and the simulators the
     * environment names (sf_cli_engine.c). */
    int code = sf_cli_ctx(state_dir, sf_cli_keys_dir(keys), out);
    return code < 0 ? 0 : code;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int sf_cmd_package_create(const struct sf_cli_args *args)
{
    struct sf_package_manifest *m = calloc(1, sizeof(*m));
    const char *image = NULL, *key = NULL, *out = NULL;
    const char *tfile[SF_PACKAGE_MAX_TARGETS], *cfile[SF_PACKAGE_MAX_COMPONENTS];
    int rc = SF_EXIT_USAGE;
    if (!m)
        return SF_EXIT_FAILED;
    for (size_t k = 0; k < args->nopt; k++) {
        const char *optarg = args->opt[k].val;
        /* A field too long for the manifest is refused, never cut (a cut
         * can fall inside a UTF-8 character). */
        size_t cap = 0;
        switch (args->opt[k].id) {
        case SF_O_VENDOR: cap = sizeof(m->vendor); break;
        case SF_O_PRODUCT: cap = sizeof(m->product); break;
        case SF_O_VERSION: cap = sizeof(m->version); break;
        case SF_O_REVISION: cap = sizeof(m->revision); break;
        case SF_O_MIN_VERSION: cap = sizeof(m->min_version); break;
        case SF_O_MODE: cap = sizeof(m->mode); break;
        case SF_O_NOTES: cap = sizeof(m->notes); break;
        }
        if (cap && strlen(optarg) >= cap) {
            free(m);
            return sf_cli_usage_error("package create", "--%s is at most %zu bytes",
                                      args->opt[k].name, cap - 1);
        }
        switch (args->opt[k].id) {
        case SF_O_IMAGE: image = optarg; break;
        case SF_O_VENDOR: snprintf(m->vendor, sizeof(m->vendor), "%s", optarg); break;
        case SF_O_PRODUCT: snprintf(m->product, sizeof(m->product), "%s", optarg); break;
        case SF_O_VERSION: snprintf(m->version, sizeof(m->version), "%s", optarg); break;
        case SF_O_REVISION: snprintf(m->revision, sizeof(m->revision), "%s", optarg); break;
        case SF_O_MIN_VERSION: snprintf(m->min_version, sizeof(m->min_version), "%s", optarg); break;
        case SF_O_MODE: snprintf(m->mode, sizeof(m->mode), "%s", optarg); break;
        case SF_O_NOTES: snprintf(m->notes, sizeof(m->notes), "%s", optarg); break;
        case SF_O_SIGN: key = optarg; break;
        case SF_O_OUTPUT: out = optarg; break;
        case SF_O_TARGET: {
            char *a = strdup(optarg), *p1 = a ? strchr(a, ':') : NULL, *p2 = p1 ? strchr(p1 + 1, ':') : NULL;
            if (!p2 || m->ntargets >= SF_PACKAGE_MAX_TARGETS) {
                free(a);
                free(m);
                return sf_cli_usage_error("package create", "--target takes VENDOR:PRODUCT:FILE");
            }
            *p1 = *p2 = '\0';
            struct sf_package_target *t = &m->targets[m->ntargets];
            snprintf(t->vendor, sizeof(t->vendor), "%s", a);
            snprintf(t->product, sizeof(t->product), "%s", p1 + 1);
            tfile[m->ntargets] = optarg + (p2 + 1 - a);
            snprintf(t->image, sizeof(t->image), "%s", base_name(p2 + 1));
            m->ntargets++;
            free(a);
            break;
        }
        case SF_O_COMPONENT: {
            /* NAME:VERSION:FILE - the file is the rest, so it may hold ':'. */
            const char *p1 = strchr(optarg, ':'), *p2 = p1 ? strchr(p1 + 1, ':') : NULL;
            if (!p2 || p1 == optarg || p2 == p1 + 1 || !p2[1] ||
                m->ncomponents >= SF_PACKAGE_MAX_COMPONENTS) {
                free(m);
                return sf_cli_usage_error("package create", "--component takes NAME:VERSION:FILE "
                                          "(at most %d)", SF_PACKAGE_MAX_COMPONENTS);
            }
            struct sf_package_component *mc = &m->components[m->ncomponents];
            snprintf(mc->component, sizeof(mc->component), "%.*s", (int)(p1 - optarg), optarg);
            snprintf(mc->version, sizeof(mc->version), "%.*s", (int)(p2 - p1 - 1), p1 + 1);
            snprintf(mc->image, sizeof(mc->image), "%s", base_name(p2 + 1));
            cfile[m->ncomponents++] = p2 + 1;
            break;
        }
        default:
            free(m);
            return sf_cli_usage_error("package create", "'--%s' is not handled here",
                                      args->opt[k].name);
        }
    }
    if ((!image && !m->ncomponents) || !m->vendor[0] || !m->product[0] || !m->version[0] || !out) {
        free(m);
        return sf_cli_usage_error("package create", "needs --image (or --component), --vendor, "
                                  "--product, --version and -o");
    }
    if (m->ncomponents && (image || m->ntargets)) {
        free(m);
        return sf_cli_usage_error("package create", "--component makes a board package: no "
                                  "--image or --target with it");
    }
    if (args->nops) {
        free(m);
        return sf_cli_usage_error("package create", "unexpected argument '%s'", args->ops[0]);
    }
    struct sf_package_blob blobs[SF_PACKAGE_MAX_IMAGES];
    size_t n = 0;
    uint8_t *bufs[SF_PACKAGE_MAX_IMAGES] = { 0 };
    const char *files[1 + SF_PACKAGE_MAX_TARGETS + SF_PACKAGE_MAX_COMPONENTS];
    size_t nfiles = 0;
    if (image) {
        files[nfiles++] = image;
        snprintf(m->image, sizeof(m->image), "%s", base_name(image));
    }
    for (size_t i = 0; i < m->ntargets; i++)
        files[nfiles++] = tfile[i];
    for (size_t i = 0; i < m->ncomponents; i++)
        files[nfiles++] = cfile[i];
    for (size_t i = 0; i < nfiles; i++) {
        const char *nm = base_name(files[i]);
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            dup |= !strcmp(blobs[j].name, nm);
        if (dup)
            continue;
        if (n >= SF_PACKAGE_MAX_IMAGES) {
            fprintf(stderr, "safeflash: more than %d images\n", SF_PACKAGE_MAX_IMAGES);
            goto out;
        }
        size_t len = 0;
        struct sf_errctx fec = { 0 };
        int r = sf_package_read_file(files[i], 256u << 20, &bufs[n], &len, &fec);
        if (!r && !len) {
            free(bufs[n]);
            bufs[n] = NULL;
            r = sf_err_set(&fec, SF_EFILE, "%s: empty file", files[i]);
        }
        if (r) {
            rc = sf_cli_fail(r, &fec);
            goto out;
        }
        blobs[n].name = nm;
        blobs[n].data = bufs[n];
        blobs[n].len = len;
        n++;
    }
    struct sf_errctx ec = { 0 };
    char signer[17] = "";
    int r = sf_package_write(out, m, blobs, n, key, signer, &ec);
    if (r) {
        rc = sf_cli_fail(r, &ec);
        goto out;
    }
    printf("wrote %s: %s %s version %s, %zu image(s), %s%s\n", out, m->vendor, m->product,
           m->version, n, key ? "signed by key " : "unsigned", key ? signer : "");
    rc = SF_EXIT_OK;
out:
    for (size_t i = 0; i < n; i++)
        free(bufs[i]);
    free(m);
    return rc;
}

/* Exit codes for package problems: documented in README. */
int sf_cli_pkg_exit(int err)
{
    switch (err) {
    case SF_ESIG: return SF_EXIT_SIGNATURE;
    case SF_EINTEGRITY:
    case SF_EMALFORMED: return SF_EXIT_INTEGRITY;
    case SF_EMISMATCH: return SF_EXIT_MISMATCH;
    case SF_EVERSION: return SF_EXIT_VERSION;
    default: return sf_cli_exit_for(err);
    }
}

static json_object *inspect_json(const struct sf_package_info *pi, const char *problem)
{
    const struct sf_package_manifest *m = &pi->manifest;
    json_object *j = json_object_new_object();
    json_object_object_add(j, "package_sha256", json_object_new_string(pi->sha256));
    json_object_object_add(j, "format", json_object_new_int(m->format));
    json_object_object_add(j, "vendor", json_object_new_string(m->vendor));
    json_object_object_add(j, "product", json_object_new_string(m->product));
    json_object_object_add(j, "version", json_object_new_string(m->version));
    json_object_object_add(j, "revision", json_object_new_string(m->revision));
    if (m->min_version[0])
        json_object_object_add(j, "min_version", json_object_new_string(m->min_version));
    if (m->mode[0])
        json_object_object_add(j, "mode", json_object_new_string(m->mode));
    json_object_object_add(j, "release_notes", json_object_new_string(m->notes));
    json_object_object_add(j, "signed", json_object_new_boolean(pi->is_signed));
    json_object_object_add(j, "trusted", json_object_new_boolean(pi->trusted));
    if (pi->trusted)
        json_object_object_add(j, "signer", json_object_new_string(pi->signer));
    else
        json_object_object_add(j, "signature_problem", json_object_new_string(problem));
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < m->nimages; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "name", json_object_new_string(m->images[i].name));
        json_object_object_add(e, "size", json_object_new_int64((int64_t)m->images[i].size));
        json_object_object_add(e, "sha256", json_object_new_string(m->images[i].sha256));
        json_object_object_add(e, "default", json_object_new_boolean(!strcmp(m->image, m->images[i].name)));
        json_object_array_add(a, e);
    }
    json_object_object_add(j, "images", a);
    /* "targets" and "components" as the manifest holds them */
    json_object *t = json_object_new_array();
    for (size_t i = 0; i < m->ntargets; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "vendor", json_object_new_string(m->targets[i].vendor));
        json_object_object_add(e, "product", json_object_new_string(m->targets[i].product));
        json_object_object_add(e, "image", json_object_new_string(m->targets[i].image));
        json_object_array_add(t, e);
    }
    json_object_object_add(j, "targets", t);
    if (m->ncomponents) {
        json_object *c = json_object_new_array();
        for (size_t i = 0; i < m->ncomponents; i++) {
            json_object *e = json_object_new_object();
            json_object_object_add(e, "component", json_object_new_string(m->components[i].component));
            json_object_object_add(e, "version", json_object_new_string(m->components[i].version));
            json_object_object_add(e, "image", json_object_new_string(m->components[i].image));
            json_object_array_add(c, e);
        }
        json_object_object_add(j, "components", c);
    }
    return j;
}

static void inspect_text(const char *file, const struct sf_package_info *pi, const char *problem)
{
    const struct sf_package_manifest *m = &pi->manifest;
    printf("%s\n  package sha256: %s\n", file, pi->sha256);
    printf("  for:            vendor %s, product %s\n", m->vendor, m->product);
    if (m->ncomponents)
        printf("  version:        %s (a server board's components, for its BMC)\n", m->version);
    else if (m->revision[0])
        printf("  version:        %s (processors report revision %s)\n", m->version, m->revision);
    else
        printf("  version:        %s (board flash)\n", m->version);
    if (m->min_version[0])
        printf("  min version:    %s\n", m->min_version);
    if (m->mode[0])
        printf("  mode:           %s\n", m->mode);
    printf("  signature:      %s%s\n", pi->trusted ? "trusted key " : "NOT TRUSTED: ",
           pi->trusted ? pi->signer : problem);
    for (size_t i = 0; i < m->nimages; i++)
        printf("  image:          %s, %llu bytes, sha256 %s%s\n", m->images[i].name,
               (unsigned long long)m->images[i].size, m->images[i].sha256,
               m->image[0] && !strcmp(m->image, m->images[i].name) ? " (default)" : "");
    for (size_t i = 0; i < m->ntargets; i++)
        printf("  target:         vendor %s product %s gets %s\n", m->targets[i].vendor,
               m->targets[i].product, m->targets[i].image);
    for (size_t i = 0; i < m->ncomponents; i++)
        printf("  component:      %s gets %s, must then report %s\n", m->components[i].component,
               m->components[i].image, m->components[i].version);
    if (m->notes[0])
        printf("  release notes:\n    %s\n", m->notes);
}

static int pkg_inspect_verify(const struct sf_cli_args *a, int verify)
{
    const char *cmd = a->cmd;
    int json = sf_cli_has(a, SF_O_JSON);
    const char *keys = sf_cli_arg(a, SF_O_KEYS);
    if (a->nops != 1)
        return sf_cli_usage_error(cmd, "needs exactly one FILE");
    const char *file = a->ops[0];
    struct sf_errctx ec = { 0 };
    sf_package *p = NULL;
    int rc = sf_package_open(file, &p, &ec);
    if (rc) {
        fprintf(stderr, "safeflash: %s\n", ec.msg);
        return sf_cli_pkg_exit(rc);
    }
    sf_ctx *ctx = NULL;
    if ((rc = sf_cli_lib_ctx(NULL, keys, &ctx)) != 0) {
        sf_package_free(p);
        return rc;
    }
    struct sf_errctx sec = { 0 };
    int src = sf_package_check_signature(p, ctx, &sec);
    sf_ctx_free(ctx);
    const struct sf_package_info *pi = sf_package_info(p);
    if (verify && src) {
        fprintf(stderr, "safeflash: %s: %s\n", file, sec.msg);
        rc = sf_cli_pkg_exit(src);
    } else if (verify) {
        printf("%s: OK: %zu image(s) match their SHA-256; manifest signed by trusted key %s\n",
               file, pi->manifest.nimages, pi->signer);
    } else if (json) {
        json_object *j = inspect_json(pi, sec.msg);
        sf_fmt_json_print(stdout, j);
        json_object_put(j);
    } else {
        inspect_text(file, pi, sec.msg);
    }
    sf_package_free(p);
    return rc;
}

int sf_cmd_package_inspect(const struct sf_cli_args *a)
{
    return pkg_inspect_verify(a, 0);
}

int sf_cmd_package_verify(const struct sf_cli_args *a)
{
    return pkg_inspect_verify(a, 1);
}

int sf_cmd_key_generate(const struct sf_cli_args *a)
{
    if (a->nops != 1)
        return sf_cli_usage_error("key generate", "takes one PREFIX (PREFIX.key and PREFIX.pub "
                                  "are written)");
    const char *prefix = a->ops[0];
    struct sf_errctx ec = { 0 };
    char id[17] = "";
    int rc = sf_package_key_generate(prefix, id, &ec);
    if (rc)
        return sf_cli_fail(rc, &ec);
    printf("wrote %s.key and %s.pub (key id %s)\n", prefix, prefix, id);
    return SF_EXIT_OK;
}
