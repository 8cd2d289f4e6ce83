/*
 * main.c - unit test runner.  Runs every registered test (or those whose
 * name contains argv[1]) and prints one line per test, then the summary.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sf_test.h"

static struct sf_test *g_head, *g_tail;
static int g_failed_checks;

void sf_test_register(struct sf_test *t)
{
    if (g_tail)
        g_tail->next = t;
    else
        g_head = t;
    g_tail = t;
}

void sf_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    g_failed_checks++;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (struct sf_test *t = g_head; t; t = t->next) {
        if (argc > 1 && !strstr(t->name, argv[1]))
            continue;
        int before = g_failed_checks;
        t->fn();
        if (g_failed_checks == before) {
            printf("PASS %s\n", t->name);
            passed++;
        } else {
            printf("FAIL %s\n", t->name);
            failed++;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
