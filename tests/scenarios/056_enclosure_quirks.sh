#!/bin/bash
# Real-world enclosure behaviour (ses-reference.md): a download engine that
# resets when its status is read mid-download, a status read after the last
# page that dies in the enclosure's restart, a slow non-volatile update,
# and a processor that needs a power cycle.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkimg "$WORK/fw.img" 0b00 300000

step "status reads mid-download reset the engine: auto mode notices, stops reading, finishes"
emu_quirks "\"reset_on_status_read\": 1"
expect_exit 0 sfp install --yes --json $FAST "$WORK/fw.img" $DEV
expect_contains "learnt" "$OUT" "no more status reads until the last page"
expect_eq "outcomes" "$(jq -r 'select(.event=="result")|.item.outcome' <<<"$OUT" | paste -sd, -)" "stored,stored"
expect_eq "deferred images" "$(emu_state | jq -r '[.subenclosures[].deferred]|join(",")')" "0b00,0b00"
step "... and in immediate mode it never reads status mid-download at all"
emu_quirks "\"reset_on_status_read\": 1"
expect_exit 0 sfp install --mode immediate --yes --json $FAST "$WORK/fw.img" $DEV
expect_eq "restarts" "$(jq -s '[.[]|select(.event=="result")|.item.scsi.restarts]|add' <<<"$OUT")" "0"
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0b00,0b00"

step "the status read after the last page is aborted by the enclosure's restart"
emu_quirks "\"abort_status_after_last\": 1"
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
expect_contains "notice" "$ERR" "will verify by revision"
expect_contains "result" "$OUT" "subenclosure 1: updated 0207 -> 0b00"

step "slow non-volatile update: status 02h for a while, then done"
emu_quirks "\"nv_update_polls\": 6"
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
expect_contains "phase" "$ERR" "committing"
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0b00,0b00"

step "completion 12h: stored, runs after power on -> exit 12, then a power cycle runs it"
emu_quirks "\"needs_power_cycle\": 1"
expect_exit 12 sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
expect_contains "result" "$OUT" "runs after a power cycle (status 12h)"
expect_eq "still running" "$(sub_rev 0)" "0100"
"$SFEMU" reset $DEV --power
expect_exit 0 sfp show --json $DEV
expect_eq "after power cycle" "$(jq -r '[.subenclosures[].version]|join(",")' <<<"$OUT")" "0b00,0b00"

step "latency and bandwidth knobs slow the device down, nothing else"
emu_quirks "\"latency_us\": 2000, \"bandwidth_kib_s\": 65536"
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0b00,0b00"
finish
