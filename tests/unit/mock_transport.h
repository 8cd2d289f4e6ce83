/*
 * mock_transport.h - a scripted transport for unit tests.  Responses are
 * keyed by (opcode, EVPD/PCV, page); each key answers either data-in bytes,
 * a CHECK CONDITION with given sense, a status byte, or a transport error.
 * A queue of one-shot answers runs before the keyed table, which is how
 * tests script "UNIT ATTENTION, then GOOD".
 */
#ifndef MOCK_TRANSPORT_H
#define MOCK_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "transport/sf_transport.h"

struct mock_answer {
    int rc;               /* transport return (0 = a status arrived) */
    uint8_t status;
    uint8_t key, asc, ascq; /* sense when status is CHECK CONDITION */
    const uint8_t *data;  /* data-in */
    size_t len;
};

struct mock_transport;

struct mock_transport *mock_new(const char *path);
struct sf_transport *mock_base(struct mock_transport *m);
/* Keyed answer for (op, flag, page); flag = EVPD or PCV bit. */
void mock_set(struct mock_transport *m, uint8_t op, int flag, uint8_t page, struct mock_answer a);
/* One-shot answer consumed by the next command, whatever it is. */
void mock_push(struct mock_transport *m, struct mock_answer a);
unsigned mock_count(const struct mock_transport *m);
/* Last data-out bytes seen. */
const uint8_t *mock_last_out(const struct mock_transport *m, size_t *len);

#endif
