/* sf_http.c - see sf_http.h. */
#define _GNU_SOURCE
#include "transport/sf_http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct sf_http {
    CURL *curl;
    char base[512];
    struct sf_http_opts o;
    char ca_file[4096], pin[512];
    char token[256];
    char user[128], password[256];
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int sf_http_open(const char *base, const struct sf_http_opts *o, struct sf_http **out,
                 struct sf_errctx *ec)
{
    *out = NULL;
    if (!base || strlen(base) >= sizeof(((struct sf_http *)0)->base) ||
        (strncmp(base, "https://", 8) && strncmp(base, "http://", 7)))
        return sf_err_set(ec, SF_EINVAL, "not an http(s) URL: %s", base ? base : "(null)");
    pthread_once(&init_once, global_init);
    struct sf_http *h = calloc(1, sizeof(*h));
    if (!h)
        return SF_ENOMEM;
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        return sf_err_set(ec, SF_ENOMEM, "libcurl could not start");
    }
    snprintf(h->base, sizeof(h->base), "%s", base);
    if (o)
        h->o = *o;
    if (o && o->ca_file)
        snprintf(h->ca_file, sizeof(h->ca_file), "%s", o->ca_file);
    if (o && o->pin)
        snprintf(h->pin, sizeof(h->pin), "%s", o->pin);
    if (!h->o.connect_timeout_ms)
        h->o.connect_timeout_ms = 5000;
    if (!h->o.timeout_ms)
        h->o.timeout_ms = 300000;
    *out = h;
    return 0;
}

void sf_http_close(struct sf_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    /* The password does not outlive the handle in memory. */
    explicit_bzero(h->password, sizeof(h->password));
    explicit_bzero(h->token, sizeof(h->token));
    free(h);
}

long sf_http_set_timeout(struct sf_http *h, long ms)
{
    long old = h->o.timeout_ms;
    h->o.timeout_ms = ms;
    return old;
}

void sf_http_auth_token(struct sf_http *h, const char *token)
{
    snprintf(h->token, sizeof(h->token), "%s", token ? token : "");
    h->user[0] = '\0';
}

void sf_http_auth_basic(struct sf_http *h, const char *user, const char *password)
{
    snprintf(h->user, sizeof(h->user), "%s", user ? user : "");
    snprintf(h->password, sizeof(h->password), "%s", password ? password : "");
    h->token[0] = '\0';
}

struct sink {
    struct sf_http_resp *r;
    size_t cap;
    int overflow;
};

#define MAX_RESPONSE (16u << 20)

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t add = sz * n;
    if (s->r->len + add > MAX_RESPONSE) {
        s->overflow = 1;
        return 0;
    }
    if (s->r->len + add + 1 > s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 8192;
        while (nc < s->r->len + add + 1)
            nc *= 2;
        char *b = realloc(s->r->body, nc);
        if (!b)
            return 0;
        s->r->body = b;
        s->cap = nc;
    }
    memcpy(s->r->body + s->r->len, p, add);
    s->r->len += add;
    s->r->body[s->r->len] = '\0';
    return add;
}

static void header_value(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    if (n <= nl + 1 || strncasecmp(line, name, nl) || line[nl] != ':')
        return;
    const char *v = line + nl + 1;
    const char *e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' '))
        e--;
    snprintf(out, cap, "%.*s", (int)(e - v), v);
}

static size_t on_header(char *p, size_t sz, size_t n, void *arg)
{
    struct sf_http_resp *r = arg;
    size_t len = sz * n;
    /* A new status line (after a 100 Continue, say) starts afresh. */
    if (len > 5 && !strncmp(p, "HTTP/", 5)) {
        r->location[0] = r->token[0] = '\0';
        r->retry_after = 0;
    }
    header_value(p, len, "Location", r->location, sizeof(r->location));
    header_value(p, len, "X-Auth-Token", r->token, sizeof(r->token));
    char ra[32] = "";
    header_value(p, len, "Retry-After", ra, sizeof(ra));
    if (ra[0] && isdigit((unsigned char)ra[0])) {
        unsigned long v = strtoul(ra, NULL, 10);
        r->retry_after = v > 3600 ? 3600 : (unsigned)v;
    }
    return len;
}

static int perform(struct sf_http *h, const char *method, const char *path,
                   struct curl_slist *hdrs, struct sf_http_resp *r, struct sf_errctx *ec)
{
    CURL *c = h->curl;
    char url[2048];
    if (strlen(h->base) + strlen(path) >= sizeof(url))
        return sf_err_set(ec, SF_EINVAL, "URL too long: %s%s", h->base, path);
    snprintf(url, sizeof(url), "%s%s", h->base, path);
    struct sink s = { r, 0, 0 };
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->o.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->o.timeout_ms);
    /* Redfish redirects are not followed: a Location is information. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    /* A pinned key is the trust decision itself (a BMC's self-signed
     * certificate chains to no CA): the chain is not checked then, the key
     * is - libcurl checks the pin whatever VERIFYPEER says. */
    long verify = h->o.insecure || h->pin[0] ? 0L : 1L;
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, verify);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
    curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file[0] ? h->ca_file : NULL);
    curl_easy_setopt(c, CURLOPT_PINNEDPUBLICKEY, h->pin[0] ? h->pin : NULL);
    if (h->user[0]) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, h->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, h->password);
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
        curl_easy_setopt(c, CURLOPT_USERNAME, NULL);
        curl_easy_setopt(c, CURLOPT_PASSWORD, NULL);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
    if (!r->body) {
        r->body = calloc(1, 1);
        if (!r->body)
            return SF_ENOMEM;
    }
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
        return 0;
    }
    const char *what = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        r->fail = SF_HTTP_REFUSED;
        return sf_err_set(ec, SF_EIO, "%s %s: %s", method, url, what);
    case CURLE_OPERATION_TIMEDOUT:
        r->fail = SF_HTTP_TIMEOUT;
        return sf_err_set(ec, SF_ETIMEDOUT, "%s %s: %s", method, url, what);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
        r->fail = SF_HTTP_TLS;
        return sf_err_set(ec, SF_EACCES, "%s: TLS: %s (--ca FILE or --pin to trust this BMC, "
                          "--insecure for a lab)", url, what);
    case CURLE_WRITE_ERROR:
        if (s.overflow) {
            r->fail = SF_HTTP_OTHER;
            return sf_err_set(ec, SF_EMALFORMED, "%s %s: response larger than %u bytes", method,
                              url, MAX_RESPONSE);
        }
        /* fall through */
    default:
        r->fail = SF_HTTP_OTHER;
        return sf_err_set(ec, SF_EIO, "%s %s: %s", method, url, what);
    }
}

static struct curl_slist *base_headers(struct sf_http *h, const char *content_type)
{
    struct curl_slist *l = NULL;
    l = curl_slist_append(l, "Accept: application/json");
    l = curl_slist_append(l, "OData-Version: 4.0");
    /* libcurl's "Expect: 100-continue" on large bodies costs a second per
     * request against servers that do not answer it. */
    l = curl_slist_append(l, "Expect:");
    if (content_type) {
        char ct[128];
        snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
        l = curl_slist_append(l, ct);
    }
    if (h->token[0]) {
        char t[300];
        snprintf(t, sizeof(t), "X-Auth-Token: %s", h->token);
        l = curl_slist_append(l, t);
    }
    return l;
}

int sf_http_request(struct sf_http *h, const char *method, const char *path,
                    const char *content_type, const void *body, size_t len,
                    struct sf_http_resp *r, struct sf_errctx *ec)
{
    memset(r, 0, sizeof(*r));
    struct curl_slist *l = base_headers(h, body ? content_type : NULL);
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    } else {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_NOBODY, !strcmp(method, "HEAD") ? 1L : 0L);
    int rc = perform(h, method, path, l, r, ec);
    curl_slist_free_all(l);
    return rc;
}

int sf_http_multipart(struct sf_http *h, const char *path, const char *params_json,
                      const char *file_name, const void *file, size_t len,
                      struct sf_http_resp *r, struct sf_errctx *ec)
{
    memset(r, 0, sizeof(*r));
    CURL *c = h->curl;
    curl_mime *m = curl_mime_init(c);
    if (!m)
        return SF_ENOMEM;
    curl_mimepart *p = curl_mime_addpart(m);
    curl_mime_name(p, "UpdateParameters");
    curl_mime_data(p, params_json, CURL_ZERO_TERMINATED);
    curl_mime_type(p, "application/json");
    p = curl_mime_addpart(m);
    curl_mime_name(p, "UpdateFile");
    curl_mime_filename(p, file_name);
    curl_mime_type(p, "application/octet-stream");
    curl_mime_data(p, file, len);
    struct curl_slist *l = base_headers(h, NULL);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, m);
    int rc = perform(h, "POST", path, l, r, ec);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
    curl_mime_free(m);
    curl_slist_free_all(l);
    return rc;
}

void sf_http_resp_free(struct sf_http_resp *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}
