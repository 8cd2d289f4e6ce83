/*
 * sf_cli_pkg.c - `safeflash package create|inspect|verify`,
 * `safeflash key generate`: arguments, image files and the rendering of
 * what the library (include/safeflash/sf_package.h) reads and writes.
 * Also the CLI's shared helpers for files, keys and the library context.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "safeflash/sf_history_api.h"
#include "sf_cli_engine.h"
#include "safeflash/sf_package.h"
#include "sf_cli.h"
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

int sf_cli_read_file(const char *path, uint8_t **out, size_t *len, size_t max, char *msg,
                     size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        snprintf(msg, cap, "%s: %s", path, strerror(e));
        return e == EACCES ? SF_EACCES : SF_ENODEV;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode)) {
        fclose(f);
        snprintf(msg, cap, "%s: not a regular file", path);
        return SF_EINVAL;
    }
    size_t c = 1 << 16, n = 0;
    uint8_t *b = malloc(c);
    for (;;) {
        if (!b)
            break;
        size_t r = fread(b + n, 1, c - n, f);
        n += r;
        if (r == 0)
            break;
        if (n == c) {
            if (c >= max) {
                free(b);
                fclose(f);
                snprintf(msg, cap, "%s: larger than %zu MiB", path, max >> 20);
                return SF_ERANGE;
            }
            uint8_t *nb = realloc(b, c * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            c *= 2;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (!b)
        return SF_ENOMEM;
    if (rerr) {
        free(b);
        snprintf(msg, cap, "%s: read error", path);
        return SF_EIO;
    }
    if (n == 0) {
        free(b);
        snprintf(msg, cap, "%s: empty file", path);
        return SF_EINVAL;
    }
    *out = b;
    *len = n;
    return 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void pkg_usage(FILE *f)
{
    fputs("Usage: safeflash package create --image F --vendor V --product P --version X\n"
          "                                [--revision R] [--min-version Y] [--mode M]\n"
          "                                [--notes TEXT] [--target VENDOR:PRODUCT:FILE]...\n"
          "                                [--sign KEY] -o OUT\n"
          "       safeflash package create --component NAME:VERSION:FILE... --vendor V\n"
          "                                --product P --version X [--sign KEY] -o OUT\n"
          "       safeflash package inspect FILE [--json] [--keys DIR]\n"
          "       safeflash package verify FILE [--keys DIR]\n"
          "\n"
          "A package is one file: a signed manifest and its images (docs/package.md).\n"
          "--vendor/--product are fnmatch patterns matched against each subenclosure's\n"
          "vendor and product; --target gives another image for subenclosures that\n"
          "match VENDOR:PRODUCT.  --component makes a package for a server board's\n"
          "BMC: each component (bmc, bios, me...) gets FILE and must report VERSION\n"
          "afterwards; --vendor/--product then match the board's Manufacturer and\n"
          "Model.  Trusted keys: --keys, $SAFEFLASH_KEYS, or\n"
          "/etc/safeflash/keys (*.pub).\n",
          f);
}

static int pkg_create(int argc, char **argv)
{
    static const struct option o[] = {
        { "image", required_argument, NULL, 'i' },   { "vendor", required_argument, NULL, 'V' },
        { "product", required_argument, NULL, 'P' }, { "version", required_argument, NULL, 'v' },
        { "revision", required_argument, NULL, 'r' }, { "min-version", required_argument, NULL, 'm' },
        { "mode", required_argument, NULL, 'M' },    { "notes", required_argument, NULL, 'n' },
        { "target", required_argument, NULL, 't' },  { "sign", required_argument, NULL, 's' },
        { "output", required_argument, NULL, 'o' },  { "help", no_argument, NULL, 'h' },
        { "component", required_argument, NULL, 'C' },
        { NULL, 0, NULL, 0 },
    };
    struct sf_package_manifest *m = calloc(1, sizeof(*m));
    const char *image = NULL, *key = NULL, *out = NULL;
    const char *tfile[SF_PACKAGE_MAX_TARGETS], *cfile[SF_PACKAGE_MAX_COMPONENTS];
    int c, rc = SF_EXIT_USAGE;
    if (!m)
        return SF_EXIT_FAILED;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+o:h", o, NULL)) != -1) {
        switch (c) {
        case 'i': image = optarg; break;
        case 'V': snprintf(m->vendor, sizeof(m->vendor), "%s", optarg); break;
        case 'P': snprintf(m->product, sizeof(m->product), "%s", optarg); break;
        case 'v': snprintf(m->version, sizeof(m->version), "%s", optarg); break;
        case 'r': snprintf(m->revision, sizeof(m->revision), "%s", optarg); break;
        case 'm': snprintf(m->min_version, sizeof(m->min_version), "%s", optarg); break;
        case 'M': snprintf(m->mode, sizeof(m->mode), "%s", optarg); break;
        case 'n': snprintf(m->notes, sizeof(m->notes), "%s", optarg); break;
        case 's': key = optarg; break;
        case 'o': out = optarg; break;
        case 't': {
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
            tfile[m->ntargets] = argv[optind - 1] + (p2 + 1 - a);
            snprintf(t->image, sizeof(t->image), "%s", base_name(p2 + 1));
            m->ntargets++;
            free(a);
            break;
        }
        case 'C': {
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
        case 'h': pkg_usage(stdout); free(m); return SF_EXIT_OK;
        default:
            free(m);
            return sf_cli_usage_error("package create", "unknown option '%s'", argv[optind - 1]);
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
    if (optind < argc) {
        free(m);
        return sf_cli_usage_error("package create", "unexpected argument '%s'", argv[optind]);
    }
    struct sf_package_blob blobs[SF_PACKAGE_MAX_IMAGES];
    size_t n = 0;
    uint8_t *bufs[SF_PACKAGE_MAX_IMAGES] = { 0 };
    char msg[300];
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
        int r = sf_cli_read_file(files[i], &bufs[n], &len, 256u << 20, msg, sizeof(msg));
        if (r) {
            fprintf(stderr, "safeflash: %s\n", msg);
            rc = r == SF_ENODEV ? SF_EXIT_NODEV : SF_EXIT_FAILED;
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

static int pkg_inspect_verify(int argc, char **argv, int verify)
{
    static const struct option o[] = {
        { "json", no_argument, NULL, 'j' },
        { "keys", required_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd = verify ? "package verify" : "package inspect";
    int json = 0, c;
    const char *keys = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", o, NULL)) != -1) {
        switch (c) {
        case 'j': if (verify) return sf_cli_usage_error(cmd, "unknown option '--json'"); json = 1; break;
        case 'k': keys = optarg; break;
        case 'h': pkg_usage(stdout); return SF_EXIT_OK;
        default: return sf_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc)
        return sf_cli_usage_error(cmd, "needs exactly one FILE");
    struct sf_errctx ec = { 0 };
    sf_package *p = NULL;
    int rc = sf_package_open(argv[optind], &p, &ec);
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
        fprintf(stderr, "safeflash: %s: %s\n", argv[optind], sec.msg);
        rc = sf_cli_pkg_exit(src);
    } else if (verify) {
        printf("%s: OK: %zu image(s) match their SHA-256; manifest signed by trusted key %s\n",
               argv[optind], pi->manifest.nimages, pi->signer);
    } else if (json) {
        json_object *j = inspect_json(pi, sec.msg);
        sf_fmt_json_print(stdout, j);
        json_object_put(j);
    } else {
        inspect_text(argv[optind], pi, sec.msg);
    }
    sf_package_free(p);
    return rc;
}

int sf_cmd_package(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        pkg_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? SF_EXIT_USAGE : SF_EXIT_OK;
    }
    if (!strcmp(argv[1], "create"))
        return pkg_create(argc - 1, argv + 1);
    if (!strcmp(argv[1], "inspect"))
        return pkg_inspect_verify(argc - 1, argv + 1, 0);
    if (!strcmp(argv[1], "verify"))
        return pkg_inspect_verify(argc - 1, argv + 1, 1);
    return sf_cli_usage_error("package", "unknown subcommand '%s'", argv[1]);
}

int sf_cmd_key(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        puts("Usage: safeflash key generate PREFIX\n\nWrites PREFIX.key (Ed25519 private key, mode "
             "0600) and PREFIX.pub.\nCopy PREFIX.pub into the trusted key directory of the hosts "
             "that install.");
        return SF_EXIT_OK;
    }
    if (argc != 3 || strcmp(argv[1], "generate"))
        return sf_cli_usage_error("key", "usage: safeflash key generate PREFIX");
    struct sf_errctx ec = { 0 };
    char id[17] = "";
    int rc = sf_package_key_generate(argv[2], id, &ec);
    if (rc)
        return sf_cli_fail(rc, &ec);
    printf("wrote %s.key and %s.pub (key id %s)\n", argv[2], argv[2], id);
    return SF_EXIT_OK;
}
