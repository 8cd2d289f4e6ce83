/*
 * sf_cli_engine.h - the CLI's side of the update engine (the public API
 * in include/safeflash/safeflash.h): a context set up from options and the
 * environment, exit codes for the engine's errors, and the renderings of
 * its plan, events and results - text for people, one JSON object per
 * line for programs (docs/json.md).  Text and JSON are rendered from the
 * same structs and events, so they cannot disagree.
 */
#ifndef SF_CLI_ENGINE_H
#define SF_CLI_ENGINE_H

#include <stdio.h>

#include <json-c/json.h>

#include "safeflash/safeflash.h"

/* A context: state directory (state_dir, else $SAFEFLASH_STATE_DIR),
 * keys (keys, else $SAFEFLASH_KEYS), and the NOR model for file: targets
 * ($SAFEFLASH_NOR).  Returns -1 with *out set, or the exit code after
 * saying why in one line. */
int sf_cli_ctx(const char *state_dir, const char *keys, sf_ctx **out);

/* Exit code for an engine error (plan or run). */
int sf_cli_engine_exit(int err);

/* The exit code a finished run earns: 0, 17 DEGRADED, 18 journal, 9
 * partial, 10 unsupported, 1 failed. */
int sf_cli_run_exit(const sf_update *u, int rc);

struct sf_cli_out {
    int json;
    const char *action;       /* "install", "repair", "resume" */
    int last_quarter;
};

/* A refusal before anything was written: "safeflash: MSG" on stderr and,
 * with json, {"schema","event":"error","message","exit_code"}.  Returns
 * code. */
int sf_cli_engine_refuse(const struct sf_cli_out *o, int code, const char *msg);

/* Ask question on the terminal; with need_tty, only when stdin or stderr
 * is one.  -1 when confirmed, else the refusal's exit code (said). */
int sf_cli_engine_confirm(const struct sf_cli_out *o, const char *question, int need_tty);

/* How many of the plan's items will run (the others the plan decided). */
size_t sf_cli_engine_todo(const sf_update *u);

/* The plan's warnings: "safeflash: warning: ..." or JSON warning events. */
void sf_cli_engine_warnings(const struct sf_cli_out *o, const sf_update *u);

/* The plan as JSON ({"event":"plan", "items": [...]}); text plans are
 * the command's own. */
void sf_cli_engine_plan_json(const struct sf_cli_out *o, const sf_update *u);

/* The event callback (arg: struct sf_cli_out *). */
void sf_cli_engine_event(const struct sf_event *ev, void *arg);

/* The summary line / JSON summary event, and the exit code. */
int sf_cli_engine_summary(const struct sf_cli_out *o, const sf_update *u, int rc,
                          const struct sf_errctx *ec);
/* The same with the exit code the command decided. */
int sf_cli_engine_summary_code(const struct sf_cli_out *o, const sf_update *u, int rc,
                               const struct sf_errctx *ec, int code);

/* One JSON document or event on stdout, on one line (and freed). */
void sf_cli_engine_emit(json_object *j);
/* j[k] = v, or null when v is NULL or empty (docs/json.md: a key without
 * a value is null, never another type). */
void sf_cli_engine_jstr(json_object *j, const char *k, const char *v);

/* One warning: "safeflash: warning: MSG" or a JSON warning event. */
void sf_cli_engine_warn(const struct sf_cli_out *o, const char *msg);

#endif
