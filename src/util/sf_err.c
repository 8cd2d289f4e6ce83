/*
 * sf_err.c - words for the error enum and the error-context helpers.
 */
#include "safeflash/sf_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sf_err_str(int err)
{
    switch (err) {
    case SF_OK: return "success";
    case SF_EINVAL: return "invalid argument";
    case SF_ENOMEM: return "out of memory";
    case SF_ETRUNC: return "truncated data";
    case SF_EMALFORMED: return "malformed data";
    case SF_ENODEV: return "no such device";
    case SF_EACCES: return "permission denied";
    case SF_ENOTENCL: return "not an enclosure";
    case SF_EIO: return "I/O error";
    case SF_ETIMEDOUT: return "command timed out";
    case SF_ECHECK: return "device reported CHECK CONDITION";
    case SF_EBUSY: return "device busy or not ready";
    case SF_ESTATUS: return "unexpected SCSI status";
    case SF_ENOTSUP: return "not supported by the device";
    case SF_ECONFIG: return "invalid configuration";
    case SF_ESTATE: return "state file unusable";
    case SF_ERANGE: return "value out of range";
    case SF_ESIG: return "package signature missing, bad or untrusted";
    case SF_EINTEGRITY: return "package contents do not match their hashes";
    case SF_EMISMATCH: return "package is not for this device";
    case SF_EVERSION: return "version ordering forbids the update";
    case SF_ELOCKED: return "device is locked by another safeflash";
    case SF_EJOURNAL: return "the journal cannot be written";
    case SF_EUNFINISHED: return "an unfinished attempt of another image holds the device";
    case SF_ECHANGED: return "the device changed since the plan";
    case SF_EFILE: return "file missing, unreadable, not a regular file or not writable";
    }
    return "unknown error";
}

void sf_errctx_clear(struct sf_errctx *ec)
{
    if (ec)
        memset(ec, 0, sizeof(*ec));
}

int sf_err_set(struct sf_errctx *ec, int err, const char *fmt, ...)
{
    if (ec && fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ec->msg, sizeof(ec->msg), fmt, ap);
        va_end(ap);
    }
    return err;
}
