/*
 * sf_rfsess.h - a conversation with one Redfish service: the service root,
 * a session (X-Auth-Token, logged in again when the BMC forgets it - a
 * reset drops every session), Basic authentication when the service has
 * no SessionService or refuses a session, and the waiting every BMC needs:
 * 503 with Retry-After, and a reset (connection refused, then 503, then
 * /redfish/v1 answering 200).
 *
 * Bytes go through transport/sf_http; bodies are read and built by
 * proto/sf_redfish.
 */
#ifndef SF_RFSESS_H
#define SF_RFSESS_H

#include "proto/sf_redfish.h"
#include "transport/sf_http.h"

struct sf_rfs_opts {
    struct sf_http_opts http;
    int plain_http;           /* http:// (loopback only; the CLI checks) */
    unsigned busy_budget_s;   /* how long 503s are waited out per request; default 60 */
};

struct sf_rfs {
    struct sf_http *h;
    struct sf_rf_target t;
    char base[400];
    char password[256];
    char root_path[16];       /* "/redfish/v1", or "/redfish/v1/" where only that answers */
    struct sf_rf_root root;
    int basic;                /* Basic authentication (no session) */
    char session[SF_RF_URI];  /* our session's URI, to log out */
    unsigned busy_budget_s;
    unsigned waited_503;      /* 503 answers waited out (for reports) */
    unsigned logins;
};

/* Connect: read the service root, log in.  Errors: SF_EIO (cannot
 * connect), SF_EACCES (authentication or TLS), SF_EMALFORMED, SF_ENOTSUP. */
int sf_rfs_open(const struct sf_rf_target *t, const char *password, const struct sf_rfs_opts *o,
                struct sf_rfs **out, struct sf_errctx *ec);
/* Log out (best effort) and free; the password is wiped. */
void sf_rfs_close(struct sf_rfs *s);

/*
 * One request with the waiting and re-login folded in: 503 is retried
 * after Retry-After (1 s when absent) until busy_budget_s; 401 logs in once
 * more and retries.  Any other status comes back in r (check r->status).
 * Transport failures come back as errors with r->fail set.
 */
int sf_rfs_call(struct sf_rfs *s, const char *method, const char *path, const char *ctype,
                const void *body, size_t len, struct sf_http_resp *r, struct sf_errctx *ec);
int sf_rfs_multipart(struct sf_rfs *s, const char *path, const char *params,
                     const char *file_name, const void *file, size_t len,
                     struct sf_http_resp *r, struct sf_errctx *ec);

/* GET path expecting 200 and a body: SF_ENODEV for 404, SF_EIO for other
 * statuses (with the service's own error message). */
int sf_rfs_get(struct sf_rfs *s, const char *path, struct sf_http_resp *r, struct sf_errctx *ec);

/*
 * Wait for the service to come back after a reset: connection refused or
 * timing out, then 503, then GET /redfish/v1 answering 200 - within
 * timeout_s.  Then log in again.  saw_down says whether it was seen down
 * at all (a reset that had not begun yet is not "back").  progress (may
 * be NULL) is told each change of state.
 */
int sf_rfs_wait_back(struct sf_rfs *s, unsigned timeout_s, int need_down, int *saw_down,
                     void (*progress)(const char *what, void *arg), void *arg,
                     struct sf_errctx *ec);

#endif
