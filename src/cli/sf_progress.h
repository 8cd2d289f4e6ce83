/*
 * sf_progress.h - how an install looks to the operator.  Three renderings
 * of the same engine events:
 *   terminal  a live line per processor: bar, bytes, rate, phase
 *   plain     log lines at phase changes and every quarter of the image
 *   json      one JSON object per line on stdout
 */
#ifndef SF_PROGRESS_H
#define SF_PROGRESS_H

#include <stdio.h>

#include <json-c/json.h>

#include "engine/sf_install.h"

enum sf_render { SF_RENDER_TTY, SF_RENDER_PLAIN, SF_RENDER_JSON };

struct sf_progress {
    enum sf_render mode;
    FILE *out;                 /* plan and results */
    FILE *err;                 /* progress lines (tty/plain) */
    const struct sf_target *cur;
    double t0;                 /* start of the current download */
    uint64_t b0;               /* bytes already there when it started */
    int quarter;               /* plain: last quarter logged */
    int line_open;             /* tty: a progress line needs clearing */
    char phase[32];
};

void sf_progress_init(struct sf_progress *p, enum sf_render mode);

/* Engine callback (arg = struct sf_progress *). */
void sf_progress_event(const struct sf_iev *ev, void *arg);

/* A free-standing JSON line ({"event": name, ...}) or text line. */
void sf_progress_json(struct sf_progress *p, json_object *o);

#endif
