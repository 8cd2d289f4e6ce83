/*
 * update.c - an enclosure firmware update through libsafeflash's public
 * API alone (include/safeflash/): the enclosure emulator stands in for the
 * hardware, handed to the context as its SCSI transport.
 *
 *   update STATE_DIR EMULATOR_CONF DEVICE IMAGE [REVISION]
 *
 * Plans (every check, nothing written), runs (each step journaled before
 * it starts) on every SES processor, prints the events and the results;
 * exit 0 when every processor runs the new image.
 */
#include <stdio.h>

#include <safeflash/safeflash.h>
#include <safeflash/sf_emu.h>

static void on_event(const struct sf_event *ev, void *arg)
{
    (void)arg;
    if (ev->kind == SF_EVENT_STEP)
        printf("%s: step: %s (journal attempt #%lld)\n", ev->item->name, ev->text,
               (long long)ev->item->attempt);
    else if (ev->kind == SF_EVENT_NOTICE)
        printf("note: %s\n", ev->text);
    else if (ev->kind == SF_EVENT_RESULT)
        printf("%s: result: %s: %s\n", ev->item->name, sf_outcome_str(ev->item->outcome),
               ev->item->message);
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s STATE_DIR EMULATOR_CONF DEVICE IMAGE [REVISION]\n", argv[0]);
        return 2;
    }
    sf_ctx *ctx = NULL;
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    int rc = sf_ctx_new(&ctx);
    if (!rc)
        rc = sf_ctx_set_state_dir(ctx, argv[1]);
    if (!rc)
        rc = sf_emu_scsi_attach(ctx, argv[2], SF_EMU_SCSI_DECLARED, &ec);
    struct sf_update_options o;
    sf_update_options_init(&o);
    o.confirmed = 1;                      /* nobody is asked: journal it from the start */
    o.mode = "immediate";                 /* 07h: runs at once (auto would store it) */
    o.expect_revision = argc == 6 ? argv[5] : NULL;
    if (!rc)
        rc = sf_update_new(ctx, SF_ACTION_INSTALL, &o, &u);
    if (!rc)
        rc = sf_update_set_image(u, argv[4]);
    if (!rc)
        rc = sf_update_add_target(u, argv[3]);
    if (!rc)
        rc = sf_update_plan(u, &ec);
    for (size_t i = 0; !rc && i < sf_update_count(u); i++) {
        const struct sf_item_info *it = sf_update_item(u, i);
        printf("plan: %s %s (%s %s): %s -> %s\n", it->target, it->name, it->vendor, it->product,
               it->version_before, it->version_new[0] ? it->version_new : "(what the image holds)");
    }
    if (!rc)
        rc = sf_update_run(u, on_event, NULL, &ec);
    if (rc)
        fprintf(stderr, "update: %s\n", ec.msg[0] ? ec.msg : sf_err_str(rc));
    else
        printf("run %s: %zu updated\n", sf_update_result(u)->run, sf_update_result(u)->updated);
    sf_update_free(u);
    sf_ctx_free(ctx);
    return rc ? 1 : 0;
}
