#!/bin/bash
# Field report 001, through SG_IO: a dual-module shelf whose partner
# firmware sync never sticks.  safeflash updates module A, notices module
# B flipping back within a cycle, stops with the evidence and the way out,
# and the way out (partner-sync off, update B directly, sync on) works.
# Without the fault, B taking A's push is recognised and not redone.
. "$(dirname "$0")/../lib/common.sh"
set -e
cp "$ROOT/examples/emu/partner-loop.conf" "$WORK/emu.conf"
export SAFEFLASH_EMU="$WORK/emu.conf"
A=/dev/sg-emu-loop-a; B=/dev/sg-emu-loop-b
"$SFEMU" mkimage --product SHELF-12G --revision 0200 --size 60000 -o "$WORK/fw.bin"
GO="--mode immediate --yes --expect-revision 0200 $FAST"

step "rolling update: the loop is detected and the run stops with a clear report"
expect_exit 9 sfp install $GO "$WORK/fw.bin" $A $B
expect_contains "A updated" "$OUT" "$A subenclosure 0: updated 0100 -> 0200"
expect_contains "loop reported" "$OUT" "partner firmware sync loop: $B subenclosure 0 went 0100 -> 0200 -> 0100"
expect_contains "way out" "$OUT" "'safeflash partner-sync $A off'"
expect_eq "safeflash never wrote to B" "$("$SFEMU" state $B | jq '.subenclosures[0].downloads')" "0"

step "status shows the run paused on error, with the reason, per module and phase"
expect_exit 0 "$SF" status
expect_contains "state" "$OUT" "install, paused-on-error"
expect_contains "reason" "$OUT" "Reason: partner firmware sync loop"
expect_contains "module rows" "$OUT" "$A subenclosure 0  downloading"
expect_exit 0 "$SF" status --json
expect_eq "json state" "$(jq -r .state <<<"$OUT")" "paused-on-error"
expect_eq "json phases of A" "$(jq -r '.modules[0].phases|map(.phase)|join(",")' <<<"$OUT")" "downloading,completing,verifying,watching partner"

step "cancel stops the paused run cleanly; resume then has nothing to do"
expect_exit 0 "$SF" cancel
expect_contains "cancelled" "$OUT" "cancelled"
expect_exit 0 "$SF" status --json
expect_eq "state" "$(jq -r .state <<<"$OUT")" "cancelled"
expect_exit 0 sfp resume
expect_contains "nothing to resume" "$ERR" "is cancelled: nothing to resume"

step "paused again; after the cause is fixed, resume (no device) finishes the job"
expect_exit 9 sfp install $GO "$WORK/fw.bin" $A $B
expect_exit 0 sfp partner-sync $A off
expect_exit 0 sfp resume
expect_contains "resuming" "$ERR" "resuming run"
expect_exit 0 "$SF" status --json
expect_eq "completed" "$(jq -r .state <<<"$OUT")" "completed"
expect_exit 0 sfp partner-sync $A on
cp "$ROOT/examples/emu/partner-loop.conf" "$WORK/emu.conf"; rm -f "$WORK/partner-loop.state"; rm -rf "$SAFEFLASH_STATE_DIR"
expect_exit 9 sfp install $GO "$WORK/fw.bin" $A $B

step "the way out: sync off, update B directly, sync on; the pair settles"
expect_exit 0 sfp partner-sync $A off
expect_contains "off" "$OUT" "partner firmware sync off"
expect_exit 0 sfp install $GO "$WORK/fw.bin" $B
expect_exit 0 sfp partner-sync $B on
for _ in 1 2 3 4 5 6; do sfp show $A >/dev/null; done
expect_eq "both on 0200" "$("$SFEMU" state $A | jq -r '.subenclosures[0].revision'),$("$SFEMU" state $B | jq -r '.subenclosures[0].revision')" "0200,0200"
expect_exit 0 sfp show $A
if grep -q "different revisions" <<<"$OUT"; then fail "still mixed"; else echo "   ok: no mixed-revision warning"; fi

step "healthy partner sync: B takes A's push; safeflash sees it and does not redo it"
sed 's|"partner_loop": "flipback"|"partner_loop": "none"|' "$ROOT/examples/emu/partner-loop.conf" > "$WORK/emu.conf"
rm -f "$WORK/partner-loop.state"; rm -rf "$SAFEFLASH_STATE_DIR"
expect_exit 0 sfp install $GO "$WORK/fw.bin" $A $B
expect_contains "B via its partner" "$OUT" "$B subenclosure 0: updated 0100 -> 0200 (already runs 0200: its partner module pushed it)"
expect_eq "B downloads by safeflash" "$("$SFEMU" state $B | jq '.subenclosures[0].downloads')" "0"

step "a device without that control says so"
cp "$ROOT/examples/emu/jbod.conf" "$WORK/emu.conf"
expect_exit 10 sfp partner-sync /dev/sg-emu-jbod0 off
one_line "error" "$ERR"
finish
