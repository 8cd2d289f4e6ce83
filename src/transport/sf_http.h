/*
 * sf_http.h - HTTP(S) requests through libcurl, for Redfish BMCs.
 *
 * A transport: it moves bytes and reports what the connection did
 * (refused, timed out, TLS failures, status, the few headers Redfish
 * needs); it never interprets a body.  HTTPS verifies the peer against the
 * system CAs, a CA file, or a pinned public key; `insecure` turns
 * verification off for labs.  Plain http:// is the caller's decision.
 */
#ifndef SF_HTTP_H
#define SF_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

struct sf_http_opts {
    int insecure;             /* no certificate or host name checks */
    const char *ca_file;      /* PEM bundle to verify against, NULL: system */
    const char *pin;          /* "sha256//BASE64" public key pin, NULL: none */
    long connect_timeout_ms;  /* default 5000 */
    long timeout_ms;          /* whole request, default 300000 (an image push) */
};

/* What went wrong below HTTP, for callers that wait out a reset. */
enum sf_http_fail {
    SF_HTTP_OK = 0,
    SF_HTTP_REFUSED,          /* connection refused / reset: the service is down */
    SF_HTTP_TIMEOUT,
    SF_HTTP_TLS,              /* certificate, host name or pin did not verify */
    SF_HTTP_OTHER,
};

struct sf_http_resp {
    long status;              /* 0 when no HTTP response came */
    enum sf_http_fail fail;
    char *body;               /* NUL-terminated, may be empty */
    size_t len;
    char location[512];       /* Location header, "" */
    char token[256];          /* X-Auth-Token header, "" */
    unsigned retry_after;     /* Retry-After seconds, 0 when absent */
};

struct sf_http;

/* base: "https://host:port" (no path).  Errors: SF_EINVAL, SF_ENOMEM. */
int sf_http_open(const char *base, const struct sf_http_opts *o, struct sf_http **out,
                 struct sf_errctx *ec);
void sf_http_close(struct sf_http *h);
/* Change the whole-request timeout; returns the previous one. */
long sf_http_set_timeout(struct sf_http *h, long ms);

/* Authentication for later requests: a session token, or Basic (user and
 * password), or nothing (both NULL). */
void sf_http_auth_token(struct sf_http *h, const char *token);
void sf_http_auth_basic(struct sf_http *h, const char *user, const char *password);

/*
 * One request.  body may be NULL.  Returns 0 when an HTTP response arrived
 * (any status: look at r->status), or SF_EIO / SF_ETIMEDOUT / SF_EACCES
 * (TLS) with r->fail saying which and ec a one-line message.  The response
 * is freed with sf_http_resp_free().
 */
int sf_http_request(struct sf_http *h, const char *method, const char *path,
                    const char *content_type, const void *body, size_t len,
                    struct sf_http_resp *r, struct sf_errctx *ec);

/* A multipart/form-data POST of the Redfish shape: a part "UpdateParameters"
 * (application/json) and a part "UpdateFile" (application/octet-stream). */
int sf_http_multipart(struct sf_http *h, const char *path, const char *params_json,
                      const char *file_name, const void *file, size_t len,
                      struct sf_http_resp *r, struct sf_errctx *ec);

void sf_http_resp_free(struct sf_http_resp *r);

#endif
