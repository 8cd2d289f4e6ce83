/* test_util.h - helpers shared by unit tests. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <stddef.h>

/* Write text to a new file in a fresh temporary directory; returns the
 * path in out (static storage per call site is the caller's). */
int tu_write_temp(const char *name, const char *text, char *out, size_t cap);

/* A one-device emulator config with `extra` spliced into the device object
 * (e.g. "\"pdt\": 0,"), written to a fresh temp dir; path in out. */
int tu_emu_conf(const char *extra, char *out, size_t cap);

/* A fresh temporary directory (/tmp/sf-unit-XXXXXX) in out: 0 or -1. */
int tu_tmpdir(char *out, size_t cap);
/* Remove a directory tu_tmpdir made, and everything in it. */
int tu_rm_rf(const char *dir);

#endif
