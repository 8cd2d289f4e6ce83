/*
 * mock_transport.c - scripted transport.  See mock_transport.h.
 */
#include "mock_transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/sf_sense.h"

#define MOCK_MAX 64

struct entry {
    uint8_t op, flag, page;
    struct mock_answer a;
};

struct mock_transport {
    struct sf_transport base;
    struct entry keyed[MOCK_MAX];
    size_t nkeyed;
    struct mock_answer queue[MOCK_MAX];
    size_t qhead, qtail;
    unsigned count;
    uint8_t out[70000];
    size_t out_len;
};

static void answer(const struct mock_answer *a, struct sf_cmd *cmd)
{
    cmd->status = a->status;
    if (a->status == SF_STATUS_CHECK_CONDITION) {
        struct sf_sense s = { .key = a->key, .asc = a->asc, .ascq = a->ascq };
        int n = sf_sense_encode(&s, 0, cmd->sense, sizeof(cmd->sense));
        cmd->sense_len = n > 0 ? (uint8_t)n : 0;
    }
    size_t n = 0;
    if (cmd->dir == SF_DIR_IN && a->data) {
        n = a->len < cmd->data_len ? a->len : cmd->data_len;
        memcpy(cmd->data, a->data, n);
    }
    cmd->resid = cmd->dir == SF_DIR_IN ? (int32_t)(cmd->data_len - n) : 0;
}

static int mock_exec(struct sf_transport *t, struct sf_cmd *cmd)
{
    struct mock_transport *m = (struct mock_transport *)t;
    m->count++;
    if (cmd->dir == SF_DIR_OUT) {
        m->out_len = cmd->data_len < sizeof(m->out) ? cmd->data_len : sizeof(m->out);
        memcpy(m->out, cmd->data, m->out_len);
    }
    if (m->qhead != m->qtail) {
        struct mock_answer a = m->queue[m->qhead++ % MOCK_MAX];
        if (a.rc)
            return a.rc;
        answer(&a, cmd);
        return 0;
    }
    uint8_t op = cmd->cdb[0];
    uint8_t flag = (op == 0x12 || op == 0x1c) ? (cmd->cdb[1] & 1) : 0;
    uint8_t page = (op == 0x12 || op == 0x1c) ? cmd->cdb[2] : 0;
    for (size_t i = 0; i < m->nkeyed; i++) {
        struct entry *e = &m->keyed[i];
        if (e->op == op && e->flag == flag && e->page == page) {
            if (e->a.rc)
                return e->a.rc;
            answer(&e->a, cmd);
            return 0;
        }
    }
    /* Unknown: what a real device says to an unsupported page/opcode. */
    struct mock_answer il = { .status = SF_STATUS_CHECK_CONDITION, .key = 5, .asc = 0x24 };
    answer(&il, cmd);
    return 0;
}

static void mock_close(struct sf_transport *t)
{
    free(t);
}

static const struct sf_transport_ops mock_ops = { "mock", mock_exec, mock_close };

struct mock_transport *mock_new(const char *path)
{
    struct mock_transport *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->base.ops = &mock_ops;
    snprintf(m->base.path, sizeof(m->base.path), "%s", path);
    return m;
}

struct sf_transport *mock_base(struct mock_transport *m)
{
    return &m->base;
}

void mock_set(struct mock_transport *m, uint8_t op, int flag, uint8_t page, struct mock_answer a)
{
    for (size_t i = 0; i < m->nkeyed; i++)
        if (m->keyed[i].op == op && m->keyed[i].flag == flag && m->keyed[i].page == page) {
            m->keyed[i].a = a;
            return;
        }
    if (m->nkeyed < MOCK_MAX)
        m->keyed[m->nkeyed++] = (struct entry){ op, (uint8_t)flag, page, a };
}

void mock_push(struct mock_transport *m, struct mock_answer a)
{
    m->queue[m->qtail++ % MOCK_MAX] = a;
}

unsigned mock_count(const struct mock_transport *m)
{
    return m->count;
}

const uint8_t *mock_last_out(const struct mock_transport *m, size_t *len)
{
    *len = m->out_len;
    return m->out;
}
