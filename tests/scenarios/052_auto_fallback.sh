#!/bin/bash
# auto tries 0Eh first and falls back to 07h, in both ways enclosures
# reject it: CHECK CONDITION ILLEGAL REQUEST, and status 80h.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkimg "$WORK/fw.img" 0500 300000

step "enclosure that accepts 0Eh: auto stores deferred"
emu_quirks ""
expect_exit 0 sfp install --yes --json $FAST "$WORK/fw.img" $DEV
expect_eq "outcomes" "$(jq -r 'select(.event=="result")|.item.outcome' <<<"$OUT" | paste -sd, -)" "stored,stored"
expect_eq "mode 0Eh" "$(jq -r 'select(.event=="result")|.item.scsi.mode' <<<"$OUT" | paste -sd, -)" "14,14"

for style in 1 2; do
    step "enclosure rejecting 0Eh (style $style: $([ $style = 1 ] && echo 'CHECK CONDITION' || echo 'status 80h'))"
    emu_quirks "\"reject_deferred\": $style"
    expect_exit 0 sfp install --yes --json $FAST "$WORK/fw.img" $DEV
    expect_eq "outcomes" "$(jq -r 'select(.event=="result")|.item.outcome' <<<"$OUT" | paste -sd, -)" "updated,updated"
    expect_eq "fell back" "$(jq -r 'select(.event=="result")|.item.scsi.fell_back' <<<"$OUT" | paste -sd, -)" "true,true"
    expect_contains "says so" "$OUT" "restarting subenclosure 0 in immediate mode (07h)"
    expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0500,0500"
done

step "explicit --mode deferred on such an enclosure fails instead of switching modes"
emu_quirks "\"reject_deferred\": 1"
expect_exit 1 sfp install --mode deferred --yes $FAST "$WORK/fw.img" $DEV
expect_contains "why" "$OUT" "Invalid field in parameter list"
expect_eq "unchanged" "$(sub_rev 0)" "0100"
finish
