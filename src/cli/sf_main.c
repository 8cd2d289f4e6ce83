/*
 * sf_main.c - `safeflash` entry point, and the mapping of library errors to
 * exit codes and one-line messages.  The command line itself is parsed and
 * dispatched by sf_cli_opts.c.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sf_cli.h"
#include "sf_cli_opts.h"

int sf_cli_exit_for(int err)
{
    switch (err) {
    case SF_OK: return SF_EXIT_OK;
    case SF_EINVAL: return SF_EXIT_USAGE;
    case SF_ENODEV: return SF_EXIT_NODEV;
    case SF_EACCES: return SF_EXIT_ACCES;
    case SF_ENOTENCL: return SF_EXIT_NOTENCL;
    case SF_ETRUNC:
    case SF_EMALFORMED: return SF_EXIT_GARBAGE;
    case SF_EIO:
    case SF_ETIMEDOUT:
    case SF_ECHECK:
    case SF_EBUSY:
    case SF_ESTATUS: return SF_EXIT_DEVICE;
    case SF_ENOTSUP: return SF_EXIT_NOTSUP;
    case SF_ECONFIG:
    case SF_ESTATE: return SF_EXIT_CONFIG;
    case SF_ELOCKED:
    case SF_EUNFINISHED:
    case SF_ECHANGED: return SF_EXIT_REFUSED; /* nothing was done: run again later */
    case SF_EJOURNAL: return SF_EXIT_JOURNAL;
    case SF_EFILE: return SF_EXIT_FILE;
    default: return SF_EXIT_FAILED;
    }
}

int sf_cli_fail(int err, const struct sf_errctx *ec)
{
    fprintf(stderr, "safeflash: %s\n", ec && ec->msg[0] ? ec->msg : sf_err_str(err));
    return sf_cli_exit_for(err);
}

int sf_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "safeflash%s%s: %s (see 'safeflash %s%s--help')\n", cmd ? " " : "",
            cmd ? cmd : "", msg, cmd ? cmd : "", cmd ? " " : "");
    return SF_EXIT_USAGE;
}

int sf_cli_refuse(int json, const char *target, int code, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "safeflash: %s\n", msg);
    if (json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "target", json_object_new_string(target));
        json_object_object_add(j, "result", json_object_new_string("refused"));
        json_object_object_add(j, "error", json_object_new_string(msg));
        json_object_object_add(j, "exit_code", json_object_new_int(code));
        puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
        json_object_put(j);
    }
    return code;
}

int main(int argc, char **argv)
{
    /* Before anything is printed: nothing that comes from a device, a
     * package, a BMC or the command line reaches the terminal raw. */
    sf_cli_text_install();
    return sf_cli_main(argc, argv);
}
