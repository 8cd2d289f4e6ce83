/*
 * sf_show.c - what a device holds and what the journal knows of it, as
 * one JSON document (docs/json.md): the class describes the device, the
 * engine adds the journal's part.  Reads only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sf_update.h"

/* The journal's part: the last finished attempt and an interrupted one,
 * the newest of any of the device's identities (ids[n]: the device's, and
 * each item's own where it has one - a BMC's components). */
static int journal_part(sf_ctx *ctx, char (*ids)[17], size_t n, struct sf_prior *last,
                        json_object *doc, struct sf_errctx *ec)
{
    memset(last, 0, sizeof(*last));
    struct sf_journal *j = NULL;
    int rc = sf_journal_open_existing(ctx, &j, ec);
    if (rc || !j)
        return rc;
    struct sf_history *h = sf_journal_history(j);
    struct sf_last_attempt la, best;
    struct sf_unfinished un[1], ubest;
    int64_t lid = 0, uid = 0;
    for (size_t i = 0; i < n; i++) {
        if (sf_history_last(h, ids[i], 0, &la) == 0 && la.id > lid) {
            best = la;
            lid = la.id;
        }
        size_t nun = 0;
        if (sf_history_unfinished(h, ids[i], un, 1, &nun) == 0 && nun && un[0].id > uid) {
            ubest = un[0];
            uid = un[0].id;
        }
    }
    if (lid) {
        last->id = best.id;
        snprintf(last->action, sizeof(last->action), "%s", best.result);
        json_object *x = json_object_new_object();
        json_object_object_add(x, "attempt", json_object_new_int64(best.id));
        json_object_object_add(x, "result", json_object_new_string(best.result));
        json_object_object_add(doc, "last_attempt", x);
    }
    if (uid) {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "attempt", json_object_new_int64(ubest.id));
        json_object_object_add(x, "action", json_object_new_string(ubest.action));
        json_object_object_add(x, "version", json_object_new_string(ubest.expected_rev));
        json_object_object_add(x, "phase", json_object_new_string(ubest.phase));
        json_object_object_add(doc, "interrupted", x);
    }
    sf_journal_close(j);
    return 0;
}

int sf_show(sf_ctx *ctx, const char *const *targets, size_t n, const struct sf_update_options *o,
            char **json, struct sf_errctx *ec)
{
    if (!ctx || !targets || !n || !json)
        return SF_EINVAL;
    *json = NULL;
    const struct sf_class *c = sf_update_class_for(targets[0]);
    for (size_t i = 0; c && i < n; i++)
        if (sf_update_class_for(targets[i]) != c)
            c = NULL;
    if (!c)
        return sf_err_set(ec, SF_EINVAL, "%s: not a target of one device class", targets[0]);
    struct sf_update_options def;
    sf_update_options_init(&def);
    struct sf_dev *d = NULL;
    struct sf_class_req rq = { .ncomponents = 0 };
    int rc = c->open(ctx, targets, n, o ? o : &def, &rq, &d, ec);
    if (rc)
        return rc;
    char id[17], keys[SF_UPDATE_MAX_TARGETS][17];
    size_t nkeys = 0;
    const char *what = NULL;
    c->identity(d, id, keys, &nkeys, &what);
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "schema", json_object_new_int(SF_JSON_SCHEMA));
    json_object_object_add(doc, "class", json_object_new_string(c->name));
    json_object_object_add(doc, "target", json_object_new_string(targets[0]));
    struct sf_prior last;
    struct sf_errctx jec = { 0 }, iec = { 0 };
    /* Classes whose items carry their own journal identity (a BMC's
     * components) are looked up by those too. */
    static const size_t maxids = 64;
    char (*ids)[17] = calloc(maxids, sizeof(*ids));
    size_t nids = 0;
    struct sf_item *items = NULL;
    size_t nitems = 0;
    if (ids) {
        snprintf(ids[nids++], 17, "%s", id);
        if (c->items(d, &items, &nitems, &iec) == 0)
            for (size_t i = 0; i < nitems && nids < maxids; i++)
                if (items[i].id[0])
                    snprintf(ids[nids++], 17, "%s", items[i].id);
        free(items);
    }
    if (!ids || journal_part(ctx, ids, nids, &last, doc, &jec)) {
        /* What the device holds is worth showing all the same. */
        json_object_object_add(doc, "journal_error", json_object_new_string(jec.msg));
        memset(&last, 0, sizeof(last));
    }
    free(ids);
    rc = c->show(d, &last, doc, ec);
    if (!rc) {
        *json = strdup(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
        rc = *json ? 0 : SF_ENOMEM;
    }
    json_object_put(doc);
    c->close(d);
    return rc;
}
