/*
 * test_cli_text.c - the terminal filter of the command line
 * (src/cli/sf_cli_text.c): control characters escaped as \uXXXX, newline
 * and tab kept, every output valid UTF-8, and a multi-byte character split
 * across two writes put back together.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/sf_cli_opts.h"
#include "sf_test.h"

static const char *clean(const char *in, size_t n, int final, size_t *used)
{
    static char out[512];
    size_t o = sf_cli_text_clean(in, n, out, sizeof(out) - 1, used, final);
    out[o] = '\0';
    return out;
}

SF_TEST(text_controls_escaped)
{
    size_t used;
    const char in[] = "a\x1b]0;x\x07\rb\tc\nd\x7f";
    CHECK_STR(clean(in, sizeof(in) - 1, 1, &used), "a\\u001b]0;x\\u0007\\u000db\tc\nd\\u007f");
    CHECK_EQ(used, sizeof(in) - 1);
    /* C1 controls (CSI is U+009B) are escaped; other characters kept. */
    CHECK_STR(clean("\xc2\x9b" "31m \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 15, 1, &used),
              "\\u009b31m \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

SF_TEST(text_invalid_utf8_replaced)
{
    size_t used;
    /* a stray continuation byte, an overlong '/', a surrogate, a value above
     * U+10FFFF, and 0xFF: each byte that cannot start a sequence is U+FFFD */
    CHECK_STR(clean("\x80", 1, 1, &used), "\xef\xbf\xbd");
    CHECK_STR(clean("\xc0\xaf", 2, 1, &used), "\xef\xbf\xbd\xef\xbf\xbd");
    CHECK_STR(clean("\xed\xa0\x80", 3, 1, &used), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CHECK_STR(clean("\xf4\x90\x80\x80", 4, 1, &used),
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    CHECK_STR(clean("x\xffy", 3, 1, &used), "x\xef\xbf\xbdy");
}

SF_TEST(text_split_sequence_held)
{
    size_t used;
    /* "é" cut after its first byte: not final, the byte is left... */
    CHECK_STR(clean("ab\xc3", 3, 0, &used), "ab");
    CHECK_EQ(used, 2);
    /* ...and at the end of the stream it is U+FFFD. */
    CHECK_STR(clean("\xc3", 1, 1, &used), "\xef\xbf\xbd");
}

SF_TEST(text_stream_reassembles)
{
    /* Through the stream itself, unbuffered: a 4-byte character written a
     * byte at a time comes out whole; one unfinished at close is U+FFFD. */
    int fds[2];
    CHECK(pipe(fds) == 0);
    FILE *f = sf_cli_text_open(fds[1], _IONBF);
    CHECK(f != NULL);
    if (!f)
        return;
    const char in[] = "\xf0\x9f\x98\x80|\x1b|\xe2\x82";
    for (size_t i = 0; i + 1 < sizeof(in); i++)
        fputc(in[i], f);
    fclose(f);
    close(fds[1]);
    char out[64] = "";
    ssize_t n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    CHECK(n > 0);
    CHECK_STR(out, "\xf0\x9f\x98\x80|\\u001b|\xef\xbf\xbd\xef\xbf\xbd");
}
