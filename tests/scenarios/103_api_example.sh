#!/bin/bash
# The public API's example program (examples/api/update.c), built against
# include/safeflash/ alone, updates an emulated NOR flash: the plan, every
# step journaled (attempt numbers in its events), the result; a second run
# of the same image has nothing to do; history shows what it did.
. "$(dirname "$0")/../lib/common.sh"
set -e
EX="$BUILD/example-api"
[ -x "$EX" ] || { fail "$EX was not built"; finish; }
F="$WORK/flash.bin"; head -c 4194304 /dev/zero | tr '\0' '\377' > "$F"
head -c 400000 /dev/urandom > "$WORK/fw.bin"
L="$ROOT/examples/flash/primary-backup.layout"

step "the example installs through the API"
expect_exit 0 "$EX" "$SAFEFLASH_STATE_DIR" "$F" "$L" "$WORK/fw.bin" 7.1
expect_contains "plan" "$OUT" "plan: file:$F flash: (nothing) -> 7.1"
expect_contains "steps journaled" "$OUT" "step: programming the primary (journal attempt #1)"
expect_contains "result" "$OUT" "result: updated: updated: (nothing) -> 7.1"
expect_exit 0 "$SF" show "file:$F" --layout "$L" --json
expect_eq "the CLI sees it boot" "$(jq -r '.regions[0].version' <<<"$OUT")" "7.1"
expect_exit 0 "$SF" history --json
expect_eq "and in the history" "$(jq -r '.[-1].result' <<<"$OUT")" "updated"

step "again: nothing to do"
expect_exit 0 "$EX" "$SAFEFLASH_STATE_DIR" "$F" "$L" "$WORK/fw.bin" 7.1
expect_contains "skipped" "$OUT" "result: skipped"

step "errors come back as one line"
expect_exit 1 "$EX" "$SAFEFLASH_STATE_DIR" "$F" "$L" "$WORK/nonexistent.bin" 7.2
one_line "missing image" "$ERR"
finish
