/*
 * update.c - a board firmware update through libsafeflash's public API
 * alone (include/safeflash/): the NOR flash model stands in for a chip.
 *
 *   update STATE_DIR FLASH_FILE LAYOUT IMAGE VERSION
 *
 * Plans (every check, nothing written), runs (each step journaled before
 * it starts), prints the events and the result; exit 0 when it took.
 */
#include <stdio.h>

#include <safeflash/safeflash.h>
#include <safeflash/sf_emu.h>

static void on_event(const struct sf_event *ev, void *arg)
{
    (void)arg;
    switch (ev->kind) {
    case SF_EVENT_STEP:
        printf("step: %s (journal attempt #%lld)\n", ev->text, (long long)ev->item->attempt);
        break;
    case SF_EVENT_NOTICE:
        printf("note: %s\n", ev->text);
        break;
    case SF_EVENT_RESULT:
        printf("result: %s: %s\n", sf_outcome_str(ev->item->outcome), ev->item->message);
        break;
    default:
        break;
    }
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s STATE_DIR FLASH_FILE LAYOUT IMAGE VERSION\n", argv[0]);
        return 2;
    }
    char target[4200];
    snprintf(target, sizeof(target), "file:%s", argv[2]);
    sf_ctx *ctx = NULL;
    sf_update *u = NULL;
    struct sf_errctx ec = { 0 };
    int rc = sf_ctx_new(&ctx);
    if (!rc)
        rc = sf_ctx_set_state_dir(ctx, argv[1]);
    if (!rc)
        rc = sf_emu_nor_attach(ctx, NULL, &ec);
    struct sf_update_options o;
    sf_update_options_init(&o);
    o.layout = argv[3];
    o.image_version = argv[5];
    if (!rc)
        rc = sf_update_new(ctx, SF_ACTION_INSTALL, &o, &u);
    if (!rc)
        rc = sf_update_set_image(u, argv[4]);
    if (!rc)
        rc = sf_update_add_target(u, target);
    if (!rc)
        rc = sf_update_plan(u, &ec);
    if (!rc) {
        const struct sf_item_info *it = sf_update_item(u, 0);
        printf("plan: %s %s: %s -> %s; %s\n", it->target, it->name,
               it->version_before[0] ? it->version_before : "(nothing)", it->version_new,
               it->plan);
        rc = sf_update_run(u, on_event, NULL, &ec);
    }
    if (rc)
        fprintf(stderr, "update: %s\n", ec.msg[0] ? ec.msg : sf_err_str(rc));
    else
        printf("run %s: %zu updated\n", sf_update_result(u)->run, sf_update_result(u)->updated);
    sf_update_free(u);
    sf_ctx_free(ctx);
    return rc ? 1 : 0;
}
