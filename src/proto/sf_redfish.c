/* sf_redfish.c - see sf_redfish.h. */
#include "proto/sf_redfish.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parse len bytes as one JSON object (nothing after it). */
static json_object *parse_obj(const char *json, size_t len, const char *what, struct sf_errctx *ec)
{
    if (!json || len == 0 || len > (16u << 20)) {
        sf_err_set(ec, SF_EMALFORMED, "%s: empty or oversized response", what);
        return NULL;
    }
    json_tokener *t = json_tokener_new();
    if (!t) {
        sf_err_set(ec, SF_ENOMEM, "%s: out of memory", what);
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(t, json, (int)len);
    enum json_tokener_error e = json_tokener_get_error(t);
    size_t used = json_tokener_get_parse_end(t);
    json_tokener_free(t);
    int trailing = 0;
    for (size_t i = used; o && i < len; i++)
        if (json[i] != ' ' && json[i] != '\n' && json[i] != '\r' && json[i] != '\t' && json[i])
            trailing = 1;
    if (!o || e != json_tokener_success || trailing || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        sf_err_set(ec, SF_EMALFORMED, "%s: not a JSON object", what);
        return NULL;
    }
    return o;
}

static json_object *get(json_object *o, const char *k)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* Copy a string property; missing is "", wrong type or too long is an error
 * when need (and so is empty), else "". */
static int str(json_object *o, const char *k, char *out, size_t cap, int need, const char *what,
               struct sf_errctx *ec)
{
    out[0] = '\0';
    json_object *v = get(o, k);
    if (!v || !json_object_is_type(v, json_type_string) ||
        (size_t)json_object_get_string_len(v) >= cap ||
        (need && !json_object_get_string_len(v))) {
        if (need)
            return sf_err_set(ec, SF_EMALFORMED, "%s: \"%s\" is missing, empty, not a string "
                              "or too long", what, k);
        return 0;
    }
    memcpy(out, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
    return 0;
}

/* The URI one link holds: {"@odata.id": "..."} as the schemas write it,
 * or - off-schema, as some services do - the bare string.  "" when it is
 * neither or too long. */
static void link_of(json_object *l, char *out, size_t cap)
{
    struct sf_errctx ig = { 0 };
    out[0] = '\0';
    if (l && json_object_is_type(l, json_type_object))
        str(l, "@odata.id", out, cap, 0, "", &ig);
    else if (l && json_object_is_type(l, json_type_string) &&
             (size_t)json_object_get_string_len(l) < cap)
        memcpy(out, json_object_get_string(l), (size_t)json_object_get_string_len(l) + 1);
}

/* Property k holding one link. */
static void link(json_object *o, const char *k, char *out, size_t cap)
{
    link_of(get(o, k), out, cap);
}

/* An array-of-links property (RelatedItem, Links.ManagedBy, Members), read
 * whatever shape a service gives it: the schema's [{"@odata.id"}], an
 * array of bare strings, or a single link object or string in place of
 * the array.  Calls fn for each element with its URI ("" for an element
 * that is no link); stops when fn returns non-zero and returns that.  A
 * missing property has no elements. */
static int each_link(json_object *v, int (*fn)(const char *uri, void *arg), void *arg)
{
    char u[SF_RF_URI];
    if (!v || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_array)) {
        link_of(v, u, sizeof(u));
        return fn(u, arg);
    }
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        link_of(json_object_array_get_idx(v, i), u, sizeof(u));
        int rc = fn(u, arg);
        if (rc)
            return rc;
    }
    return 0;
}

int sf_rf_parse_root(const char *json, size_t len, struct sf_rf_root *out, struct sf_errctx *ec)
{
    memset(out, 0, sizeof(*out));
    json_object *o = parse_obj(json, len, "service root", ec);
    if (!o)
        return SF_EMALFORMED;
    link(get(o, "Links"), "Sessions", out->sessions, sizeof(out->sessions));
    if (!out->sessions[0] && get(o, "SessionService"))
        snprintf(out->sessions, sizeof(out->sessions), "/redfish/v1/SessionService/Sessions");
    link(o, "UpdateService", out->update_service, sizeof(out->update_service));
    link(o, "Systems", out->systems, sizeof(out->systems));
    link(o, "Managers", out->managers, sizeof(out->managers));
    struct sf_errctx ig = { 0 };
    str(o, "RedfishVersion", out->redfish_version, sizeof(out->redfish_version), 0, "", &ig);
    json_object_put(o);
    if (!out->update_service[0])
        return sf_err_set(ec, SF_ENOTSUP, "service root: this Redfish service has no "
                          "UpdateService");
    return 0;
}

static unsigned apply_bit(const char *s)
{
    return !strcmp(s, "Immediate") ? SF_RF_APPLY_IMMEDIATE
           : !strcmp(s, "OnReset") ? SF_RF_APPLY_ON_RESET
           : !strcmp(s, "OnStartUpdateRequest") ? SF_RF_APPLY_ON_START
           : !strcmp(s, "OnTargetReset") ? SF_RF_APPLY_ON_TARGET_RESET : 0;
}

static void action_target(json_object *acts, const char *name, char *out, size_t cap)
{
    json_object *a = get(acts, name);
    struct sf_errctx ig = { 0 };
    out[0] = '\0';
    if (a && json_object_is_type(a, json_type_object))
        str(a, "target", out, cap, 0, "", &ig);
}

int sf_rf_parse_update(const char *json, size_t len, struct sf_rf_update *out,
                       struct sf_errctx *ec)
{
    memset(out, 0, sizeof(*out));
    json_object *o = parse_obj(json, len, "UpdateService", ec);
    if (!o)
        return SF_EMALFORMED;
    struct sf_errctx ig = { 0 };
    str(o, "HttpPushUri", out->push_uri, sizeof(out->push_uri), 0, "", &ig);
    str(o, "MultipartHttpPushUri", out->multipart_uri, sizeof(out->multipart_uri), 0, "", &ig);
    link(o, "FirmwareInventory", out->inventory, sizeof(out->inventory));
    json_object *acts = get(o, "Actions");
    action_target(acts, "#UpdateService.StartUpdate", out->start_update, sizeof(out->start_update));
    action_target(acts, "#UpdateService.SimpleUpdate", out->simple_update,
                  sizeof(out->simple_update));
    json_object *at = get(get(get(o, "HttpPushUriOptions"), "HttpPushUriApplyTime"),
                          "ApplyTime@Redfish.AllowableValues");
    if (at && json_object_is_type(at, json_type_array))
        for (size_t i = 0; i < json_object_array_length(at); i++) {
            json_object *v = json_object_array_get_idx(at, i);
            if (json_object_is_type(v, json_type_string))
                out->apply_times |= apply_bit(json_object_get_string(v));
        }
    json_object_put(o);
    /* A service without push URIs (older ones only pull, by SimpleUpdate)
     * is still read: what it runs is worth showing, and the plan refuses
     * a push to it. */
    if (!out->inventory[0])
        return sf_err_set(ec, SF_EMALFORMED, "UpdateService: no FirmwareInventory");
    return 0;
}

int sf_rf_parse_members(const char *json, size_t len, struct sf_rf_members *out,
                        struct sf_errctx *ec)
{
    memset(out, 0, sizeof(*out));
    return sf_rf_parse_members_page(json, len, out, ec);
}

struct members_ctx {
    struct sf_rf_members *out;
    size_t i;
    struct sf_errctx *ec;
};

static int add_member(const char *uri, void *arg)
{
    struct members_ctx *c = arg;
    struct sf_rf_members *m = c->out;
    if (m->n == sizeof(m->uri) / sizeof(m->uri[0]))
        return sf_err_set(c->ec, SF_ERANGE, "collection: more than %zu members", m->n);
    if (uri[0] != '/' || uri[1] == '/')
        return sf_err_set(c->ec, SF_EMALFORMED, "collection: member %zu has no @odata.id path",
                          c->i);
    snprintf(m->uri[m->n++], SF_RF_URI, "%s", uri);
    c->i++;
    return 0;
}

int sf_rf_parse_members_page(const char *json, size_t len, struct sf_rf_members *out,
                             struct sf_errctx *ec)
{
    out->next[0] = '\0';
    json_object *o = parse_obj(json, len, "collection", ec);
    if (!o)
        return SF_EMALFORMED;
    json_object *m = get(o, "Members");
    int rc = 0;
    if (!m || !(json_object_is_type(m, json_type_array) || json_object_is_type(m, json_type_object) ||
                json_object_is_type(m, json_type_string))) {
        rc = sf_err_set(ec, SF_EMALFORMED, "collection: \"Members\" is not an array");
        goto out;
    }
    /* Members as the schema writes them, or as bare strings, or one link
     * where the array belongs. */
    struct members_ctx c = { out, 0, ec };
    rc = each_link(m, add_member, &c);
    if (rc)
        goto out;
    char nx[SF_RF_URI] = "";
    struct sf_errctx ig = { 0 };
    str(o, "Members@odata.nextLink", nx, sizeof(nx), 0, "", &ig);
    if (nx[0] && sf_rf_uri_path(nx, out->next, sizeof(out->next)))
        rc = sf_err_set(ec, SF_EMALFORMED, "collection: Members@odata.nextLink is no URI");
out:
    json_object_put(o);
    return rc;
}

int sf_rf_uri_path(const char *uri, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = uri;
    if (!strncasecmp(p, "https://", 8) || !strncasecmp(p, "http://", 7)) {
        p = strstr(p, "://") + 3;
        if (*p == '/' || !*p)
            return SF_EMALFORMED; /* no host */
        p += strcspn(p, "/?#");
        if (!*p)
            p = "/";
    }
    if (p[0] != '/' || p[1] == '/' || strlen(p) >= cap)
        return SF_EMALFORMED;
    for (const char *q = p; *q; q++)
        if ((unsigned char)*q <= ' ' || *q == 0x7f)
            return SF_EMALFORMED; /* nothing that would break a request line */
    memcpy(out, p, strlen(p) + 1);
    return 0;
}

int sf_rf_odata_id(const char *json, size_t len, char *out, size_t cap)
{
    out[0] = '\0';
    struct sf_errctx ig = { 0 };
    json_object *o = parse_obj(json, len, "resource", &ig);
    if (!o)
        return SF_EMALFORMED;
    char u[SF_RF_URI];
    str(o, "@odata.id", u, sizeof(u), 0, "", &ig);
    json_object_put(o);
    return sf_rf_uri_path(u, out, cap);
}

/* One RelatedItem link of a firmware inventory item. */
static int related(const char *uri, void *arg)
{
    struct sf_rf_fw *out = arg;
    /* Only paths (an absolute URL is followed by its path, as Locations
     * are); HPE writes them with a trailing slash: look at them without
     * it, but keep the Manager's as the service wrote it (it becomes a
     * push target). */
    char ru[SF_RF_URI], chk[SF_RF_URI];
    if (sf_rf_uri_path(uri, ru, sizeof(ru)))
        return 0;
    snprintf(chk, sizeof(chk), "%s", ru);
    size_t cl = strlen(chk);
    while (cl > 1 && chk[cl - 1] == '/')
        chk[--cl] = '\0';
    const char *sys = strstr(chk, "/Systems/");
    if (strstr(chk, "/Managers/") && !out->manager[0])
        snprintf(out->manager, sizeof(out->manager), "%s", ru);
    else if (sys && (strstr(sys, "/Bios") || !strchr(sys + 9, '/')))
        out->rel_bios = 1;
    return 0;
}

int sf_rf_parse_fw(const char *json, size_t len, struct sf_rf_fw *out, struct sf_errctx *ec)
{
    memset(out, 0, sizeof(*out));
    out->updateable = -1;
    json_object *o = parse_obj(json, len, "firmware inventory item", ec);
    if (!o)
        return SF_EMALFORMED;
    struct sf_errctx ig = { 0 };
    int rc = str(o, "@odata.id", out->uri, sizeof(out->uri), 1, "firmware inventory item", ec);
    if (rc)
        goto out;
    /* An Id left out or empty: the last segment of the member's URI, as
     * services derive it. */
    str(o, "Id", out->id, sizeof(out->id), 0, "", &ig);
    if (!out->id[0]) {
        char u[SF_RF_URI];
        snprintf(u, sizeof(u), "%s", out->uri);
        size_t l = strlen(u);
        while (l > 1 && u[l - 1] == '/')
            u[--l] = '\0';
        const char *seg = strrchr(u, '/');
        snprintf(out->id, sizeof(out->id), "%s", seg ? seg + 1 : u);
    }
    if (!out->id[0]) {
        rc = sf_err_set(ec, SF_EMALFORMED, "firmware inventory item: no Id, and none in its "
                        "@odata.id");
        goto out;
    }
    str(o, "Name", out->name, sizeof(out->name), 0, "", &ig);
    str(o, "SoftwareId", out->software_id, sizeof(out->software_id), 0, "", &ig);
    str(o, "Description", out->description, sizeof(out->description), 0, "", &ig);
    json_object *ac = get(o, "Active");
    out->active = ac && json_object_is_type(ac, json_type_boolean) ? json_object_get_boolean(ac)
                                                                    : -1;
    /* RelatedItem says what an image runs on (bmcweb: the Manager for the
     * BMC's image, Systems/<id>/Bios for the host's) - the schema's way of
     * naming a component where Ids are opaque hashes.  Read in any shape
     * a service writes it (an array of links, of strings, or one link). */
    each_link(get(o, "RelatedItem"), related, out);
    /* Version is what decides; a member without one is reported, not
     * guessed at. */
    str(o, "Version", out->version, sizeof(out->version), 0, "", &ig);
    json_object *u = get(o, "Updateable");
    if (u && json_object_is_type(u, json_type_boolean))
        out->updateable = json_object_get_boolean(u);
    json_object *st = get(o, "Status");
    str(st, "State", out->state, sizeof(out->state), 0, "", &ig);
    str(st, "Health", out->health, sizeof(out->health), 0, "", &ig);
    json_object *conds = get(st, "Conditions");
    if (conds && json_object_is_type(conds, json_type_array) && json_object_array_length(conds))
        str(json_object_array_get_idx(conds, 0), "Message", out->condition,
            sizeof(out->condition), 0, "", &ig);
    json_object *sg = get(o, "Staged");
    /* Staged: the property (SoftwareInventory v1.10), the state DSP0268
     * gives an image that waits (StandbyOffline), or the off-schema state
     * "Staged" some services write. */
    out->staged = (sg && json_object_is_type(sg, json_type_boolean) && json_object_get_boolean(sg)) ||
                  !strcmp(out->state, "StandbyOffline") || !strcasecmp(out->state, "Staged");
    out->backup = !strcmp(out->state, "StandbySpare");
out:
    json_object_put(o);
    return rc;
}

static const char *const task_states[] = {
    "", "New", "Starting", "Running", "Suspended", "Interrupted", "Pending", "Stopping",
    "Completed", "Killed", "Exception", "Service", "Cancelling", "Cancelled",
};

int sf_rf_parse_task(const char *json, size_t len, struct sf_rf_task *out, struct sf_errctx *ec)
{
    memset(out, 0, sizeof(*out));
    out->percent = -1;
    json_object *o = parse_obj(json, len, "task", ec);
    if (!o)
        return SF_EMALFORMED;
    struct sf_errctx ig = { 0 };
    str(o, "@odata.id", out->uri, sizeof(out->uri), 0, "", &ig);
    int rc = str(o, "TaskState", out->state_str, sizeof(out->state_str), 1, "task", ec);
    if (rc)
        goto out;
    for (size_t i = 1; i < sizeof(task_states) / sizeof(task_states[0]); i++)
        if (!strcmp(out->state_str, task_states[i]))
            out->state = (enum sf_rf_task_state)i;
    str(o, "TaskStatus", out->status, sizeof(out->status), 0, "", &ig);
    json_object *p = get(o, "PercentComplete");
    if (p && json_object_is_type(p, json_type_int)) {
        int64_t v = json_object_get_int64(p);
        out->percent = v < 0 ? 0 : v > 100 ? 100 : (int)v;
    }
    json_object *m = get(o, "Messages");
    if (m && json_object_is_type(m, json_type_array) && json_object_array_length(m)) {
        json_object *last = json_object_array_get_idx(m, json_object_array_length(m) - 1);
        str(last, "MessageId", out->message_id, sizeof(out->message_id), 0, "", &ig);
        str(last, "Message", out->message, sizeof(out->message), 0, "", &ig);
    }
out:
    json_object_put(o);
    return rc;
}

/* One Links.ManagedBy link of a ComputerSystem: the first Manager. */
static int managed_by(const char *uri, void *arg)
{
    struct sf_rf_system *out = arg;
    char p[SF_RF_URI];
    if (!out->managed_by[0] && !sf_rf_uri_path(uri, p, sizeof(p)) && strstr(p, "/Managers/"))
        snprintf(out->managed_by, sizeof(out->managed_by), "%s", p);
    return 0;
}

int sf_rf_parse_system(const char *json, size_t len, struct sf_rf_system *out,
                       struct sf_errctx *ec)
{
    memset(out, 0, sizeof(*out));
    json_object *o = parse_obj(json, len, "computer system", ec);
    if (!o)
        return SF_EMALFORMED;
    struct sf_errctx ig = { 0 };
    int rc = str(o, "@odata.id", out->uri, sizeof(out->uri), 1, "computer system", ec);
    str(o, "Manufacturer", out->manufacturer, sizeof(out->manufacturer), 0, "", &ig);
    str(o, "Model", out->model, sizeof(out->model), 0, "", &ig);
    action_target(get(o, "Actions"), "#ComputerSystem.Reset", out->reset, sizeof(out->reset));
    each_link(get(get(o, "Links"), "ManagedBy"), managed_by, out);
    if (out->reset[0] != '/')
        out->reset[0] = '\0';
    json_object_put(o);
    return rc;
}

void sf_rf_error_message(const char *json, size_t len, char *out, size_t cap)
{
    out[0] = '\0';
    struct sf_errctx ig = { 0 };
    json_object *o = parse_obj(json, len, "error", &ig);
    if (!o)
        return;
    json_object *e = get(o, "error");
    json_object *ext = get(e, "@Message.ExtendedInfo");
    if (ext && json_object_is_type(ext, json_type_array) && json_object_array_length(ext))
        str(json_object_array_get_idx(ext, 0), "Message", out, cap, 0, "", &ig);
    if (!out[0])
        str(e, "message", out, cap, 0, "", &ig);
    json_object_put(o);
}

int sf_rf_task_final(enum sf_rf_task_state s)
{
    return s == SF_RF_TASK_COMPLETED || s == SF_RF_TASK_KILLED || s == SF_RF_TASK_EXCEPTION ||
           s == SF_RF_TASK_CANCELLED;
}

const char *sf_rf_apply_str(enum sf_rf_apply a)
{
    switch (a) {
    case SF_RF_APPLY_IMMEDIATE: return "Immediate";
    case SF_RF_APPLY_ON_RESET: return "OnReset";
    case SF_RF_APPLY_ON_START: return "OnStartUpdateRequest";
    case SF_RF_APPLY_ON_TARGET_RESET: return "OnTargetReset";
    }
    return "Immediate";
}

static char *dump(json_object *o)
{
    const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
    char *r = s ? strdup(s) : NULL;
    json_object_put(o);
    return r;
}

char *sf_rf_login_body(const char *user, const char *password)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "UserName", json_object_new_string(user));
    json_object_object_add(o, "Password", json_object_new_string(password));
    return dump(o);
}

char *sf_rf_reset_body(const char *reset_type)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ResetType", json_object_new_string(reset_type));
    return dump(o);
}

char *sf_rf_simple_update_body(const char *image_uri, const char *target)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ImageURI", json_object_new_string(image_uri));
    if (target) {
        json_object *t = json_object_new_array();
        json_object_array_add(t, json_object_new_string(target));
        json_object_object_add(o, "Targets", t);
    }
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

char *sf_rf_update_params(const char *target, enum sf_rf_apply apply)
{
    json_object *o = json_object_new_object();
    json_object *t = json_object_new_array();
    if (target)
        json_object_array_add(t, json_object_new_string(target));
    json_object_object_add(o, "Targets", t);
    json_object_object_add(o, "@Redfish.OperationApplyTime",
                           json_object_new_string(sf_rf_apply_str(apply)));
    return dump(o);
}

int sf_rf_parse_target(const char *s, struct sf_rf_target *out, char *why, size_t cap)
{
    memset(out, 0, sizeof(*out));
    const char *p = "redfish://";
    if (!s || strncmp(s, p, strlen(p))) {
        snprintf(why, cap, "a Redfish target is redfish://USER@HOST[:PORT]");
        return SF_EINVAL;
    }
    s += strlen(p);
    const char *at = strchr(s, '@');
    if (!at || at == s || (size_t)(at - s) >= sizeof(out->user)) {
        snprintf(why, cap, "redfish://USER@HOST[:PORT]: the user is missing or too long "
                 "(the password comes from SAFEFLASH_REDFISH_PASSWORD or a prompt)");
        return SF_EINVAL;
    }
    for (const char *c = s; c < at; c++)
        if (*c == ':' || *c == '/' || (unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e) {
            snprintf(why, cap, "redfish://USER@HOST[:PORT]: %s", *c == ':'
                     ? "no password in the target: use SAFEFLASH_REDFISH_PASSWORD or the prompt"
                     : "the user holds a character that is not allowed");
            return SF_EINVAL;
        }
    memcpy(out->user, s, (size_t)(at - s));
    const char *h = at + 1, *end;
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end) {
            snprintf(why, cap, "redfish://USER@[IPv6]:PORT: ']' missing");
            return SF_EINVAL;
        }
        end++;
    } else {
        end = h + strcspn(h, ":/");
    }
    if (end == h || (size_t)(end - h) >= sizeof(out->host)) {
        snprintf(why, cap, "redfish://USER@HOST[:PORT]: the host is missing or too long");
        return SF_EINVAL;
    }
    for (const char *c = h; c < end; c++)
        if ((unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e || *c == '@' || *c == '?' ||
            *c == '#') {
            snprintf(why, cap, "redfish://USER@HOST[:PORT]: the host holds a character that "
                     "is not allowed");
            return SF_EINVAL;
        }
    memcpy(out->host, h, (size_t)(end - h));
    if (*end == ':') {
        char *e = NULL;
        unsigned long port = strtoul(end + 1, &e, 10);
        if (e == end + 1 || port == 0 || port > 65535 || (*e && strcmp(e, "/"))) {
            snprintf(why, cap, "redfish://USER@HOST[:PORT]: bad port '%s'", end + 1);
            return SF_EINVAL;
        }
        out->port = (unsigned)port;
    } else if (*end && strcmp(end, "/")) {
        snprintf(why, cap, "redfish://USER@HOST[:PORT]: nothing may follow the host and port");
        return SF_EINVAL;
    }
    return 0;
}

int sf_rf_host_is_loopback(const char *host)
{
    /* A dotted quad in 127/8 - not a name that merely starts "127." */
    struct in_addr a;
    return !strcmp(host, "localhost") || !strcmp(host, "[::1]") ||
           (inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127);
}
