/*
 * sf_fmt.h - render identification results as text or JSON.  Both come
 * from the same structs, so what the text says and what the JSON says can
 * only differ in layout.
 */
#ifndef SF_FMT_H
#define SF_FMT_H

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

#include "safeflash/sf_device.h"

/* "5000c5001234567f" */
void sf_fmt_id64(uint64_t v, char out[17]);

/* Human readable description of e (without its modules). */
void sf_fmt_encl_text(FILE *f, const struct sf_enclosure_info *e);

/* Print a json object as the command's output (pretty, newline). */
void sf_fmt_json_print(FILE *f, json_object *o);

#endif
