/*
 * sf_progress.c - rendering install events.  See sf_progress.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "sf_progress.h"

#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sf_progress_init(struct sf_progress *p, enum sf_render mode)
{
    memset(p, 0, sizeof(*p));
    p->mode = mode;
    p->out = stdout;
    p->err = stderr;
}

void sf_progress_json(struct sf_progress *p, json_object *o)
{
    fprintf(p->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
    fflush(p->out);
}

static void human(double v, char *buf, size_t len)
{
    if (v >= 1024.0 * 1024.0)
        snprintf(buf, len, "%.1f MiB", v / (1024.0 * 1024.0));
    else if (v >= 1024.0)
        snprintf(buf, len, "%.1f KiB", v / 1024.0);
    else
        snprintf(buf, len, "%.0f B", v);
}

static void close_line(struct sf_progress *p)
{
    if (p->line_open) {
        fputc('\n', p->err);
        p->line_open = 0;
    }
}

static json_object *target_json(const struct sf_target *t)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "device", json_object_new_string(t->path));
    if (t->drive)
        json_object_object_add(o, "kind", json_object_new_string("drive"));
    else
        json_object_object_add(o, "subenclosure", json_object_new_int(t->sub_id));
    return o;
}

void sf_progress_event(const struct sf_iev *ev, void *arg)
{
    struct sf_progress *p = arg;
    const struct sf_target *t = ev->t;
    if (p->mode == SF_RENDER_JSON) {
        json_object *o = target_json(t);
        switch (ev->kind) {
        case SF_IEV_PHASE:
            json_object_object_add(o, "event", json_object_new_string("phase"));
            json_object_object_add(o, "phase", json_object_new_string(ev->text));
            break;
        case SF_IEV_PROGRESS:
            json_object_object_add(o, "event", json_object_new_string("progress"));
            json_object_object_add(o, "bytes", json_object_new_int64((int64_t)ev->bytes));
            json_object_object_add(o, "total", json_object_new_int64((int64_t)ev->total));
            break;
        case SF_IEV_NOTICE:
            json_object_object_add(o, "event", json_object_new_string("notice"));
            json_object_object_add(o, "message", json_object_new_string(ev->text));
            break;
        case SF_IEV_RESULT:
            json_object_object_add(o, "event", json_object_new_string("result"));
            json_object_object_add(o, "outcome", json_object_new_string(sf_install_outcome_str(t->outcome)));
            json_object_object_add(o, "revision_before", json_object_new_string(t->rev_before));
            json_object_object_add(o, "revision_after", json_object_new_string(t->rev_after));
            if (t->dl.mode_used)
                json_object_object_add(o, "mode", json_object_new_int(t->dl.mode_used));
            json_object_object_add(o, "fell_back", json_object_new_boolean(t->dl.fell_back));
            json_object_object_add(o, "final_status", json_object_new_int(t->dl.final_status));
            json_object_object_add(o, "pages", json_object_new_int64((int64_t)t->dl.pages_sent));
            json_object_object_add(o, "resumes", json_object_new_int((int)t->dl.resumes));
            json_object_object_add(o, "restarts", json_object_new_int((int)t->dl.restarts));
            if (t->msg[0])
                json_object_object_add(o, "message", json_object_new_string(t->msg));
            break;
        }
        sf_progress_json(p, o);
        json_object_put(o);
        return;
    }

    if (p->cur != t) {
        close_line(p);
        p->cur = t;
        p->t0 = now();
        p->b0 = 0;
        p->quarter = -1;
        p->phase[0] = '\0';
    }
    switch (ev->kind) {
    case SF_IEV_PHASE:
        snprintf(p->phase, sizeof(p->phase), "%s", ev->text);
        if (!strcmp(ev->text, "downloading")) {
            p->t0 = now();
            p->b0 = ev->bytes; /* a resumed download starts part-way */
        }
        if (p->mode == SF_RENDER_PLAIN) {
            fprintf(p->err, "%s %s: %s\n", t->path, SF_TARGET_WHAT(t), ev->text);
        } else {
            close_line(p);
            fprintf(p->err, "  %s: %s", SF_TARGET_WHAT(t), ev->text);
            p->line_open = 1;
        }
        break;
    case SF_IEV_PROGRESS: {
        double el = now() - p->t0;
        double rate = el > 0 && ev->bytes >= p->b0 ? (double)(ev->bytes - p->b0) / el : 0;
        char a[32], b[32], r[32];
        human((double)ev->bytes, a, sizeof(a));
        human((double)ev->total, b, sizeof(b));
        human(rate, r, sizeof(r));
        int pct = ev->total ? (int)(ev->bytes * 100 / ev->total) : 0;
        if (p->mode == SF_RENDER_PLAIN) {
            int q = pct / 25;
            if (q != p->quarter) {
                p->quarter = q;
                fprintf(p->err, "%s %s: %3d%% %s of %s, %s/s\n", t->path, SF_TARGET_WHAT(t),
                        pct, a, b, r);
            }
        } else {
            char bar[31];
            int fill = pct * 30 / 100;
            for (int i = 0; i < 30; i++)
                bar[i] = i < fill ? '#' : '.';
            bar[30] = '\0';
            fprintf(p->err, "\r\033[K  %s: [%s] %3d%%  %s / %s  %s/s  %s", SF_TARGET_WHAT(t),
                    bar, pct, a, b, r, p->phase);
            p->line_open = 1;
        }
        break;
    }
    case SF_IEV_NOTICE:
        close_line(p);
        fprintf(p->err, "%s %s: %s\n", t->path, SF_TARGET_WHAT(t), ev->text);
        break;
    case SF_IEV_RESULT:
        close_line(p);
        switch (t->outcome) {
        case SF_OUT_UPDATED:
            fprintf(p->out, "%s %s: updated %s -> %s%s%s%s%s\n", t->path, SF_TARGET_WHAT(t),
                    t->rev_before, t->rev_after,
                    !t->dl.fell_back ? ""
                    : t->drive ? t->dl.mode_used == 0x05 ? " (mode 05h: the drive refused 0Eh and 07h)"
                                                         : " (mode 07h: the drive refused 0Eh)"
                               : " (immediate mode after deferred was rejected)",
                    t->msg[0] ? " (" : "", t->msg, t->msg[0] ? ")" : "");
            break;
        case SF_OUT_STORED:
        case SF_OUT_PENDING_RESET:
            fprintf(p->out, "%s %s: %s (running %s)\n", t->path, SF_TARGET_WHAT(t), t->msg,
                    t->rev_before);
            break;
        case SF_OUT_DRY_RUN:
            fprintf(p->out, "%s %s: dry run, nothing written\n", t->path, SF_TARGET_WHAT(t));
            break;
        default:
            fprintf(p->out, "%s %s: %s: %s\n", t->path, SF_TARGET_WHAT(t),
                    sf_install_outcome_str(t->outcome), t->msg);
            break;
        }
        fflush(p->out);
        break;
    }
    fflush(p->err);
}
