/*
 * sf_cli_text.c - nothing safeflash prints can drive a terminal.
 *
 * Strings reach the output from devices (INQUIRY fields, SES pages), from
 * packages (release notes, names), from BMCs (messages, versions) and from
 * the command line.  Any of them may hold an escape sequence that retitles
 * the terminal, moves the cursor over a line already printed, or fakes a
 * "safeflash: OK" line.  Escaping each one at each print site would miss
 * one sooner or later, so the filter sits where every byte passes: stdout
 * and stderr are replaced, at start-up, by streams that rewrite what goes
 * through them.  safeflash itself prints no control characters but newline
 * and tab (no cursor movement, no colour), so nothing legitimate is lost.
 *
 * Invariants of what leaves the process on fds 1 and 2:
 *   1. Newline and tab are the only C0 control characters; every other one,
 *      DEL and the C1 controls (U+0080-U+009F) are written as the six
 *      characters \uXXXX.  Inside a JSON string that is the JSON escape of
 *      the same character, so the JSON stays equal in meaning and valid.
 *   2. The output is valid UTF-8: a byte that does not start or continue a
 *      well-formed sequence (overlong forms, surrogates and values above
 *      U+10FFFF included) becomes U+FFFD.
 *   3. A sequence split across two writes is held until it completes (at
 *      most 3 bytes), and flushed as U+FFFD if the stream closes first.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sf_cli.h"
#include "sf_cli_opts.h"

struct san {
    int fd;
    unsigned char pend[4];
    size_t npend;
};

static int put_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Length of the well-formed UTF-8 sequence starting at s (n bytes
 * available): >0 its length, 0 if more bytes are needed to tell, -1 if
 * s[0] does not start one. */
static int utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    int len;
    unsigned lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0)
            lo = 0xa0; /* overlong */
        if (c == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0)
            lo = 0x90;
        if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else
        return -1;
    for (int i = 1; i < len; i++) {
        if ((size_t)i >= n)
            return 0;
        unsigned b = s[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
            return -1;
    }
    return len;
}

size_t sf_cli_text_clean(const char *in, size_t n, char *out, size_t cap, size_t *used,
                         int final)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, o = 0;
    while (i < n) {
        char esc[8];
        const char *rep = NULL;
        size_t rlen = 0;
        int l = utf8_len(s + i, n - i);
        if (l == 0 && !final)
            break; /* wait for the rest */
        if (l <= 0) {
            rep = "\xef\xbf\xbd";
            rlen = 3;
            l = 1;
        } else if (l == 1) {
            unsigned c = s[i];
            if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                rep = esc;
                rlen = 6;
            }
        } else if (l == 2 && s[i] == 0xc2 && s[i + 1] <= 0x9f) {
            snprintf(esc, sizeof(esc), "\\u%04x", s[i + 1]);
            rep = esc;
            rlen = 6;
        }
        if (!rep) {
            rep = (const char *)s + i;
            rlen = (size_t)l;
        }
        if (o + rlen > cap)
            break;
        memcpy(out + o, rep, rlen);
        o += rlen;
        i += (size_t)l;
    }
    *used = i;
    return o;
}

static ssize_t san_write(void *cookie, const char *buf, size_t size)
{
    struct san *st = cookie;
    char out[4096];
    size_t done = 0;
    /* Complete a sequence held from the last write first. */
    while (st->npend && done < size) {
        st->pend[st->npend++] = (unsigned char)buf[done++];
        size_t used;
        size_t o = sf_cli_text_clean((char *)st->pend, st->npend, out, sizeof(out), &used,
                                     st->npend == 4);
        if (used) {
            if (put_all(st->fd, out, o))
                return -1;
            /* Bytes not consumed (after an invalid lead) are re-read. */
            memmove(st->pend, st->pend + used, st->npend - used);
            st->npend -= used;
        }
    }
    while (done < size) {
        size_t used;
        size_t o = sf_cli_text_clean(buf + done, size - done, out, sizeof(out), &used, 0);
        if (put_all(st->fd, out, o))
            return -1;
        done += used;
        if (!used) {
            /* An incomplete sequence at the end: hold it. */
            size_t left = size - done;
            if (left > 3)
                left = 3;
            memcpy(st->pend, buf + done, left);
            st->npend = left;
            done += left;
        }
    }
    return (ssize_t)size;
}

static int san_close(void *cookie)
{
    struct san *st = cookie;
    if (st->npend) {
        char out[32];
        size_t used;
        size_t o = sf_cli_text_clean((char *)st->pend, st->npend, out, sizeof(out), &used, 1);
        put_all(st->fd, out, o);
    }
    free(st);
    return 0;
}

FILE *sf_cli_text_open(int fd, int mode)
{
    struct san *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->fd = fd;
    cookie_io_functions_t io = { .write = san_write, .close = san_close };
    FILE *f = fopencookie(st, "w", io);
    if (!f) {
        free(st);
        return NULL;
    }
    setvbuf(f, NULL, mode, BUFSIZ);
    return f;
}

static FILE *orig_out, *orig_err;

/* At exit: flush and close the filters (the last bytes of an incomplete
 * sequence go out as U+FFFD), and give the process its streams back. */
static void san_restore(void)
{
    if (orig_out) {
        FILE *f = stdout;
        stdout = orig_out;
        fclose(f);
    }
    if (orig_err) {
        FILE *f = stderr;
        stderr = orig_err;
        fclose(f);
    }
}

void sf_cli_text_install(void)
{
    /* stdout keeps its usual buffering (lines to a terminal, blocks to a
     * pipe); stderr stays unbuffered. */
    FILE *o = sf_cli_text_open(STDOUT_FILENO, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
    FILE *e = sf_cli_text_open(STDERR_FILENO, _IONBF);
    if (o) {
        fflush(stdout);
        orig_out = stdout;
        stdout = o;
    }
    if (e) {
        orig_err = stderr;
        stderr = e;
    }
    atexit(san_restore);
}

void sf_cli_text_fputs(const char *s, FILE *f)
{
    char out[1024];
    size_t n = strlen(s), used;
    while (n) {
        size_t o = sf_cli_text_clean(s, n, out, sizeof(out), &used, 1);
        fwrite(out, 1, o, f);
        s += used;
        n -= used;
    }
}
