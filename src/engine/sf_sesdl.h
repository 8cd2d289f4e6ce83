/*
 * sf_sesdl.h - put one image on one SES processor (subenclosure) through
 * Download Microcode Control/Status pages, and activate deferred microcode.
 *
 * This is the step an install repeats per processor.  It uses the codecs
 * for every byte and the command layer for every command, and reports what
 * it does through an event callback so the caller can show progress, keep
 * a journal, or stay quiet.
 *
 * Commands per download, when nothing goes wrong:
 *   1 status read (generation code, max size, anything in progress)
 *   ceil(len / chunk) SEND DIAGNOSTIC
 *   1 status read after the first page, only in auto mode, to catch a
 *     deferred-mode rejection reported as 80h before sending everything
 *   1+ status reads after the last page (until 10h-13h or an error)
 * Anything unexpected costs a status read, which decides between resuming
 * at the enclosure's expected offset, restarting, or stopping.
 */
#ifndef SF_SESDL_H
#define SF_SESDL_H

#include <stddef.h>
#include <stdint.h>

#include "proto/sf_ses.h"
#include "safeflash/sf_err.h"
#include "transport/sf_scsi.h"

/* AUTO, DEFERRED (0Eh) and IMMEDIATE (07h) apply to enclosures and drives;
 * SAVE (WRITE BUFFER 05h) and EVENTS (0Dh) exist for drives only. */
enum sf_dl_mode_choice {
    SF_MODE_AUTO = 0, SF_MODE_DEFERRED = 1, SF_MODE_IMMEDIATE = 2, SF_MODE_SAVE = 3,
    SF_MODE_EVENTS = 4
};

/* What to do about a download the enclosure already has in progress. */
enum sf_in_progress { SF_INPROG_REFUSE = 0, SF_INPROG_RESUME = 1, SF_INPROG_RESTART = 2 };

struct sf_sesdl_opts {
    enum sf_dl_mode_choice mode;
    uint32_t chunk_max;          /* user cap, 0 = largest the device takes */
    int dry_run;                 /* no SEND DIAGNOSTIC */
    enum sf_in_progress in_progress;
    unsigned poll_ms;            /* between status polls after the last page */
    unsigned complete_timeout_ms;/* waiting for 10h-13h */
    unsigned max_recoveries;     /* resumes/restarts per processor */
    int adopt;                   /* continuing a journaled run: a completion
                                    (10h-13h) or NV update (02h/03h) found at
                                    the start is this image's, not news */
    const struct sf_ses_dl_status *fresh; /* the status page, read moments ago
                                    with no command since: used instead of
                                    reading it again before the first page */
    /* The journal's gate (NULL: none).  Called with the step about to
     * start - "downloading" before the first page (and again after a
     * recovery that sends pages again), "completing" once the last page
     * was sent and before the completion status is read (that read
     * consumes it), "last chunk" (drives) before the final WRITE BUFFER,
     * "activating" before 0Fh - and it returns only once the step is
     * durably recorded.  Non-zero: nothing of the step is sent and the
     * download returns SF_EJOURNAL.  With a gate, these steps are not
     * also emitted as SF_DLEV_PHASE events: the gate shows them. */
    int (*gate)(void *arg, const char *step);
    void *gate_arg;
    /* Naming the enclosure in a refusal: its logical identifier (0: the
     * path alone), and what the operator can do about a download in
     * progress that this run did not start (NULL: "--resume continues it,
     * --restart starts over", the install's options). */
    uint64_t encl_id;
    const char *busy_hint;
};

void sf_sesdl_opts_default(struct sf_sesdl_opts *o);

/* What was learnt about a device, kept across its processors. */
struct sf_sesdl_dev {
    uint32_t chunk;              /* largest page data the device accepted */
    int status_read_resets;      /* reading status mid-download loses it */
    int no_deferred;             /* rejected mode 0Eh before */
};

/* Events: what the caller sees of a download as it goes. */
enum sf_sesdl_ev {
    SF_DLEV_PHASE,               /* text: "downloading", "committing", ... */
    SF_DLEV_PROGRESS,            /* bytes of total sent */
    SF_DLEV_NOTICE,              /* one line worth telling the operator */
};

struct sf_sesdl_event {
    enum sf_sesdl_ev kind;
    uint8_t sub_id;
    const char *text;
    uint64_t bytes, total;
};

typedef void (*sf_sesdl_cb)(const struct sf_sesdl_event *ev, void *arg);

struct sf_sesdl_result {
    uint8_t mode_used;           /* 07h or 0Eh */
    int fell_back;               /* auto: 0Eh rejected, redone in 07h */
    uint8_t final_status;        /* 10h-13h, or 0 when the completion status
                                    was lost to a reset (verify by revision) */
    uint8_t addl_status;
    uint32_t chunk_used;
    unsigned resumes, restarts;
    uint64_t pages_sent;
    /* Anything that makes a completion less than clean: a command failed
     * in transit or timed out, a reset, a page refused mid-download, a
     * status read that failed, a completion status never reported.  0
     * means every page landed the first time and the enclosure reported
     * completion; trouble says what the first problem was. */
    unsigned troubles;
    char trouble[160];
};

/* Is `status` an operation in progress (01h-0Fh, 70h-7Fh: interim, not
 * idle)?  One that this run did not start belongs to someone else. */
int sf_sesdl_busy(uint8_t status);

/*
 * The line that refuses to touch processor `id` of the enclosure at path
 * (logical identifier lid, 0 when unknown), whose status descriptor d
 * shows an operation in progress this run did not start (sf_sesdl_busy):
 * what it shows, and for a download awaiting data (01h) what can be done
 * (hint; NULL: "--resume continues it, --restart starts over").
 */
void sf_sesdl_busy_line(char *buf, size_t cap, const char *path, uint64_t lid, uint8_t id,
                        const struct sf_ses_dl_desc *d, const char *hint);

/*
 * Download img to subenclosure sub_id.  Returns 0 when the enclosure
 * reported completion (res->final_status 10h-13h) or lost its completion
 * status to a reset (final_status 0); otherwise a negative sf_err with
 * ec->msg saying exactly what happened:
 *   SF_ERANGE    image larger than the subenclosure's maximum (nothing sent)
 *   SF_ELOCKED   someone else's operation: a download in progress at the
 *                start and opts say refuse, a non-volatile update or other
 *                interim status at the start (nothing sent), or, mid-way,
 *                the enclosure expecting an offset beyond anything this run
 *                sent (another initiator writing: nothing more is sent)
 *   SF_ECHECK    the enclosure rejected the pages, or reported 80h-FFh
 *   SF_ETIMEDOUT no completion status in time
 *   transport errors once recoveries are used up
 */
int sf_sesdl_download(struct sf_scsi *s, uint8_t sub_id, const uint8_t *img, uint32_t len,
                      const struct sf_sesdl_opts *o, struct sf_sesdl_dev *learned,
                      sf_sesdl_cb cb, void *arg, struct sf_sesdl_result *res,
                      struct sf_errctx *ec);

/*
 * Send Activate Deferred Microcode (0Fh) to sub_id and wait for the
 * enclosure's answer on the status page.  Returns 0 when it reported 10h
 * or the status was lost to the reset it causes (*final_status 0);
 * SF_ENOTSUP for 85h (no deferred microcode stored); SF_ELOCKED, sending
 * nothing, when the processor shows an operation in progress (someone
 * else's download: activating now would end it); other errors as above.
 */
int sf_sesdl_activate(struct sf_scsi *s, uint8_t sub_id, const struct sf_sesdl_opts *o,
                      sf_sesdl_cb cb, void *arg, uint8_t *final_status, struct sf_errctx *ec);


#endif
