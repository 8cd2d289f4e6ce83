#!/bin/bash
# Immediate mode (07h) on both SES processors, through the real SG_IO path;
# sg_ses agrees with the new revisions afterwards.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_quirks ""
mkimg "$WORK/fw.img" 0300 1000000

step "install --mode immediate --yes"
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
expect_contains "result" "$OUT" "subenclosure 0: updated 0100 -> 0300"
expect_contains "result" "$OUT" "subenclosure 1: updated 0207 -> 0300"
expect_contains "plan" "$OUT" "mode immediate (07h)"
step "sg_ses -p cf sees both new revisions"
expect_exit 0 preload sg_ses -p cf $DEV
expect_eq "revisions" "$(grep -o 'rev: [^ ]*' <<<"$OUT" | awk '{print $2}' | paste -sd, -)" "0300,0300"
step "each processor ran its new image exactly once"
expect_eq "activations" "$(emu_state | jq -c '[.subenclosures[].activations]')" "[1,1]"
step "pages: 1000036 bytes in 65508-byte pages = 16 per processor, nothing more"
expect_eq "pages sent" "$(wc -l < "$WORK/trace.log")" "32"

step "--json: one event per line, results and summary"
mkimg "$WORK/fw2.img" 0301 200000
expect_exit 0 sfp install --mode immediate --yes --json $FAST "$WORK/fw2.img" $DEV
expect_eq "every line is JSON" "$(jq -c . <<<"$OUT" >/dev/null && echo yes)" "yes"
expect_eq "a raw image is warned about" "$(head -n1 <<<"$OUT" | jq -r .event)" "warning"
expect_eq "then the plan" "$(jq -r 'select(.event!="warning")|.event' <<<"$OUT" | head -n1)" "plan"
expect_eq "outcomes" "$(jq -r 'select(.event=="result")|.item.outcome' <<<"$OUT" | paste -sd, -)" "updated,updated"
expect_eq "summary exit code" "$(tail -n1 <<<"$OUT" | jq .exit_code)" "0"
expect_eq "revision_after" "$(jq -r 'select(.event=="result")|.item.version_after' <<<"$OUT" | paste -sd, -)" "0301,0301"
finish
