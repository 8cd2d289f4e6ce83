#!/bin/bash
# Deferred mode (0Eh) stores the image without disruption; activate (0Fh)
# runs it later and verifies.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_quirks ""
mkimg "$WORK/fw.img" 0400 500000

step "install --mode deferred: stored, still running the old revisions"
expect_exit 0 sfp install --mode deferred --yes $FAST "$WORK/fw.img" $DEV
expect_contains "result" "$OUT" "subenclosure 0: stored"
expect_contains "hint" "$OUT" "safeflash activate $DEV"
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0100,0207"
expect_eq "deferred" "$(emu_state | jq -r '[.subenclosures[].deferred]|join(",")')" "0400,0400"
expect_eq "no disruption: nothing activated" "$(emu_state | jq -c '[.subenclosures[].activations]')" "[0,0]"

step "activate one processor, then the rest"
expect_exit 0 sfp activate --yes --subenclosure 1 $FAST $DEV
expect_contains "result" "$OUT" "subenclosure 1: updated 0207 -> 0400"
expect_eq "sub 0 untouched" "$(sub_rev 0)" "0100"
expect_exit 0 sfp activate --yes --json $FAST $DEV
expect_eq "outcomes" "$(jq -r 'select(.event=="result")|.item.outcome' <<<"$OUT" | paste -sd, -)" "updated,nothing-to-activate"
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0400,0400"
expect_eq "each activated once" "$(emu_state | jq -c '[.subenclosures[].activations]')" "[1,1]"

step "activate with nothing stored anywhere: a no-op, said, exit 0 (issue 19)"
expect_exit 0 sfp activate --yes $FAST $DEV
expect_contains "message" "$OUT" "no deferred microcode stored (status 85h)"
expect_contains "summary" "$OUT" "nothing to activate: no deferred microcode was stored"
finish
