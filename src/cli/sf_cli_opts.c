/*
 * sf_cli_opts.c - the parser, the help and the dispatch of every command,
 * all read from the tables of sf_cli_table.c (see sf_cli_opts.h).
 *
 * Adding an option is adding a row: the parser accepts it for the commands
 * and target kinds the row names, the help lists it there, the completion
 * offers it; the command's handler gives it meaning (a handler meeting an
 * option it does not know is a bug caught by tests/scenarios/120).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sf_cli.h"
#include "sf_cli_opts.h"
#include "sf_cli_table.h"

#define SF_VERSION "0.1.0"


const char *sf_cli_arg(const struct sf_cli_args *a, int id)
{
    const char *v = NULL;
    for (size_t i = 0; i < a->nopt; i++)
        if (a->opt[i].id == id)
            v = a->opt[i].val;
    return v;
}

int sf_cli_has(const struct sf_cli_args *a, int id)
{
    for (size_t i = 0; i < a->nopt; i++)
        if (a->opt[i].id == id)
            return 1;
    return 0;
}

static const char *kind_words(unsigned k)
{
    switch (k) {
    case SF_K_SCSI: return "enclosures and drives (/dev/sgN)";
    case SF_K_FLASH: return "flash targets (mtd:/dev/mtdN, file:PATH)";
    case SF_K_REDFISH: return "Redfish targets (redfish://USER@HOST[:PORT])";
    case SF_K_SCSI | SF_K_REDFISH: return "enclosures, drives and Redfish targets";
    case SF_K_SCSI | SF_K_FLASH: return "enclosures, drives and flash targets";
    case SF_K_FLASH | SF_K_REDFISH: return "flash and Redfish targets";
    default: return "every target";
    }
}

static int kind_of(const char *s)
{
    if (!strncmp(s, "redfish://", 10))
        return SF_K_REDFISH;
    if (!strncmp(s, "mtd:", 4) || !strncmp(s, "file:", 5))
        return SF_K_FLASH;
    return SF_K_SCSI;
}

/* ---- help ---- */

/* Text re-flowed into lines of at most 79 columns, every line after the
 * first indented to indent (the first starts at first_col). */
static void put_text(FILE *f, const char *text, int indent, int first_col)
{
    int col = first_col;
    const char *p = text;
    while (*p) {
        while (*p == ' ' || *p == '\n')
            p++;
        size_t w = strcspn(p, " \n");
        if (!w)
            break;
        if (col > indent && col + 1 + (int)w > 79) {
            fputc('\n', f);
            col = 0;
        }
        if (col < indent) {
            fprintf(f, "%*s", indent - col, "");
            col = indent;
        } else if (col > indent || (col == indent && col != first_col)) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += (int)w;
        p += w;
        /* Two spaces after a sentence, as written. */
        if (p[0] == ' ' && p[1] == ' ' && col + 1 < 79) {
            fputc(' ', f);
            col++;
        }
    }
    fputc('\n', f);
}

static void put_opt(FILE *f, const struct optdef *o, const char *note)
{
    char head[80];
    if (o->shortc)
        snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->shortc, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    else
        snprintf(head, sizeof(head), "      --%s%s%s", o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
    fputs(head, f);
    int col = (int)strlen(head);
    if (col > 28) {
        fputc('\n', f);
        col = 0;
    } else {
        fputc(' ', f);
        col++;
    }
    if (note) {
        char buf[600];
        snprintf(buf, sizeof(buf), "%s\n(%s)", o->help, note);
        put_text(f, buf, 30, col);
    } else {
        put_text(f, o->help, 30, col);
    }
}

/* The kinds an option row has for cmd, restricted to those the command
 * takes. */
static unsigned row_kinds(const struct optdef *o, const struct cmddef *c)
{
    return c->kinds ? (o->kinds & c->kinds) : SF_K_ANY;
}

static const struct cmddef *find_cmd(const char *name)
{
    for (size_t i = 0; i < ncmddefs; i++)
        if (!strcmp(cmddefs[i].name, name))
            return &cmddefs[i];
    return NULL;
}

static void put_exits(FILE *f, const char *which)
{
    fputs("Exit codes:\n", f);
    for (const struct sf_cli_exit_doc *e = sf_cli_exit_docs; e->text; e++) {
        if (which) {
            char key[8];
            snprintf(key, sizeof(key), " %d ", e->code);
            char padded[128];
            snprintf(padded, sizeof(padded), " %s ", which);
            if (!strstr(padded, key))
                continue;
        }
        char head[16];
        snprintf(head, sizeof(head), "  %2d  ", e->code);
        fputs(head, f);
        put_text(f, e->text, 6, 6);
    }
}

static void help_cmd(FILE *f, const struct cmddef *c)
{
    const char *s = c->synopsis;
    int first = 1;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        /* A line that starts with spaces continues the one before. */
        fprintf(f, "%s %s%.*s\n", first ? "Usage:" : "      ",
                *s == ' ' ? "          " : "safeflash ", (int)n, s);
        first = 0;
        s += n + (nl ? 1 : 0);
    }
    fputc('\n', f);
    put_text(f, c->about, 0, 0);
    fputs("\nOptions (before or after the operands; -- ends them):\n", f);
    unsigned allk = c->kinds ? c->kinds : SF_K_ANY;
    /* Options of every kind first, then those of one kind only. */
    for (size_t i = 0; i < noptdefs; i++) {
        const struct optdef *o = &optdefs[i];
        if (!(o->cmds & c->bit))
            continue;
        unsigned k = row_kinds(o, c);
        int single = k == SF_K_SCSI || k == SF_K_FLASH || k == SF_K_REDFISH;
        if (single && k != allk)
            continue;
        put_opt(f, o, k == allk ? NULL : kind_words(k));
    }
    static const unsigned kinds[] = { SF_K_SCSI, SF_K_FLASH, SF_K_REDFISH };
    for (size_t ki = 0; ki < 3 && c->kinds; ki++) {
        unsigned k = kinds[ki];
        if (!(allk & k) || k == allk)
            continue;
        int any = 0;
        for (size_t i = 0; i < noptdefs; i++) {
            const struct optdef *o = &optdefs[i];
            if (!(o->cmds & c->bit) || row_kinds(o, c) != k)
                continue;
            if (!any)
                fprintf(f, "\nFor %s:\n", kind_words(k));
            any = 1;
            put_opt(f, o, NULL);
        }
        if (!any)
            fprintf(f, "\nFor %s: no options of their own.\n", kind_words(k));
    }
    fputc('\n', f);
    put_exits(f, c->exits);
}

void sf_cli_help(FILE *f, const char *cmd)
{
    const struct cmddef *c = cmd ? find_cmd(cmd) : NULL;
    if (c) {
        help_cmd(f, c);
        return;
    }
    fputs("Usage: safeflash [--version] [--help] COMMAND [ARGS]\n"
          "\n"
          "Firmware updates that never brick, never loop, never flash twice, never\n"
          "leave a redundant pair degraded, and say exactly what happened.\n"
          "\n"
          "Targets:\n"
          "  /dev/sgN                      SES enclosures and SCSI drives\n"
          "  mtd:/dev/mtdN, file:PATH      board firmware in NOR flash (--layout FILE)\n"
          "  redfish://USER@HOST[:PORT]    server boards through their BMC\n"
          "\n"
          "Commands:\n", f);
    for (size_t i = 0; i < ncmddefs; i++) {
        const char *s = cmddefs[i].synopsis, *nl = strchr(s, '\n');
        int n = nl ? (int)(nl - s) : (int)strlen(s);
        fprintf(f, "  %.*s\n", n, s);
    }
    fputs("  help [COMMAND]\n"
          "\n"
          "'safeflash help COMMAND' (or 'safeflash COMMAND --help') lists every option\n"
          "of a command for every kind of target.  Options go before or after the\n"
          "operands; -- ends them.\n"
          "\n"
          "Environment:\n"
          "  SAFEFLASH_EMU        emulator config declaring emulated devices\n"
          "  SAFEFLASH_TRANSPORT  auto (default), sgio or emu\n"
          "  SAFEFLASH_KEYS       trusted public keys (default /etc/safeflash/keys)\n"
          "  SAFEFLASH_REDFISH_PASSWORD  the BMC password (else a prompt)\n"
          "  SAFEFLASH_STATE_DIR  history, journal, staged images, locks\n"
          "                       (default /var/lib/safeflash)\n"
          "\n", f);
    put_exits(f, NULL);
}

/* ---- parsing ---- */

static const struct optdef *lookup_long(const char *name, size_t len, unsigned cmd, int *known)
{
    *known = 0;
    for (size_t i = 0; i < noptdefs; i++) {
        const struct optdef *o = &optdefs[i];
        if (strlen(o->name) != len || strncmp(o->name, name, len))
            continue;
        *known = 1;
        if (o->cmds & cmd)
            return o;
    }
    return NULL;
}

static const struct optdef *lookup_short(char ch, unsigned cmd, int *known)
{
    *known = 0;
    for (size_t i = 0; i < noptdefs; i++) {
        const struct optdef *o = &optdefs[i];
        if (o->shortc != ch)
            continue;
        *known = 1;
        if (o->cmds & cmd)
            return o;
    }
    return NULL;
}

/* Does any row (of any command) take a value under this spelling?  Used
 * only to find the command word among options given before it. */
static int takes_value_anywhere(const char *arg)
{
    if (!strncmp(arg, "--", 2)) {
        if (strchr(arg, '='))
            return 0;
        for (size_t i = 0; i < noptdefs; i++)
            if (!strcmp(optdefs[i].name, arg + 2))
                return optdefs[i].arg != NULL;
        return 0;
    }
    if (arg[0] == '-' && arg[1] && !arg[2])
        for (size_t i = 0; i < noptdefs; i++)
            if (optdefs[i].shortc == arg[1])
                return optdefs[i].arg != NULL;
    return 0;
}

/* Returns 0, or the usage error's exit code after saying why; *help set
 * for -h/--help. */
static int parse(const struct cmddef *c, int argc, char **argv, struct sf_cli_args *a,
                 int *help)
{
    const char *cmd = c->name;
    int dashdash = 0;
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i];
        if (dashdash || arg[0] != '-' || !arg[1]) {
            a->ops[a->nops++] = arg;
            continue;
        }
        if (!strcmp(arg, "--")) {
            dashdash = 1;
            continue;
        }
        if (arg[1] == '-') {
            const char *name = arg + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            int known;
            const struct optdef *o = lookup_long(name, len, c->bit, &known);
            if (!o)
                return sf_cli_usage_error(cmd, known ? "'--%.*s' is not an option of %s"
                                                     : "unknown option '--%.*s'%s",
                                          (int)len, name, known ? cmd : "");
            const char *val = NULL;
            if (o->arg) {
                if (eq)
                    val = eq + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return sf_cli_usage_error(cmd, "--%s needs a value (%s)", o->name, o->arg);
            } else if (eq) {
                return sf_cli_usage_error(cmd, "--%s takes no value", o->name);
            }
            if (o->id == SF_O_HELP) {
                *help = 1;
                continue;
            }
            a->opt[a->nopt++] = (struct sf_cli_optval){ o->id, val, o->name };
            continue;
        }
        /* Short options: -y, -a, -h, -o FILE, -oFILE, clusters of flags. */
        for (char *p = arg + 1; *p; p++) {
            int known;
            const struct optdef *o = lookup_short(*p, c->bit, &known);
            if (!o)
                return sf_cli_usage_error(cmd, known ? "'-%c' is not an option of %s"
                                                     : "unknown option '-%c'%s",
                                          *p, known ? cmd : "");
            const char *val = NULL;
            if (o->arg) {
                if (p[1])
                    val = p + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return sf_cli_usage_error(cmd, "-%c needs a value (%s)", *p, o->arg);
            }
            if (o->id == SF_O_HELP)
                *help = 1;
            else
                a->opt[a->nopt++] = (struct sf_cli_optval){ o->id, val, o->name };
            if (val)
                break;
        }
    }
    if (*help)
        return 0;
    /* The kind of target, from the operands. */
    a->kind = SF_K_NONE;
    if (c->kinds) {
        /* A prefixed target (redfish://, mtd:, file:) sets the kind; the
         * other operands are then images (install) or mistakes the
         * command's handler names.  Plain paths alone are SCSI devices. */
        const char *rf = NULL, *fl = NULL;
        for (size_t i = 0; i < a->nops; i++) {
            int k = kind_of(a->ops[i]);
            if (k == SF_K_REDFISH && !rf)
                rf = a->ops[i];
            if (k == SF_K_FLASH && !fl)
                fl = a->ops[i];
        }
        if (rf && fl)
            return sf_cli_usage_error(cmd, "'%s' and '%s' are different kinds of target: one "
                                      "kind per run", fl, rf);
        a->kind = rf ? SF_K_REDFISH : fl ? SF_K_FLASH : SF_K_SCSI;
        if (!(c->kinds & (unsigned)a->kind))
            return sf_cli_usage_error(cmd, "%s is not for %s", cmd, kind_words((unsigned)a->kind));
    }
    /* Every option given must belong to this kind of target. */
    for (size_t i = 0; i < a->nopt; i++) {
        unsigned k = 0;
        for (size_t j = 0; j < noptdefs; j++)
            if (optdefs[j].id == a->opt[i].id && (optdefs[j].cmds & c->bit))
                k |= optdefs[j].kinds;
        if (a->kind && !(k & (unsigned)a->kind))
            return sf_cli_usage_error(cmd, "--%s is for %s%s%s", a->opt[i].name, kind_words(k),
                                      a->nops ? ", not " : "",
                                      a->nops ? a->ops[a->nops - 1] : "");
    }
    return 0;
}

/* The help of every subcommand of a group ("package", "key"). */
static void help_group(FILE *f, const char *group)
{
    size_t n = strlen(group);
    for (size_t i = 0; i < ncmddefs; i++)
        if (!strncmp(cmddefs[i].name, group, n) && cmddefs[i].name[n] == ' ') {
            help_cmd(f, &cmddefs[i]);
            fputc('\n', f);
        }
}

/* The words that take a subcommand. */
static int is_group(const char *w)
{
    return !strcmp(w, "package") || !strcmp(w, "key") || !strcmp(w, "baseline");
}

static const struct cmddef *cmd_of(const char *w1, const char *w2, int *words)
{
    char name[64];
    *words = 1;
    if (is_group(w1)) {
        if (!w2)
            return NULL;
        snprintf(name, sizeof(name), "%s %s", w1, w2);
        *words = 2;
        return find_cmd(name);
    }
    return find_cmd(w1);
}

int sf_cli_main(int argc, char **argv)
{
    /* The command words: the first one or two words that are not options
     * (or option values). */
    int wpos[3] = { -1, -1, -1 }, nw = 0, help = 0, version = 0;
    for (int i = 1; i < argc && nw < 3; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--"))
            break;
        if (s[0] == '-' && s[1]) {
            if (nw == 0 && (!strcmp(s, "--help") || !strcmp(s, "-h")))
                help = 1;
            else if (nw == 0 && (!strcmp(s, "--version") || !strcmp(s, "-V")))
                version = 1;
            else if (takes_value_anywhere(s))
                i++;
            continue;
        }
        wpos[nw++] = i;
        /* Only "package", "key", "baseline" and "help" take a second word. */
        const char *w0 = argv[wpos[0]];
        if (nw == 1 && !is_group(w0) && strcmp(w0, "help"))
            break;
        if (nw == 2 && strcmp(w0, "help"))
            break;
        if (nw == 2 && !is_group(argv[wpos[1]]))
            break;
    }
    if (version && nw == 0) {
        printf("safeflash %s\n", SF_VERSION);
        return SF_EXIT_OK;
    }
    if (nw == 0) {
        if (help) {
            sf_cli_help(stdout, NULL);
            return SF_EXIT_OK;
        }
        if (argc > 1)
            return sf_cli_usage_error(NULL, "unknown option '%s'", argv[1]);
        sf_cli_help(stderr, NULL);
        return SF_EXIT_USAGE;
    }
    const char *w0 = argv[wpos[0]];
    if (!strcmp(w0, "help")) {
        if (nw == 1) {
            sf_cli_help(stdout, NULL);
            return SF_EXIT_OK;
        }
        if (!strcmp(argv[wpos[1]], "help")) {
            sf_cli_help(stdout, NULL);
            return SF_EXIT_OK;
        }
        int words;
        const struct cmddef *c = cmd_of(argv[wpos[1]], nw > 2 ? argv[wpos[2]] : NULL, &words);
        if (!c && is_group(argv[wpos[1]])) {
            help_group(stdout, argv[wpos[1]]); /* help package: each subcommand */
            return SF_EXIT_OK;
        }
        if (!c)
            return sf_cli_usage_error(NULL, "no command '%s'", argv[wpos[1]]);
        help_cmd(stdout, c);
        return SF_EXIT_OK;
    }
    int words;
    const struct cmddef *c = cmd_of(w0, nw > 1 ? argv[wpos[1]] : NULL, &words);
    if (!c) {
        if (is_group(w0)) {
            int ask = 0;
            for (int i = 1; i < argc; i++)
                ask |= !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");
            if (ask) {
                help_group(stdout, w0);
                return SF_EXIT_OK;
            }
            if (nw < 2)
                return sf_cli_usage_error(w0, "needs a subcommand: %s", !strcmp(w0, "key")
                                          ? "generate" : !strcmp(w0, "baseline") ? "sign"
                                          : "create, inspect or verify");
            return sf_cli_usage_error(w0, "unknown subcommand '%s'", argv[wpos[1]]);
        }
        return sf_cli_usage_error(NULL, "unknown command '%s'", w0);
    }
    /* Everything but the command words is options and operands. */
    struct sf_cli_args a = { .cmd = c->name, .cmdbit = c->bit };
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    a.opt = calloc((size_t)argc + 1, sizeof(*a.opt));
    a.ops = calloc((size_t)argc + 1, sizeof(*a.ops));
    if (!rest || !a.opt || !a.ops) {
        free(rest);
        free(a.opt);
        free(a.ops);
        fprintf(stderr, "safeflash: out of memory\n");
        return SF_EXIT_FAILED;
    }
    int nrest = 0;
    for (int i = 1; i < argc; i++)
        if (i != wpos[0] && !(words == 2 && i == wpos[1]))
            rest[nrest++] = argv[i];
    help = 0;
    int code = parse(c, nrest, rest, &a, &help);
    if (!code && help) {
        help_cmd(stdout, c);
    } else if (!code) {
        handler_fn fn = a.kind == SF_K_FLASH ? c->flash : a.kind == SF_K_REDFISH ? c->redfish
                                                                                 : c->scsi;
        code = fn ? fn(&a) : sf_cli_usage_error(c->name, "%s is not for %s", c->name,
                                                kind_words((unsigned)a.kind));
    }
    free(rest);
    free(a.opt);
    free(a.ops);
    return code;
}
