/*
 * sf_test.h - a tiny test runner.  SF_TEST(name) defines and registers a
 * test; CHECK* record a failure with file:line and carry on, so one run
 * shows every broken assertion.  The runner ends with "N passed, N failed".
 */
#ifndef SF_TEST_H
#define SF_TEST_H

#include <stdio.h>
#include <string.h>

struct sf_test {
    const char *name;
    void (*fn)(void);
    struct sf_test *next;
};

void sf_test_register(struct sf_test *t);
void sf_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define SF_TEST(name)                                                          \
    static void name(void);                                                    \
    static struct sf_test name##_reg = { #name, name, NULL };                  \
    __attribute__((constructor)) static void name##_ctor(void)                 \
    {                                                                          \
        sf_test_register(&name##_reg);                                         \
    }                                                                          \
    static void name(void)

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c))                                                              \
            sf_test_fail(__FILE__, __LINE__, "CHECK(%s)", #c);                 \
    } while (0)

#define CHECK_EQ(a, b)                                                         \
    do {                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                    \
        if (a_ != b_)                                                          \
            sf_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, \
                         a_, b_);                                              \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *a_ = (a), *b_ = (b);                                       \
        if (!a_ || !b_ || strcmp(a_, b_))                                      \
            sf_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, \
                         #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");          \
    } while (0)

#endif
