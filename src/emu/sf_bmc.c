/* sf_bmc.c - the emulated BMC (see sf_bmc.h).
 *
 * One libmicrohttpd daemon thread answers requests; the caller's thread
 * calls sf_bmc_tick() to move time on (tasks progress, a BMC reset stops
 * and restarts the daemon, a host reset applies staged images).  One mutex
 * guards the state both touch.
 */
#define _GNU_SOURCE
#include "emu/sf_bmc.h"
#include "transport/sf_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "emu/sf_bmcimg.h"
#include "pkg/sf_crypto.h"

#define MAX_TASKS 100
#define MAX_SESSIONS 16
#define MAX_BODY (96u << 20)

enum apply { AP_NONE, AP_IMMEDIATE, AP_ON_RESET, AP_ON_START };

struct comp {
    struct sf_bmc_comp_conf c;
    char version[33];
    char backup_version[33];
    int backup_bad;
    char backup_why[160];
    char staged[33];          /* version waiting, "" none */
    char applying[33];        /* host reset: becomes version at updating_until */
    enum apply staged_when;
    int started;              /* OnStartUpdateRequest: StartUpdate was posted */
    unsigned pushed;          /* images pushed for this component (tests) */
    char last_target[160];    /* the Targets[0] of its last push (tests) */
    uint64_t updating_until;  /* host reset in progress: "Updating" */
};

enum tstate { T_RUNNING, T_COMPLETED, T_EXCEPTION };

struct task {
    int id;
    uint64_t start_ms;
    enum tstate st;
    int monitor_done;         /* the monitor answered 204 once */
    char comp[17];
    char version[33];
    enum apply when;
    char msg_id[64];
    char msg[256];
};

struct session {
    int id;
    char token[33];
};

struct sf_bmc {
    struct sf_bmc_conf conf;
    pthread_mutex_t mu;
    struct MHD_Daemon *d;
    uint16_t port;
    struct comp comp[SF_BMC_MAX_COMP];
    struct task tasks[MAX_TASKS];
    int ntasks, next_task;
    struct session sessions[MAX_SESSIONS];
    int nsessions, next_session;
    /* BMC reset: stop at reset_at, listen again at up_at, 200s from ok_at. */
    uint64_t reset_at, up_at, ok_at;
    unsigned burst_left;
    /* counters for /sfemu/state */
    unsigned pushes, bmc_resets, host_resets, requests, logins, refused_503;
    char last_targets[160];   /* the last push's Targets[0] (tests) */
    unsigned pulls;           /* SimpleUpdate requests (tests) */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- configuration ---- */

static int str_of(json_object *o, const char *k, char *out, size_t cap, int need,
                  struct sf_errctx *ec)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v)) {
        if (need)
            return sf_err_set(ec, SF_ECONFIG, "bmc config: \"%s\" is required", k);
        return 0;
    }
    const char *s = json_object_get_string(v);
    if (!json_object_is_type(v, json_type_string) || strlen(s) >= cap)
        return sf_err_set(ec, SF_ECONFIG, "bmc config: \"%s\" must be a string under %zu "
                          "characters", k, cap);
    snprintf(out, cap, "%s", s);
    return 0;
}

static int uint_of(json_object *o, const char *k, unsigned *out, unsigned max, struct sf_errctx *ec)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        return 0;
    int64_t n = json_object_get_int64(v);
    if (!json_object_is_type(v, json_type_int) || n < 0 || n > (int64_t)max)
        return sf_err_set(ec, SF_ECONFIG, "bmc config: \"%s\" must be an integer 0-%u", k, max);
    *out = (unsigned)n;
    return 0;
}

static int bool_of(json_object *o, const char *k, int *out)
{
    json_object *v;
    if (json_object_object_get_ex(o, k, &v))
        *out = json_object_get_boolean(v);
    return 0;
}

int sf_bmc_conf_load(const char *path, const char *name, struct sf_bmc_conf *out,
                     struct sf_errctx *ec)
{
    memset(out, 0, sizeof(*out));
    json_object *root = json_object_from_file(path);
    if (!root)
        return sf_err_set(ec, SF_ECONFIG, "%s: not readable JSON", path);
    int rc = 0;
    json_object *arr, *b = NULL;
    if (!json_object_object_get_ex(root, "bmcs", &arr) || !json_object_is_type(arr, json_type_array)) {
        rc = sf_err_set(ec, SF_ECONFIG, "%s: no \"bmcs\" array", path);
        goto out;
    }
    for (size_t i = 0; i < json_object_array_length(arr) && !b; i++) {
        json_object *x = json_object_array_get_idx(arr, i), *n;
        if (!name || (json_object_object_get_ex(x, "name", &n) &&
                      !strcmp(json_object_get_string(n), name)))
            b = x;
    }
    if (!b) {
        rc = sf_err_set(ec, SF_ECONFIG, "%s: no BMC named %s", path, name ? name : "(any)");
        goto out;
    }
    unsigned port = 0, max_image = 32u << 20;
    snprintf(out->manufacturer, sizeof(out->manufacturer), "SFEMU");
    snprintf(out->model, sizeof(out->model), "EMU-BOARD");
    out->task_ms = 300;
    out->reset_down_ms = 600;
    out->reset_503_ms = 400;
    out->host_apply_ms = 300;
    json_object *q = NULL, *comps;
    if ((rc = str_of(b, "name", out->name, sizeof(out->name), 1, ec)) ||
        (rc = str_of(b, "user", out->user, sizeof(out->user), 1, ec)) ||
        (rc = str_of(b, "password", out->password, sizeof(out->password), 1, ec)) ||
        (rc = str_of(b, "tls_cert", out->tls_cert, sizeof(out->tls_cert), 0, ec)) ||
        (rc = str_of(b, "tls_key", out->tls_key, sizeof(out->tls_key), 0, ec)) ||
        (rc = str_of(b, "manufacturer", out->manufacturer, sizeof(out->manufacturer), 0, ec)) ||
        (rc = str_of(b, "model", out->model, sizeof(out->model), 0, ec)) ||
        (rc = uint_of(b, "port", &port, 65535, ec)) ||
        (rc = uint_of(b, "max_image", &max_image, MAX_BODY, ec)) ||
        (rc = uint_of(b, "task_ms", &out->task_ms, 600000, ec)) ||
        (rc = uint_of(b, "reset_down_ms", &out->reset_down_ms, 600000, ec)) ||
        (rc = uint_of(b, "reset_503_ms", &out->reset_503_ms, 600000, ec)) ||
        (rc = uint_of(b, "host_apply_ms", &out->host_apply_ms, 600000, ec)))
        goto out;
    out->port = (uint16_t)port;
    out->max_image = max_image;
    if (!json_object_object_get_ex(b, "components", &comps) ||
        !json_object_is_type(comps, json_type_array) || json_object_array_length(comps) == 0 ||
        json_object_array_length(comps) > SF_BMC_MAX_COMP) {
        rc = sf_err_set(ec, SF_ECONFIG, "bmc config: \"components\" must list 1-%d components",
                        SF_BMC_MAX_COMP);
        goto out;
    }
    for (size_t i = 0; i < json_object_array_length(comps); i++) {
        json_object *c = json_object_array_get_idx(comps, i);
        struct sf_bmc_comp_conf *cc = &out->comp[out->ncomp++];
        if ((rc = str_of(c, "id", cc->id, sizeof(cc->id), 1, ec)) ||
            (rc = str_of(c, "name", cc->name, sizeof(cc->name), 1, ec)) ||
            (rc = str_of(c, "version", cc->version, sizeof(cc->version), 1, ec)))
            goto out;
        bool_of(c, "backup", &cc->has_backup);
    }
    if (json_object_object_get_ex(b, "quirks", &q)) {
        unsigned burst = 0, page = 0;
        if ((rc = str_of(q, "task_lies", out->task_lies, sizeof(out->task_lies), 0, ec)) ||
            (rc = uint_of(q, "burst_503", &burst, 1000, ec)) ||
            (rc = uint_of(q, "page_size", &page, 1000, ec)))
            goto out;
        out->burst_503 = burst;
        out->page_size = page;
        bool_of(q, "absolute_location", &out->absolute_location);
        bool_of(q, "root_slash_only", &out->root_slash_only);
        bool_of(q, "bare_monitor", &out->bare_monitor);
        bool_of(q, "no_multipart", &out->no_multipart);
        bool_of(q, "no_sessions", &out->no_sessions);
        bool_of(q, "stuck_task", &out->stuck_task);
        bool_of(q, "backup_save_fails", &out->backup_save_fails);
        bool_of(q, "apply_on_reset_only", &out->apply_on_reset_only);
        bool_of(q, "opaque_ids", &out->opaque_ids);
        bool_of(q, "no_simple_update", &out->no_simple_update);
        bool_of(q, "keep_staged", &out->keep_staged);
        bool_of(q, "pull_only", &out->pull_only);
        bool_of(q, "no_systems", &out->no_systems);
        if ((rc = str_of(q, "link_style", out->link_style, sizeof(out->link_style), 0, ec)))
            goto out;
        if (out->link_style[0] && strcmp(out->link_style, "array") &&
            strcmp(out->link_style, "object") && strcmp(out->link_style, "string")) {
            rc = sf_err_set(ec, SF_ECONFIG, "bmc config: \"link_style\" is array, object or "
                            "string");
            goto out;
        }
    }
out:
    json_object_put(root);
    return rc;
}

/* ---- responses ---- */

/* Queue j (NULL: no body) with status and up to two extra headers
 * (name, value; NULL names end the list).  j is released. */
static enum MHD_Result send_json_h(struct MHD_Connection *c, unsigned status, json_object *j,
                                   const char *h1, const char *v1, const char *h2, const char *v2)
{
    const char *s = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE) : "";
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), (void *)s,
                                                              MHD_RESPMEM_MUST_COPY);
    if (j)
        MHD_add_response_header(r, "Content-Type", "application/json;charset=utf-8");
    MHD_add_response_header(r, "OData-Version", "4.0");
    if (h1)
        MHD_add_response_header(r, h1, v1);
    if (h1 && h2)
        MHD_add_response_header(r, h2, v2);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    json_object_put(j);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_object *j,
                                 const char *location)
{
    return send_json_h(c, status, j, location ? "Location" : NULL, location, NULL, NULL);
}

/* A Message as the registries define one: {"MessageId", "Message"}. */
static json_object *message(const char *msg_id, const char *msg)
{
    json_object *m = json_object_new_object();
    json_object_object_add(m, "MessageId", json_object_new_string(msg_id));
    json_object_object_add(m, "Message", json_object_new_string(msg));
    return m;
}

/* A Redfish error body: {"error": {"code", "message", "@Message.ExtendedInfo"}}. */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg_id,
                                  const char *msg)
{
    json_object *e = json_object_new_object(), *o = json_object_new_object();
    json_object *ext = json_object_new_array();
    json_object_array_add(ext, message(msg_id, msg));
    json_object_object_add(o, "code", json_object_new_string(msg_id));
    json_object_object_add(o, "message", json_object_new_string(msg));
    json_object_object_add(o, "@Message.ExtendedInfo", ext);
    json_object_object_add(e, "error", o);
    return send_json(c, status, e, NULL);
}

static enum MHD_Result send_503(struct MHD_Connection *c)
{
    const char *s = "{\"error\":{\"code\":\"Base.1.8.ServiceTemporarilyUnavailable\","
                    "\"message\":\"The service is temporarily unavailable.\"}}";
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), (void *)s,
                                                              MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json;charset=utf-8");
    MHD_add_response_header(r, "Retry-After", "1");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, r);
    MHD_destroy_response(r);
    return ret;
}

static json_object *odata(const char *id, const char *type)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "@odata.id", json_object_new_string(id));
    json_object_object_add(o, "@odata.type", json_object_new_string(type));
    return o;
}

/* A numbered collection member: @odata.id COLLECTION/N (also into uri),
 * @odata.type, Id "N". */
static json_object *odata_member(const char *collection, int n, const char *type, char *uri,
                                 size_t cap)
{
    snprintf(uri, cap, "%s/%d", collection, n);
    json_object *o = odata(uri, type);
    char num[16];
    snprintf(num, sizeof(num), "%d", n);
    json_object_object_add(o, "Id", json_object_new_string(num));
    return o;
}

static json_object *link_to(const char *id)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "@odata.id", json_object_new_string(id));
    return o;
}

/* An array-of-links property holding one link: as the schema writes it,
 * or with the link_style quirk as services write it off-schema. */
static void add_links(const struct sf_bmc *b, json_object *o, const char *k, const char *uri)
{
    if (!strcmp(b->conf.link_style, "string")) {
        json_object_object_add(o, k, json_object_new_string(uri));
    } else if (!strcmp(b->conf.link_style, "object")) {
        json_object_object_add(o, k, link_to(uri));
    } else {
        json_object *a = json_object_new_array();
        json_object_array_add(a, link_to(uri));
        json_object_object_add(o, k, a);
        char cnt[64];
        snprintf(cnt, sizeof(cnt), "%s@odata.count", k);
        json_object_object_add(o, cnt, json_object_new_int(1));
    }
}

/* ---- state helpers (mutex held) ---- */

static struct comp *comp_by_id(struct sf_bmc *b, const char *id)
{
    for (size_t i = 0; i < b->conf.ncomp; i++)
        if (!strcmp(b->comp[i].c.id, id))
            return &b->comp[i];
    return NULL;
}

/* FirmwareInventory members: the running image (kind 0), the backup (1),
 * the staged one (2).  Ids are "<id>", "<id>_backup", "<id>_staged" - or,
 * with the opaque_ids quirk, as bmcweb names them: a hash of what the
 * image is, so that an update gives the running image a new Id. */
enum { K_RUN, K_BACKUP, K_STAGED, K_N };

static int member_exists(const struct comp *c, int kind)
{
    return kind == K_RUN || (kind == K_BACKUP && c->c.has_backup) ||
           (kind == K_STAGED && c->staged[0]);
}

static void member_id(const struct sf_bmc *b, const struct comp *c, int kind, char *out,
                      size_t cap)
{
    static const char *suffix[] = { "", "_backup", "_staged" };
    if (!b->conf.opaque_ids) {
        snprintf(out, cap, "%s%s", c->c.id, suffix[kind]);
        return;
    }
    const char *v = kind == K_RUN ? c->version : kind == K_BACKUP ? c->backup_version : c->staged;
    uint32_t h = 2166136261u; /* FNV-1a */
    char key[96];
    snprintf(key, sizeof(key), "%s/%d/%s", c->c.id, kind, v);
    for (const char *p = key; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    snprintf(out, cap, "%08x", h);
}

static struct comp *member_by_id(struct sf_bmc *b, const char *id, int *kind)
{
    for (size_t i = 0; i < b->conf.ncomp; i++)
        for (int k = 0; k < K_N; k++) {
            char m[40];
            if (!member_exists(&b->comp[i], k))
                continue;
            member_id(b, &b->comp[i], k, m, sizeof(m));
            if (!strcmp(m, id)) {
                *kind = k;
                return &b->comp[i];
            }
        }
    return NULL;
}

static const char *apply_str(enum apply a)
{
    return a == AP_IMMEDIATE ? "Immediate" : a == AP_ON_RESET ? "OnReset"
           : a == AP_ON_START ? "OnStartUpdateRequest" : "";
}

static json_object *task_json(const struct sf_bmc *b, const struct task *t)
{
    char id[64];
    json_object *o = odata_member("/redfish/v1/TaskService/Tasks", t->id, "#Task.v1_4_3.Task",
                                  id, sizeof(id));
    json_object_object_add(o, "Name", json_object_new_string("Firmware update task"));
    const char *st = t->st == T_RUNNING ? "Running" : t->st == T_COMPLETED ? "Completed" : "Exception";
    json_object_object_add(o, "TaskState", json_object_new_string(st));
    json_object_object_add(o, "TaskStatus",
                           json_object_new_string(t->st == T_EXCEPTION ? "Critical" : "OK"));
    int pct = 100;
    if (t->st == T_RUNNING) {
        uint64_t el = now_ms() - t->start_ms;
        pct = b->conf.stuck_task ? 50
              : b->conf.task_ms ? (int)(el * 100 / b->conf.task_ms) : 99;
        if (pct > 99)
            pct = 99;
    }
    json_object_object_add(o, "PercentComplete", json_object_new_int(pct));
    json_object *msgs = json_object_new_array();
    if (t->msg_id[0])
        json_object_array_add(msgs, message(t->msg_id, t->msg));
    json_object_object_add(o, "Messages", msgs);
    char mon[80];
    snprintf(mon, sizeof(mon), "%s/Monitor", id);
    json_object_object_add(o, "TaskMonitor", json_object_new_string(mon));
    return o;
}

static struct task *task_by_id(struct sf_bmc *b, int id)
{
    for (int i = 0; i < b->ntasks; i++)
        if (b->tasks[i].id == id)
            return &b->tasks[i];
    return NULL;
}

/* A task for a pushed image: checked now, applied when the task ends. */
static struct task *new_task(struct sf_bmc *b, const char *comp, const char *version,
                             enum apply when, const char *bad_id, const char *bad_msg)
{
    if (b->ntasks == MAX_TASKS) { /* bmcweb keeps 100: the oldest goes */
        memmove(&b->tasks[0], &b->tasks[1], sizeof(b->tasks[0]) * (MAX_TASKS - 1));
        b->ntasks--;
    }
    struct task *t = &b->tasks[b->ntasks++];
    memset(t, 0, sizeof(*t));
    t->id = ++b->next_task;
    t->start_ms = now_ms();
    t->st = T_RUNNING;
    snprintf(t->comp, sizeof(t->comp), "%s", comp);
    snprintf(t->version, sizeof(t->version), "%s", version);
    t->when = when;
    if (bad_id) {
        snprintf(t->msg_id, sizeof(t->msg_id), "%s", bad_id);
        snprintf(t->msg, sizeof(t->msg), "%s", bad_msg);
    }
    return t;
}

static void schedule_bmc_reset(struct sf_bmc *b, unsigned delay_ms)
{
    if (!b->reset_at)
        b->reset_at = now_ms() + delay_ms;
}

/* A task reached its end: stage or apply what it carried. */
static void finish_task(struct sf_bmc *b, struct task *t)
{
    if (t->msg_id[0]) { /* failed when pushed */
        t->st = T_EXCEPTION;
        return;
    }
    t->st = T_COMPLETED;
    struct comp *c = comp_by_id(b, t->comp);
    if (!c || !strcmp(b->conf.task_lies, t->comp)) {
        /* The lying task: Completed, nothing staged or applied. */
        snprintf(t->msg_id, sizeof(t->msg_id), "Update.1.0.UpdateSuccessful");
        snprintf(t->msg, sizeof(t->msg), "The update completed successfully.");
        return;
    }
    snprintf(c->staged, sizeof(c->staged), "%s", t->version);
    c->staged_when = t->when;
    c->started = 0;
    if (!strcmp(c->c.id, "bmc") && t->when == AP_IMMEDIATE) {
        /* The BMC flashes itself and reboots: the update's end is the
         * reset; bmcweb's task may never say Completed to anyone. */
        snprintf(t->msg_id, sizeof(t->msg_id), "Update.1.0.UpdateSuccessful");
        snprintf(t->msg, sizeof(t->msg), "The BMC image was applied; the BMC restarts.");
        schedule_bmc_reset(b, 50);
    } else {
        snprintf(t->msg_id, sizeof(t->msg_id), "Update.1.0.AwaitToActivate");
        snprintf(t->msg, sizeof(t->msg), "The image for %s is staged and activates %s.",
                 c->c.name, t->when == AP_ON_START ? "after UpdateService.StartUpdate and a reset"
                                                   : "on the next reset");
    }
}

/* ---- request context ---- */

struct req {
    char *body;
    size_t len, cap;
    int too_big;
    struct MHD_PostProcessor *pp;
    char *params;             /* multipart UpdateParameters */
    size_t params_len;
    uint8_t *file;            /* multipart UpdateFile */
    size_t file_len, file_cap;
    int file_seen;
};

static int grow(char **buf, size_t *len, size_t *cap, const char *data, size_t n, size_t max)
{
    if (*len + n > max)
        return -1;
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap : 4096;
        while (nc < *len + n + 1)
            nc *= 2;
        char *p = realloc(*buf, nc);
        if (!p)
            return -1;
        *buf = p;
        *cap = nc;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static enum MHD_Result post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *content_type,
                                 const char *transfer_encoding, const char *data, uint64_t off,
                                 size_t size)
{
    (void)kind, (void)filename, (void)content_type, (void)transfer_encoding, (void)off;
    struct req *q = cls;
    if (!key)
        return MHD_YES;
    if (!strcmp(key, "UpdateParameters")) {
        size_t cap = q->params ? q->params_len + 1 : 0;
        if (grow(&q->params, &q->params_len, &cap, data, size, 65536))
            return MHD_NO;
    } else if (!strcmp(key, "UpdateFile")) {
        q->file_seen = 1;
        if (grow((char **)&q->file, &q->file_len, &q->file_cap, data, size, MAX_BODY)) {
            q->too_big = 1;
            return MHD_NO;
        }
    }
    return MHD_YES;
}

static void req_done(void *cls, struct MHD_Connection *c, void **con_cls,
                     enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct req *q = *con_cls;
    if (!q)
        return;
    if (q->pp)
        MHD_destroy_post_processor(q->pp);
    free(q->body);
    free(q->params);
    free(q->file);
    free(q);
    *con_cls = NULL;
}

/* ---- authentication ---- */

static int authorized(struct sf_bmc *b, struct MHD_Connection *c)
{
    const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Auth-Token");
    if (tok)
        for (int i = 0; i < b->nsessions; i++)
            if (!strcmp(b->sessions[i].token, tok))
                return 1;
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &pass);
    int ok = user && pass && !strcmp(user, b->conf.user) && !strcmp(pass, b->conf.password);
    MHD_free(user);
    MHD_free(pass);
    return ok;
}

/* ---- resources ---- */

static json_object *service_root(const struct sf_bmc *b)
{
    json_object *o = odata("/redfish/v1", "#ServiceRoot.v1_11_0.ServiceRoot");
    json_object_object_add(o, "Id", json_object_new_string("RootService"));
    json_object_object_add(o, "Name", json_object_new_string("Root Service"));
    json_object_object_add(o, "RedfishVersion", json_object_new_string("1.15.0"));
    json_object_object_add(o, "UUID", json_object_new_string("5f2e1a64-0c7b-4e39-9a51-5346454d5530"));
    if (!b->conf.no_sessions) {
        json_object_object_add(o, "SessionService", link_to("/redfish/v1/SessionService"));
        json_object *l = json_object_new_object();
        json_object_object_add(l, "Sessions", link_to("/redfish/v1/SessionService/Sessions"));
        json_object_object_add(o, "Links", l);
    }
    json_object_object_add(o, "UpdateService", link_to("/redfish/v1/UpdateService"));
    json_object_object_add(o, "TaskService", link_to("/redfish/v1/TaskService"));
    json_object_object_add(o, "Managers", link_to("/redfish/v1/Managers"));
    json_object_object_add(o, "Systems", link_to("/redfish/v1/Systems"));
    return o;
}

static json_object *update_service(const struct sf_bmc *b)
{
    json_object *o = odata("/redfish/v1/UpdateService", "#UpdateService.v1_11_0.UpdateService");
    json_object_object_add(o, "Id", json_object_new_string("UpdateService"));
    json_object_object_add(o, "Name", json_object_new_string("Update Service"));
    json_object_object_add(o, "ServiceEnabled", json_object_new_boolean(1));
    if (!b->conf.pull_only)
        json_object_object_add(o, "HttpPushUri",
                               json_object_new_string("/redfish/v1/UpdateService/update"));
    if (!b->conf.no_multipart && !b->conf.pull_only)
        json_object_object_add(o, "MultipartHttpPushUri",
                               json_object_new_string("/redfish/v1/UpdateService/update-multipart"));
    json_object *opt = json_object_new_object(), *at = json_object_new_object();
    json_object *allowed = json_object_new_array();
    json_object_array_add(allowed, json_object_new_string("Immediate"));
    json_object_array_add(allowed, json_object_new_string("OnReset"));
    if (!b->conf.apply_on_reset_only)
        json_object_array_add(allowed, json_object_new_string("OnStartUpdateRequest"));
    json_object_object_add(at, "ApplyTime", json_object_new_string("Immediate"));
    json_object_object_add(at, "ApplyTime@Redfish.AllowableValues", allowed);
    json_object_object_add(opt, "HttpPushUriApplyTime", at);
    json_object_object_add(o, "HttpPushUriOptions", opt);
    json_object_object_add(o, "FirmwareInventory",
                           link_to("/redfish/v1/UpdateService/FirmwareInventory"));
    json_object *acts = json_object_new_object();
    if (!b->conf.no_simple_update) {
        json_object *su = json_object_new_object();
        json_object_object_add(su, "target", json_object_new_string(
                                   "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate"));
        json_object *tp = json_object_new_array();
        json_object_array_add(tp, json_object_new_string("HTTP"));
        json_object_array_add(tp, json_object_new_string("HTTPS"));
        json_object_object_add(su, "TransferProtocol@Redfish.AllowableValues", tp);
        json_object_object_add(acts, "#UpdateService.SimpleUpdate", su);
    }
    if (!b->conf.apply_on_reset_only) {
        json_object *su = json_object_new_object();
        json_object_object_add(su, "target", json_object_new_string(
                                   "/redfish/v1/UpdateService/Actions/UpdateService.StartUpdate"));
        json_object_object_add(acts, "#UpdateService.StartUpdate", su);
    }
    json_object_object_add(o, "Actions", acts);
    return o;
}

static void add_status(json_object *o, const char *state, const char *health)
{
    json_object *s = json_object_new_object();
    json_object_object_add(s, "State", json_object_new_string(state));
    json_object_object_add(s, "Health", json_object_new_string(health));
    json_object_object_add(o, "Status", s);
}

/* One FirmwareInventory member, or NULL if id names none. */
static json_object *inventory_item(struct sf_bmc *b, const char *id)
{
    int kind = K_RUN;
    struct comp *c = member_by_id(b, id, &kind);
    if (!c)
        return NULL;
    int backup = kind == K_BACKUP, staged = kind == K_STAGED;
    char path[128];
    snprintf(path, sizeof(path), "/redfish/v1/UpdateService/FirmwareInventory/%s", id);
    json_object *o = odata(path, "#SoftwareInventory.v1_9_0.SoftwareInventory");
    json_object_object_add(o, "Id", json_object_new_string(id));
    if (b->conf.opaque_ids) {
        /* bmcweb: every member is "Software Inventory"; the Description
         * and RelatedItem say what it is. */
        char d[64];
        snprintf(d, sizeof(d), "%s image", !strcmp(c->c.id, "bios") ? "Host" : c->c.name);
        json_object_object_add(o, "Name", json_object_new_string("Software Inventory"));
        json_object_object_add(o, "Description", json_object_new_string(d));
        const char *rel = !strcmp(c->c.id, "bmc") ? "/redfish/v1/Managers/bmc"
                          : !strcmp(c->c.id, "bios") ? "/redfish/v1/Systems/system/Bios" : NULL;
        if (rel)
            add_links(b, o, "RelatedItem", rel);
    } else {
        char name[64];
        snprintf(name, sizeof(name), "%s%s", backup ? "Backup_" : staged ? "Staged_" : "",
                 c->c.name);
        json_object_object_add(o, "Name", json_object_new_string(name));
        json_object_object_add(o, "SoftwareId", json_object_new_string(c->c.id));
    }
    json_object_object_add(o, "Version", json_object_new_string(backup ? c->backup_version
                                                                : staged ? c->staged : c->version));
    json_object_object_add(o, "Updateable", json_object_new_boolean(!backup && !staged));
    if (backup) {
        add_status(o, "StandbySpare", c->backup_bad ? "Critical" : "OK");
        if (c->backup_bad) {
            json_object *conds = json_object_new_array();
            json_object *cd = message("Update.1.0.ApplyFailed", c->backup_why);
            json_object_object_add(cd, "Severity", json_object_new_string("Critical"));
            json_object_array_add(conds, cd);
            json_object *st;
            json_object_object_get_ex(o, "Status", &st);
            json_object_object_add(st, "Conditions", conds);
        }
    } else if (staged) {
        add_status(o, "StandbyOffline", "OK");
        json_object_object_add(o, "Staged", json_object_new_boolean(1));
        json_object_object_add(o, "Oem", json_object_new_object());
        json_object *oem;
        json_object_object_get_ex(o, "Oem", &oem);
        json_object *e = json_object_new_object();
        json_object_object_add(e, "ApplyTime", json_object_new_string(apply_str(c->staged_when)));
        json_object_object_add(oem, "SFEMU", e);
    } else {
        add_status(o, c->updating_until > now_ms() ? "Updating" : "Enabled", "OK");
        json_object_object_add(o, "Active", json_object_new_boolean(1));
    }
    return o;
}

/* The collection, or with page_size one page of it from member skip on
 * ($skip, as DSP0266's paging does). */
static json_object *inventory(struct sf_bmc *b, unsigned skip)
{
    json_object *o = odata("/redfish/v1/UpdateService/FirmwareInventory",
                           "#SoftwareInventoryCollection.SoftwareInventoryCollection");
    json_object_object_add(o, "Name", json_object_new_string("Software Inventory Collection"));
    json_object *m = json_object_new_array();
    unsigned n = 0;
    for (size_t i = 0; i < b->conf.ncomp; i++) {
        struct comp *c = &b->comp[i];
        for (int k = 0; k < K_N; k++) {
            char id[40], p[128];
            if (!member_exists(c, k))
                continue;
            member_id(b, c, k, id, sizeof(id));
            snprintf(p, sizeof(p), "/redfish/v1/UpdateService/FirmwareInventory/%s", id);
            if (n >= skip && (!b->conf.page_size || n < skip + b->conf.page_size))
                json_object_array_add(m, link_to(p));
            n++;
        }
    }
    /* The count is the whole collection's, whatever the page holds. */
    json_object_object_add(o, "Members@odata.count", json_object_new_int((int)n));
    json_object_object_add(o, "Members", m);
    if (b->conf.page_size && skip + b->conf.page_size < n) {
        char next[96];
        snprintf(next, sizeof(next), "/redfish/v1/UpdateService/FirmwareInventory?$skip=%u",
                 skip + b->conf.page_size);
        json_object_object_add(o, "Members@odata.nextLink", json_object_new_string(next));
    }
    return o;
}

static json_object *collection(const char *id, const char *type, const char *member)
{
    json_object *o = odata(id, type);
    json_object *m = json_object_new_array();
    if (member)
        json_object_array_add(m, link_to(member));
    json_object_object_add(o, "Members@odata.count", json_object_new_int(member ? 1 : 0));
    json_object_object_add(o, "Members", m);
    return o;
}

/* Actions: {name: {target, ResetType@Redfish.AllowableValues}}. */
static void reset_action(json_object *o, const char *name, const char *target, int power_cycle)
{
    json_object *acts = json_object_new_object(), *r = json_object_new_object();
    json_object_object_add(r, "target", json_object_new_string(target));
    json_object *rv = json_object_new_array();
    json_object_array_add(rv, json_object_new_string("GracefulRestart"));
    json_object_array_add(rv, json_object_new_string("ForceRestart"));
    if (power_cycle)
        json_object_array_add(rv, json_object_new_string("PowerCycle"));
    json_object_object_add(r, "ResetType@Redfish.AllowableValues", rv);
    json_object_object_add(acts, name, r);
    json_object_object_add(o, "Actions", acts);
}

static json_object *manager(const struct sf_bmc *b)
{
    json_object *o = odata("/redfish/v1/Managers/bmc", "#Manager.v1_14_0.Manager");
    json_object_object_add(o, "Id", json_object_new_string("bmc"));
    json_object_object_add(o, "Name", json_object_new_string("Emulated BMC"));
    json_object_object_add(o, "ManagerType", json_object_new_string("BMC"));
    const struct comp *c = NULL;
    for (size_t i = 0; i < b->conf.ncomp; i++)
        if (!strcmp(b->comp[i].c.id, "bmc"))
            c = &b->comp[i];
    json_object_object_add(o, "FirmwareVersion", json_object_new_string(c ? c->version : ""));
    add_status(o, "Enabled", "OK");
    reset_action(o, "#Manager.Reset", "/redfish/v1/Managers/bmc/Actions/Manager.Reset", 0);
    return o;
}

static json_object *system_res(const struct sf_bmc *b)
{
    json_object *o = odata("/redfish/v1/Systems/system", "#ComputerSystem.v1_16_0.ComputerSystem");
    json_object_object_add(o, "Id", json_object_new_string("system"));
    json_object_object_add(o, "Name", json_object_new_string("Emulated server board"));
    json_object_object_add(o, "Manufacturer", json_object_new_string(b->conf.manufacturer));
    json_object_object_add(o, "Model", json_object_new_string(b->conf.model));
    json_object_object_add(o, "PowerState", json_object_new_string("On"));
    json_object *l = json_object_new_object();
    add_links(b, l, "ManagedBy", "/redfish/v1/Managers/bmc");
    json_object_object_add(o, "Links", l);
    reset_action(o, "#ComputerSystem.Reset",
                 "/redfish/v1/Systems/system/Actions/ComputerSystem.Reset", 1);
    return o;
}

/* ---- pushes ---- */

/* A Location header's value for path: the path itself, or with the
 * absolute_location quirk the whole URL, as iLO writes it. */
static void location(const struct sf_bmc *b, const char *path, char *out, size_t cap)
{
    if (b->conf.absolute_location)
        snprintf(out, cap, "%s://127.0.0.1:%u%s", b->conf.tls_cert[0] ? "https" : "http",
                 sf_bmc_port(b), path);
    else
        snprintf(out, cap, "%s", path);
}

/* 202 Accepted with the task and its monitor in Location (DSP0266). */
static enum MHD_Result send_accepted(struct sf_bmc *b, struct MHD_Connection *c, struct task *t)
{
    char p[80], loc[160];
    if (b->conf.bare_monitor)
        snprintf(p, sizeof(p), "/redfish/v1/TaskService/TaskMonitors/%d", t->id);
    else
        snprintf(p, sizeof(p), "/redfish/v1/TaskService/Tasks/%d/Monitor", t->id);
    location(b, p, loc, sizeof(loc));
    return send_json_h(c, MHD_HTTP_ACCEPTED, b->conf.bare_monitor ? NULL : task_json(b, t),
                       "Location", loc, "Retry-After", "1");
}

/* A bare task monitor: 202 while running, then once the operation's own
 * answer, then 404. */
static enum MHD_Result bare_monitor(struct sf_bmc *b, struct MHD_Connection *c, const char *u)
{
    struct task *t = task_by_id(b, atoi(u));
    if (!t || t->monitor_done)
        return send_error(c, MHD_HTTP_NOT_FOUND, "Base.1.8.ResourceNotFound",
                          "No such task monitor.");
    if (t->st == T_RUNNING)
        return send_json_h(c, MHD_HTTP_ACCEPTED, NULL, "Retry-After", "1", NULL, NULL);
    t->monitor_done = 1;
    if (t->st == T_EXCEPTION)
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, t->msg_id, t->msg);
    json_object *o = json_object_new_object(), *ext = json_object_new_array();
    json_object_array_add(ext, message(t->msg_id, t->msg));
    json_object_object_add(o, "@Message.ExtendedInfo", ext);
    return send_json(c, MHD_HTTP_OK, o, NULL);
}

/* Check a pushed image for target component want ("" any) and start a task
 * for it.  Returns the response. */
static enum MHD_Result accept_push(struct sf_bmc *b, struct MHD_Connection *c, const uint8_t *img,
                                   size_t len, const char *want, enum apply when)
{
    if (len > b->conf.max_image) {
        char m[160];
        snprintf(m, sizeof(m), "The image is %zu bytes; this BMC accepts at most %u.", len,
                 b->conf.max_image);
        return send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "Base.1.8.PayloadTooLarge", m);
    }
    for (int i = 0; i < b->ntasks; i++)
        if (b->tasks[i].st == T_RUNNING)
            return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "Update.1.0.UpdateInProgress",
                              "Another update is in progress.");
    struct sf_bmcimg im;
    char why[200] = "";
    int bad = sf_bmcimg_decode(img, len, &im, why, sizeof(why));
    const char *bad_id = NULL;
    char bad_msg[256] = "";
    if (bad) {
        bad_id = "Update.1.0.VerificationFailed";
        snprintf(bad_msg, sizeof(bad_msg), "Verification of the image failed: %s.", why);
    } else if (!comp_by_id(b, im.component) || (want[0] && strcmp(want, im.component))) {
        bad_id = "Update.1.0.VerificationFailed";
        snprintf(bad_msg, sizeof(bad_msg), "The image is for component '%s'%s%s.", im.component,
                 want[0] ? ", not for " : ", which this board does not have", want);
    }
    const char *comp = bad ? (want[0] ? want : "unknown") : im.component;
    if (when == AP_NONE)
        when = !strcmp(comp, "bmc") ? AP_IMMEDIATE : AP_ON_RESET;
    if (when == AP_IMMEDIATE && strcmp(comp, "bmc") && !bad_id) {
        /* Host firmware is written while the host runs and takes effect at
         * its next reset, whatever the client asked: say so. */
        when = AP_ON_RESET;
    }
    struct task *t = new_task(b, comp, bad ? "" : im.version, when, bad_id, bad_msg);
    b->pushes++;
    struct comp *pc = comp_by_id(b, comp);
    if (pc)
        pc->pushed++;
    b->burst_left = b->conf.burst_503;
    return send_accepted(b, c, t);
}

static enum apply parse_apply(const char *s, int *ok, const struct sf_bmc *b)
{
    *ok = 1;
    if (!s)
        return AP_NONE;
    if (!strcmp(s, "Immediate"))
        return AP_IMMEDIATE;
    if (!strcmp(s, "OnReset"))
        return AP_ON_RESET;
    if (!strcmp(s, "OnStartUpdateRequest") && !b->conf.apply_on_reset_only)
        return AP_ON_START;
    *ok = 0;
    return AP_NONE;
}

/* Targets (at most one, as bmcweb): the component it names in want ("" when
 * none is named).  NULL, or what is wrong with it. */
static const char *targets_of(struct sf_bmc *b, json_object *p, char want[17])
{
    json_object *targets;
    want[0] = '\0';
    if (!json_object_object_get_ex(p, "Targets", &targets))
        return NULL;
    if (!json_object_is_type(targets, json_type_array) || json_object_array_length(targets) > 1)
        return "Targets must be an array of at most one URI.";
    if (json_object_array_length(targets) == 0)
        return NULL;
    const char *u = json_object_get_string(json_object_array_get_idx(targets, 0));
    snprintf(b->last_targets, sizeof(b->last_targets), "%s", u ? u : "");
    const char *pre = "/redfish/v1/UpdateService/FirmwareInventory/";
    struct comp *tc;
    int tk;
    if (u && !strcmp(u, "/redfish/v1/Managers/bmc"))
        snprintf(want, 17, "bmc");
    else if (u && !strncmp(u, pre, strlen(pre)) && (tc = member_by_id(b, u + strlen(pre), &tk)) &&
             tk == K_RUN)
        snprintf(want, 17, "%s", tc->c.id);
    else
        return "The target in Targets is not an updateable component.";
    struct comp *wc = comp_by_id(b, want);
    if (wc)
        snprintf(wc->last_target, sizeof(wc->last_target), "%s", u);
    return NULL;
}

/* POST UpdateService.SimpleUpdate: the BMC fetches ImageURI itself (HTTP
 * or HTTPS; bmcweb dropped TFTP).  The fetch is what field report 002 lost:
 * if the source goes away, the task ends TransferFailed. */
static enum MHD_Result simple_update(struct sf_bmc *b, struct MHD_Connection *c, struct req *q)
{
    json_object *p = q->body ? json_tokener_parse(q->body) : NULL;
    if (!p || !json_object_is_type(p, json_type_object)) {
        json_object_put(p);
        return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.MalformedJSON",
                          "The request body is not a JSON object.");
    }
    static const char *known[] = { "ImageURI", "TransferProtocol", "Targets", "Username",
                                   "Password", "ForceUpdate", NULL };
    json_object_object_foreach(p, key, val) {
        (void)val;
        int ok = 0;
        for (size_t i = 0; known[i]; i++)
            ok |= !strcmp(key, known[i]);
        if (!ok) {
            char m[160];
            snprintf(m, sizeof(m), "The parameter %.64s is not known to SimpleUpdate.", key);
            json_object_put(p);
            return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.ActionParameterUnknown", m);
        }
    }
    json_object *iu;
    const char *uri = json_object_object_get_ex(p, "ImageURI", &iu) &&
                      json_object_is_type(iu, json_type_string) ? json_object_get_string(iu) : NULL;
    char want[17], url[512];
    const char *terr = targets_of(b, p, want);
    snprintf(url, sizeof(url), "%s", uri ? uri : "");
    json_object_put(p);
    if (!url[0])
        return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.ActionParameterMissing",
                          "SimpleUpdate needs ImageURI.");
    if (terr)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.PropertyValueFormatError", terr);
    const char *rest = !strncmp(url, "http://", 7) ? url + 7 : !strncmp(url, "https://", 8)
                       ? url + 8 : NULL;
    if (!rest)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.ActionParameterNotSupported",
                          "Only HTTP and HTTPS image URIs are supported.");
    b->pulls++;
    char base[512];
    const char *path = strchr(rest, '/');
    snprintf(base, sizeof(base), "%.*s", (int)((path ? path : rest + strlen(rest)) - url), url);
    struct sf_http_opts o = { .insecure = 1, .connect_timeout_ms = 3000, .timeout_ms = 60000 };
    struct sf_http *h = NULL;
    struct sf_http_resp r;
    memset(&r, 0, sizeof(r));
    struct sf_errctx ec = { 0 };
    int rc = sf_http_open(base, &o, &h, &ec);
    if (!rc)
        rc = sf_http_request(h, "GET", path ? path : "/", NULL, NULL, 0, &r, &ec);
    sf_http_close(h);
    if (rc || r.status != 200) {
        char m[400];
        if (rc)
            snprintf(m, sizeof(m), "Transfer of image '%.200s' failed: %.150s", url, ec.msg);
        else
            snprintf(m, sizeof(m), "Transfer of image '%.200s' failed: HTTP %ld", url, r.status);
        sf_http_resp_free(&r);
        return send_accepted(b, c, new_task(b, want[0] ? want : "unknown", "", AP_ON_RESET,
                                            "Update.1.0.TransferFailed", m));
    }
    enum MHD_Result ret = accept_push(b, c, (const uint8_t *)r.body, r.len, want, AP_NONE);
    sf_http_resp_free(&r);
    return ret;
}

static enum MHD_Result multipart_push(struct sf_bmc *b, struct MHD_Connection *c, struct req *q)
{
    if (!q->params || !q->file_seen)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.PropertyMissing",
                          "The multipart request needs an UpdateParameters part and an "
                          "UpdateFile part.");
    json_object *p = json_tokener_parse(q->params);
    if (!p || !json_object_is_type(p, json_type_object)) {
        json_object_put(p);
        return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.MalformedJSON",
                          "UpdateParameters is not a JSON object.");
    }
    char want[17] = "";
    json_object *at;
    const char *terr = targets_of(b, p, want);
    if (terr) {
        json_object_put(p);
        return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.PropertyValueFormatError", terr);
    }
    int ok = 1;
    enum apply when = AP_NONE;
    if (json_object_object_get_ex(p, "@Redfish.OperationApplyTime", &at))
        when = parse_apply(json_object_get_string(at), &ok, b);
    json_object_put(p);
    if (!ok)
        return send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.PropertyValueNotInList",
                          "The value of @Redfish.OperationApplyTime is not supported.");
    return accept_push(b, c, q->file, q->file_len, want, when);
}

/* POST ComputerSystem.Reset: the host restarts; staged host firmware is
 * applied, the BIOS saved to its backup first (field report 000). */
static void host_reset(struct sf_bmc *b)
{
    b->host_resets++;
    uint64_t until = now_ms() + b->conf.host_apply_ms;
    for (size_t i = 0; i < b->conf.ncomp; i++) {
        struct comp *c = &b->comp[i];
        if (!c->staged[0] || !strcmp(c->c.id, "bmc"))
            continue;
        if (c->staged_when == AP_ON_START && !c->started)
            continue;
        c->updating_until = until;
        if (c->c.has_backup) {
            if (b->conf.backup_save_fails) {
                /* As in the field: the save fails, the primary is not
                 * programmed, the staged image is dropped. */
                c->backup_bad = 1;
                snprintf(c->backup_why, sizeof(c->backup_why),
                         "Saving the primary %s image to the backup device failed (fail unlocking "
                         "memory; flash verify failed): %s was not applied", c->c.name, c->staged);
                c->staged[0] = '\0';
                continue;
            }
            snprintf(c->backup_version, sizeof(c->backup_version), "%s", c->version);
            c->backup_bad = 0;
            c->backup_why[0] = '\0';
        }
        /* The inventory shows "Updating" and the old version until the
         * host's firmware update finishes. */
        snprintf(c->applying, sizeof(c->applying), "%s", c->staged);
        c->staged[0] = '\0';
    }
}

/* Each route_* answers the requests it knows: 1 with *r set, else 0. */
#define ANSWER(x) do { *r = (x); return 1; } while (0)

/* /sfemu: the emulator's own controls (tests), no credentials. */
static int route_sfemu(struct sf_bmc *b, struct MHD_Connection *c, const char *u, int get,
                       int post, enum MHD_Result *r)
{
    if (!strcmp(u, "/sfemu/reset") && post) {
        /* The BMC restarts by itself: everything in its memory goes. */
        schedule_bmc_reset(b, 50);
        ANSWER(send_json(c, MHD_HTTP_NO_CONTENT, NULL, NULL));
    }
    if (!strcmp(u, "/sfemu/state") && get) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "pushes", json_object_new_int((int)b->pushes));
        json_object_object_add(o, "last_targets", json_object_new_string(b->last_targets));
        json_object_object_add(o, "pulls", json_object_new_int((int)b->pulls));
        json_object_object_add(o, "bmc_resets", json_object_new_int((int)b->bmc_resets));
        json_object_object_add(o, "host_resets", json_object_new_int((int)b->host_resets));
        json_object_object_add(o, "logins", json_object_new_int((int)b->logins));
        json_object_object_add(o, "sessions", json_object_new_int(b->nsessions));
        json_object_object_add(o, "requests", json_object_new_int((int)b->requests));
        json_object_object_add(o, "refused_503", json_object_new_int((int)b->refused_503));
        json_object *v = json_object_new_object();
        for (size_t i = 0; i < b->conf.ncomp; i++)
            json_object_object_add(v, b->comp[i].c.id, json_object_new_string(b->comp[i].version));
        json_object_object_add(o, "versions", v);
        json_object *pu = json_object_new_object();
        for (size_t i = 0; i < b->conf.ncomp; i++)
            json_object_object_add(pu, b->comp[i].c.id, json_object_new_int((int)b->comp[i].pushed));
        json_object_object_add(o, "pushed", pu);
        json_object *tg = json_object_new_object();
        for (size_t i = 0; i < b->conf.ncomp; i++)
            json_object_object_add(tg, b->comp[i].c.id,
                                   json_object_new_string(b->comp[i].last_target));
        json_object_object_add(o, "targets", tg);
        ANSWER(send_json(c, MHD_HTTP_OK, o, NULL));
    }
    return 0;
}

/* POST SessionService/Sessions: a session's token and Location. */
static int route_login(struct sf_bmc *b, struct MHD_Connection *c, const char *u, int post,
                       struct req *q, enum MHD_Result *r)
{
    if (!strcmp(u, "/redfish/v1/SessionService/Sessions") && post && !b->conf.no_sessions) {
        json_object *p = q->body ? json_tokener_parse(q->body) : NULL, *un, *pw;
        int ok = p && json_object_object_get_ex(p, "UserName", &un) &&
                 json_object_object_get_ex(p, "Password", &pw) &&
                 !strcmp(json_object_get_string(un), b->conf.user) &&
                 !strcmp(json_object_get_string(pw), b->conf.password);
        json_object_put(p);
        if (!ok)
            ANSWER(send_error(c, MHD_HTTP_UNAUTHORIZED, "Base.1.8.NoValidSession",
                              "Invalid user name or password."));
        if (b->nsessions == MAX_SESSIONS) {
            memmove(&b->sessions[0], &b->sessions[1], sizeof(b->sessions[0]) * (MAX_SESSIONS - 1));
            b->nsessions--;
        }
        struct session *s = &b->sessions[b->nsessions++];
        s->id = ++b->next_session;
        sf_random_hex(s->token);
        b->logins++;
        char sp[80], loc[160];
        json_object *o = odata_member("/redfish/v1/SessionService/Sessions", s->id,
                                      "#Session.v1_5_0.Session", sp, sizeof(sp));
        json_object_object_add(o, "UserName", json_object_new_string(b->conf.user));
        location(b, sp, loc, sizeof(loc));
        ANSWER(send_json_h(c, MHD_HTTP_CREATED, o, "Location", loc, "X-Auth-Token", s->token));
    }
    return 0;
}

/* UpdateService: the service, its inventory, pushes, pulls, StartUpdate. */
static int route_update(struct sf_bmc *b, struct MHD_Connection *c, const char *u, int get,
                        int post, struct req *q, enum MHD_Result *r)
{
    if (get && !strcmp(u, "/redfish/v1/UpdateService"))
        ANSWER(send_json(c, MHD_HTTP_OK, update_service(b), NULL));
    if (get && !strcmp(u, "/redfish/v1/UpdateService/FirmwareInventory")) {
        const char *sk = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "$skip");
        ANSWER(send_json(c, MHD_HTTP_OK, inventory(b, sk ? (unsigned)strtoul(sk, NULL, 10) : 0),
                         NULL));
    }
    const char *inv = "/redfish/v1/UpdateService/FirmwareInventory/";
    if (get && !strncmp(u, inv, strlen(inv))) {
        json_object *o = inventory_item(b, u + strlen(inv));
        ANSWER(o ? send_json(c, MHD_HTTP_OK, o, NULL)
                 : send_error(c, MHD_HTTP_NOT_FOUND, "Base.1.8.ResourceNotFound",
                              "No such firmware inventory item."));
    }
    if (post && !strcmp(u, "/redfish/v1/UpdateService/update-multipart") && !b->conf.no_multipart &&
        !b->conf.pull_only) {
        if (q->too_big)
            ANSWER(send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "Base.1.8.PayloadTooLarge",
                              "The image is larger than this BMC accepts."));
        ANSWER(multipart_push(b, c, q));
    }
    if (post && !strcmp(u, "/redfish/v1/UpdateService/update") && !b->conf.pull_only) {
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        if (!ct || strncasecmp(ct, "application/octet-stream", 24))
            ANSWER(send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.UnsupportedMediaType",
                              "HttpPushUri takes application/octet-stream."));
        if (q->too_big)
            ANSWER(send_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "Base.1.8.PayloadTooLarge",
                              "The image is larger than this BMC accepts."));
        ANSWER(accept_push(b, c, (const uint8_t *)q->body, q->len, "", AP_NONE));
    }
    if (post && !strcmp(u, "/redfish/v1/UpdateService/Actions/UpdateService.SimpleUpdate") &&
        !b->conf.no_simple_update)
        ANSWER(simple_update(b, c, q));
    if (post && !strcmp(u, "/redfish/v1/UpdateService/Actions/UpdateService.StartUpdate") &&
        !b->conf.apply_on_reset_only) {
        int n = 0;
        for (size_t i = 0; i < b->conf.ncomp; i++) {
            struct comp *k = &b->comp[i];
            if (k->staged[0] && k->staged_when == AP_ON_START && !k->started) {
                k->started = 1;
                n++;
                if (!strcmp(k->c.id, "bmc"))
                    schedule_bmc_reset(b, 50);
            }
        }
        if (!n)
            ANSWER(send_error(c, MHD_HTTP_BAD_REQUEST, "Update.1.0.NoStagedImage",
                              "No image is waiting for StartUpdate."));
        ANSWER(send_json(c, MHD_HTTP_NO_CONTENT, NULL, NULL));
    }
    return 0;
}

/* Task monitors and tasks. */
static int route_tasks(struct sf_bmc *b, struct MHD_Connection *c, const char *u, int get,
                       enum MHD_Result *r)
{
    const char *mons = "/redfish/v1/TaskService/TaskMonitors/";
    if (get && b->conf.bare_monitor && !strncmp(u, mons, strlen(mons)))
        ANSWER(bare_monitor(b, c, u + strlen(mons)));
    if (get && !strcmp(u, "/redfish/v1/TaskService/Tasks")) {
        /* The collection (DSP0266): what a client that lost its monitor
         * asks; tasks live in the BMC's memory, so a reset empties it. */
        json_object *o = collection("/redfish/v1/TaskService/Tasks",
                                    "#TaskCollection.TaskCollection", NULL);
        json_object *m = json_object_new_array();
        for (int i = 0; i < b->ntasks; i++) {
            char p[96];
            snprintf(p, sizeof(p), "/redfish/v1/TaskService/Tasks/%d", b->tasks[i].id);
            json_object_array_add(m, link_to(p));
        }
        json_object_object_add(o, "Members@odata.count", json_object_new_int(b->ntasks));
        json_object_object_add(o, "Members", m);
        ANSWER(send_json(c, MHD_HTTP_OK, o, NULL));
    }
    const char *tasks = "/redfish/v1/TaskService/Tasks/";
    if (get && !strncmp(u, tasks, strlen(tasks))) {
        char *end = NULL;
        long id = strtol(u + strlen(tasks), &end, 10);
        struct task *t = id > 0 ? task_by_id(b, (int)id) : NULL;
        if (!t)
            ANSWER(send_error(c, MHD_HTTP_NOT_FOUND, "Base.1.8.ResourceNotFound", "No such task."));
        if (end && !strcmp(end, "/Monitor")) {
            if (t->st == T_RUNNING)
                ANSWER(send_json(c, MHD_HTTP_ACCEPTED, task_json(b, t), NULL));
            if (t->monitor_done)
                ANSWER(send_error(c, MHD_HTTP_NOT_FOUND, "Base.1.8.ResourceNotFound",
                                  "The task monitor is gone."));
            t->monitor_done = 1;
            ANSWER(send_json(c, MHD_HTTP_NO_CONTENT, NULL, NULL));
        }
        if (end && !*end)
            ANSWER(send_json(c, MHD_HTTP_OK, task_json(b, t), NULL));
    }
    return 0;
}

/* TaskService, Managers, Systems and their resets. */
static int route_rest(struct sf_bmc *b, struct MHD_Connection *c, const char *u, int get,
                      int post, struct req *q, enum MHD_Result *r)
{
    if (get && !strcmp(u, "/redfish/v1/TaskService")) {
        json_object *o = odata("/redfish/v1/TaskService", "#TaskService.v1_2_0.TaskService");
        json_object_object_add(o, "Tasks", link_to("/redfish/v1/TaskService/Tasks"));
        ANSWER(send_json(c, MHD_HTTP_OK, o, NULL));
    }
    if (get && !strcmp(u, "/redfish/v1/Managers"))
        ANSWER(send_json(c, MHD_HTTP_OK, collection("/redfish/v1/Managers",
                         "#ManagerCollection.ManagerCollection", "/redfish/v1/Managers/bmc"), NULL));
    if (get && !strcmp(u, "/redfish/v1/Managers/bmc"))
        ANSWER(send_json(c, MHD_HTTP_OK, manager(b), NULL));
    if (b->conf.no_systems && !strncmp(u, "/redfish/v1/Systems", 19))
        return 0; /* the quirk: 404, so no host reset can be asked for */
    if (get && !strcmp(u, "/redfish/v1/Systems"))
        ANSWER(send_json(c, MHD_HTTP_OK, collection("/redfish/v1/Systems",
                         "#ComputerSystemCollection.ComputerSystemCollection",
                         "/redfish/v1/Systems/system"), NULL));
    if (get && !strcmp(u, "/redfish/v1/Systems/system"))
        ANSWER(send_json(c, MHD_HTTP_OK, system_res(b), NULL));
    if (post && (!strcmp(u, "/redfish/v1/Managers/bmc/Actions/Manager.Reset") ||
                 !strcmp(u, "/redfish/v1/Systems/system/Actions/ComputerSystem.Reset"))) {
        json_object *p = q->body ? json_tokener_parse(q->body) : NULL, *rt;
        const char *t = p && json_object_object_get_ex(p, "ResetType", &rt)
                        ? json_object_get_string(rt) : "";
        int ok = !strcmp(t, "GracefulRestart") || !strcmp(t, "ForceRestart") ||
                 (strstr(u, "Systems") && !strcmp(t, "PowerCycle"));
        json_object_put(p);
        if (!ok)
            ANSWER(send_error(c, MHD_HTTP_BAD_REQUEST, "Base.1.8.ActionParameterValueNotInList",
                              "ResetType is not supported."));
        if (strstr(u, "Managers"))
            schedule_bmc_reset(b, 50);
        else
            host_reset(b);
        ANSWER(send_json(c, MHD_HTTP_NO_CONTENT, NULL, NULL));
    }
    return 0;
}

static enum MHD_Result route(struct sf_bmc *b, struct MHD_Connection *c, const char *url,
                             const char *method, struct req *q)
{
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    int post = !strcmp(method, "POST");
    char u[256];
    snprintf(u, sizeof(u), "%s", url);
    size_t ul = strlen(u);
    while (ul > 1 && u[ul - 1] == '/')
        u[--ul] = '\0';

    enum MHD_Result ans;
    if (route_sfemu(b, c, u, get, post, &ans))
        return ans;
    b->requests++;
    if (b->burst_left > 0) {
        b->burst_left--;
        b->refused_503++;
        return send_503(c);
    }
    if (b->conf.root_slash_only && !strcmp(url, "/redfish/v1")) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Location", "/redfish/v1/");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_PERMANENT_REDIRECT, r);
        MHD_destroy_response(r);
        return ret;
    }
    if ((!strcmp(u, "/redfish") || !strcmp(u, "/redfish/v1")) && get) {
        if (!strcmp(u, "/redfish")) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "v1", json_object_new_string("/redfish/v1/"));
            return send_json(c, MHD_HTTP_OK, o, NULL);
        }
        return send_json(c, MHD_HTTP_OK, service_root(b), NULL);
    }
    if (route_login(b, c, u, post, q, &ans))
        return ans;
    if (!authorized(b, c)) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "WWW-Authenticate", "Basic realm=\"Redfish\"");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, r);
        MHD_destroy_response(r);
        return ret;
    }
    const char *sess = "/redfish/v1/SessionService/Sessions/";
    if (!strncmp(u, sess, strlen(sess)) && !strcmp(method, "DELETE")) {
        int id = atoi(u + strlen(sess));
        for (int i = 0; i < b->nsessions; i++)
            if (b->sessions[i].id == id) {
                memmove(&b->sessions[i], &b->sessions[i + 1],
                        sizeof(b->sessions[0]) * (size_t)(b->nsessions - i - 1));
                b->nsessions--;
                return send_json(c, MHD_HTTP_NO_CONTENT, NULL, NULL);
            }
        return send_error(c, MHD_HTTP_NOT_FOUND, "Base.1.8.ResourceNotFound", "No such session.");
    }
    if (get && !strcmp(u, "/redfish/v1/SessionService") && !b->conf.no_sessions) {
        json_object *o = odata("/redfish/v1/SessionService", "#SessionService.v1_1_8.SessionService");
        json_object_object_add(o, "Sessions", link_to("/redfish/v1/SessionService/Sessions"));
        return send_json(c, MHD_HTTP_OK, o, NULL);
    }
    if (route_update(b, c, u, get, post, q, &ans) || route_tasks(b, c, u, get, &ans) ||
        route_rest(b, c, u, get, post, q, &ans))
        return ans;
    if (get || post)
        return send_error(c, MHD_HTTP_NOT_FOUND, "Base.1.8.ResourceNotFound",
                          "The resource does not exist.");
    return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "Base.1.8.OperationNotAllowed",
                      "The method is not allowed here.");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    struct sf_bmc *b = cls;
    struct req *q = *con_cls;
    if (!q) {
        q = calloc(1, sizeof(*q));
        if (!q)
            return MHD_NO;
        *con_cls = q;
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        if (ct && !strncasecmp(ct, "multipart/form-data", 19))
            q->pp = MHD_create_post_processor(c, 65536, post_iter, q);
        return MHD_YES;
    }
    if (*upload_size) {
        if (q->pp) {
            if (MHD_post_process(q->pp, upload, *upload_size) != MHD_YES && !q->too_big)
                q->too_big = q->file_len + *upload_size > MAX_BODY;
        } else if (!q->too_big &&
                   grow(&q->body, &q->len, &q->cap, upload, *upload_size, MAX_BODY)) {
            q->too_big = 1;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&b->mu);
    enum MHD_Result r;
    if (b->ok_at && now_ms() < b->ok_at && strncmp(url, "/sfemu/", 7)) {
        /* Back up, not yet ready: what BMCs answer while they start. */
        b->refused_503++;
        r = send_503(c);
    } else {
        r = route(b, c, url, method, q);
    }
    pthread_mutex_unlock(&b->mu);
    return r;
}

/* ---- daemon ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        if (grow(&buf, &len, &cap, tmp, n, 1u << 20)) {
            free(buf);
            fclose(f);
            return NULL;
        }
    fclose(f);
    return buf;
}

static int listen_now(struct sf_bmc *b, uint16_t port, struct sf_errctx *ec)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    char *cert = NULL, *key = NULL;
    if (b->conf.tls_cert[0]) {
        cert = slurp(b->conf.tls_cert);
        key = slurp(b->conf.tls_key);
        if (!cert || !key) {
            free(cert);
            free(key);
            return sf_err_set(ec, SF_ECONFIG, "bmc: cannot read the TLS certificate or key");
        }
        flags |= MHD_USE_TLS;
    }
    if (cert)
        b->d = MHD_start_daemon(flags, port, NULL, NULL, handler, b,
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
                                MHD_OPTION_NOTIFY_COMPLETED, req_done, b,
                                MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                                MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
                                MHD_OPTION_END);
    else
        b->d = MHD_start_daemon(flags, port, NULL, NULL, handler, b,
                                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
                                MHD_OPTION_NOTIFY_COMPLETED, req_done, b,
                                MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    free(cert);
    free(key);
    if (!b->d)
        return sf_err_set(ec, SF_EIO, "bmc: cannot listen on 127.0.0.1:%u", port);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(b->d, MHD_DAEMON_INFO_BIND_PORT);
    b->port = di ? di->port : port;
    return 0;
}

int sf_bmc_start(const struct sf_bmc_conf *conf, struct sf_bmc **out, struct sf_errctx *ec)
{
    *out = NULL;
    struct sf_bmc *b = calloc(1, sizeof(*b));
    if (!b)
        return SF_ENOMEM;
    b->conf = *conf;
    pthread_mutex_init(&b->mu, NULL);
    for (size_t i = 0; i < conf->ncomp; i++) {
        b->comp[i].c = conf->comp[i];
        snprintf(b->comp[i].version, sizeof(b->comp[i].version), "%s", conf->comp[i].version);
        snprintf(b->comp[i].backup_version, sizeof(b->comp[i].backup_version), "%s",
                 conf->comp[i].version);
    }
    int rc = listen_now(b, conf->port, ec);
    if (rc) {
        pthread_mutex_destroy(&b->mu);
        free(b);
        return rc;
    }
    *out = b;
    return 0;
}

uint16_t sf_bmc_port(const struct sf_bmc *b)
{
    return b->port;
}

void sf_bmc_tick(struct sf_bmc *b)
{
    pthread_mutex_lock(&b->mu);
    uint64_t now = now_ms();
    for (int i = 0; i < b->ntasks; i++) {
        struct task *t = &b->tasks[i];
        if (t->st == T_RUNNING && !b->conf.stuck_task && now - t->start_ms >= b->conf.task_ms)
            finish_task(b, t);
    }
    for (size_t i = 0; i < b->conf.ncomp; i++) {
        struct comp *c = &b->comp[i];
        if (c->applying[0] && now >= c->updating_until) {
            snprintf(c->version, sizeof(c->version), "%s", c->applying);
            c->applying[0] = '\0';
        }
    }
    int stop = b->reset_at && now >= b->reset_at && b->d;
    int start = !b->d && b->up_at && now >= b->up_at;
    if (stop) {
        /* The BMC goes down: everything in its memory is lost, and the
         * staged BMC image is what it boots. */
        b->bmc_resets++;
        b->ntasks = 0;
        b->nsessions = 0;
        b->burst_left = 0;
        struct comp *c = comp_by_id(b, "bmc");
        if (c && c->staged[0] && (c->staged_when != AP_ON_START || c->started)) {
            snprintf(c->version, sizeof(c->version), "%s", c->staged);
            c->staged[0] = '\0';
        }
        /* Staged images wait in the BMC's memory (bmcweb: /tmp/images):
         * the reset drops them, unless this BMC keeps them in flash. */
        for (size_t i = 0; i < b->conf.ncomp && !b->conf.keep_staged; i++) {
            b->comp[i].staged[0] = '\0';
            b->comp[i].started = 0;
        }
        b->reset_at = 0;
        b->up_at = now + b->conf.reset_down_ms;
        b->ok_at = b->up_at + b->conf.reset_503_ms;
    }
    struct MHD_Daemon *d = stop ? b->d : NULL;
    if (stop)
        b->d = NULL;
    pthread_mutex_unlock(&b->mu);
    if (d)
        MHD_stop_daemon(d); /* outside the lock: its thread may be waiting for it */
    if (start) {
        struct sf_errctx ec = { 0 };
        pthread_mutex_lock(&b->mu);
        b->up_at = 0;
        pthread_mutex_unlock(&b->mu);
        /* The same port again; if it cannot be had, try on the next tick. */
        if (listen_now(b, b->port, &ec)) {
            pthread_mutex_lock(&b->mu);
            b->up_at = now_ms() + 50;
            pthread_mutex_unlock(&b->mu);
        }
    }
}

void sf_bmc_stop(struct sf_bmc *b)
{
    if (!b)
        return;
    if (b->d)
        MHD_stop_daemon(b->d);
    pthread_mutex_destroy(&b->mu);
    free(b);
}
