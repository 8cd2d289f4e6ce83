#!/bin/bash
# The public API's example program (examples/api/update.c), built against
# include/safeflash/ alone, updates an emulated enclosure - the emulator
# handed to the context as its SCSI transport: the plan per processor,
# every step journaled (attempt numbers in its events), the results; the
# CLI then sees the new revision and the history; errors are one line.
. "$(dirname "$0")/../lib/common.sh"
set -e
EX="$BUILD/example-api"
[ -x "$EX" ] || { fail "$EX was not built"; finish; }
cp "$ROOT/examples/emu/jbod.conf" "$WORK/jbod.conf"
DEV=/dev/sg-emu-jbod0
"$SFEMU" mkimage --product JBOD-2U24 --revision 0300 --size 200000 -o "$WORK/fw.bin" > /dev/null

step "the example installs through the API"
expect_exit 0 "$EX" "$SAFEFLASH_STATE_DIR" "$WORK/jbod.conf" $DEV "$WORK/fw.bin" 0300
expect_contains "plan" "$OUT" "plan: $DEV subenclosure 0 (SFEMU JBOD-2U24-ESM-A): 0100 -> 0300"
expect_contains "steps journaled" "$OUT" "subenclosure 1: step: downloading (journal attempt #2)"
expect_contains "result" "$OUT" "subenclosure 1: result: updated: updated 0207 -> 0300"
export SAFEFLASH_EMU="$WORK/jbod.conf"
expect_exit 0 "$SF" show --json $DEV
expect_eq "the CLI sees it run" "$(jq -r '[.subenclosures[].version]|join(",")' <<<"$OUT")" "0300,0300"
expect_exit 0 "$SF" history --json
expect_eq "and in the history" "$(jq -r '[.[].result]|join(",")' <<<"$OUT")" "updated,updated"

step "errors come back as one line"
expect_exit 1 "$EX" "$SAFEFLASH_STATE_DIR" "$WORK/jbod.conf" $DEV "$WORK/nonexistent.bin"
one_line "missing image" "$ERR"
expect_exit 1 "$EX" "$SAFEFLASH_STATE_DIR" "$WORK/jbod.conf" /dev/sg-nowhere "$WORK/fw.bin"
one_line "no such device" "$ERR"
finish
