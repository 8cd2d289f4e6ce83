#!/bin/bash
# A dual-IOM shelf (examples/emu/dual-iom.conf): two SES devices, one
# enclosure.  list/show group the modules and warn about mixed revisions;
# a rolling update goes one module at a time through its own path; a
# failure on module A leaves module B untouched.  All through SG_IO.
. "$(dirname "$0")/../lib/common.sh"
set -e
cp "$ROOT/examples/emu/dual-iom.conf" "$WORK/emu.conf"
export SAFEFLASH_EMU="$WORK/emu.conf"
A=/dev/sg-emu-iom-a; B=/dev/sg-emu-iom-b
rev_of() { "$SFEMU" state "$1" | jq -r '.subenclosures[0].revision'; }
mkdir -p "$WORK/keys"; export SAFEFLASH_KEYS="$WORK/keys"
"$SF" key generate "$WORK/k" >/dev/null; cp "$WORK/k.pub" "$WORK/keys/"
"$SFEMU" mkimage --product SHELF-12G --revision 0200 --size 200000 -o "$WORK/fw.bin"
"$SF" package create --image "$WORK/fw.bin" --vendor SFEMU --product 'SHELF-12G*' --version 0200 \
    --sign "$WORK/k.key" -o "$WORK/fw.sfpkg" >/dev/null

step "list groups the two paths as modules 1 and 2 of one enclosure"
expect_exit 0 sfp list --json
expect_eq "same logical id" "$(jq -r '[.devices[].logical_id]|unique|length' <<<"$OUT")" "1"
expect_eq "ES processes" "$(jq -c '[.devices[].es_process]' <<<"$OUT")" "[1,2]"
expect_eq "paths to the enclosure" "$(jq -c '[.devices[].paths]' <<<"$OUT")" "[2,2]"

step "a failure on module A leaves module B untouched"
"$SFEMU" mkimage --product SHELF-12G --revision 0200 --size 200000 --corrupt -o "$WORK/bad.bin"
expect_exit 1 sfp install --mode immediate --yes $FAST "$WORK/bad.bin" $A $B
expect_contains "A failed by name" "$OUT" "$A subenclosure 0: failed"
expect_contains "B not touched" "$OUT" "$B subenclosure 0: not-attempted"
expect_eq "B downloads" "$("$SFEMU" state $B | jq '.subenclosures[0].downloads')" "0"
expect_eq "revisions" "$(rev_of $A),$(rev_of $B)" "0100,0100"
expect_contains "the pair is checked before the pause" "$ERR" \
    "redundancy kept: both modules of the enclosure answer ($A runs 0100, $B runs 0100)"
expect_exit 0 "$SF" status
expect_contains "status: paused on error" "$OUT" "install, paused-on-error"
expect_contains "status: the reason names the failure and the pair's state" "$OUT" \
    "error in the microcode image, image discarded (additional status 03h); redundancy kept"

step "the same with --jobs: the modules of one enclosure are one device, done in turn; B is left alone"
expect_exit 1 sfp install --jobs 2 --mode immediate --yes $FAST "$WORK/bad.bin" $A $B
expect_contains "the other left alone" "$OUT" "$B subenclosure 0: not-attempted: not attempted after an earlier failure"
expect_contains "why, with the pair's state" "$OUT" "redundancy kept: both modules of the enclosure answer ($A runs 0100, $B runs 0100)"
expect_eq "one module written to" "$(grep -c 'subenclosure 0: downloading$' <<<"$ERR")" "1"
expect_contains "one enclosure, two paths" "$ERR" "1 enclosure(s) through 2 path(s)"

step "module A dies mid-download and does not come back: DEGRADED, B untouched, then resume"
"$SFEMU" fault $A 6 power=1000
expect_exit 17 sfp install --mode immediate --yes --poll-interval 5 --timeout 2 "$WORK/fw.sfpkg" $A $B
expect_contains "degraded, with who answers" "$ERR" \
    "DEGRADED: 1 of 2 modules of the enclosure answer ($A does not answer, $B runs 0100"
expect_contains "what not to do" "$ERR" "do not update the others until $A is back"
expect_eq "B downloads" "$("$SFEMU" state $B | jq '.subenclosures[0].downloads')" "0"
expect_exit 0 "$SF" status --json
expect_eq "paused" "$(jq -r .state <<<"$OUT")" "paused-on-error"
expect_contains "reason" "$(jq -r .reason <<<"$OUT")" "DEGRADED: 1 of 2 modules"
"$SFEMU" reset $A --power   # the module is reseated
expect_exit 0 sfp resume
expect_eq "revisions after resume" "$(rev_of $A),$(rev_of $B)" "0200,0200"
cp "$ROOT/examples/emu/dual-iom.conf" "$WORK/emu.conf"; rm -f "$WORK/dual-iom.state"; rm -rf "$SAFEFLASH_STATE_DIR"

step "updating one module only: show warns that the modules disagree"
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.sfpkg" $A
expect_exit 0 sfp show $B
expect_contains "warning" "$OUT" "modules run different revisions (0200 on $A, 0100 on $B)"
expect_contains "modules listed" "$OUT" "$A      ES process 1 of 2, rev 0200"

step "rolling update of the shelf, one module at a time, each verified through its own path"
expect_exit 0 sfp install --mode immediate --yes --json $FAST "$WORK/fw.sfpkg" $A $B
expect_eq "A already done, B updated" \
    "$(jq -r 'select(.event=="result")|.item.target+"="+.item.outcome' <<<"$OUT" | paste -sd, -)" "$A=skipped,$B=updated"
expect_eq "revisions" "$(rev_of $A),$(rev_of $B)" "0200,0200"
expect_exit 0 preload sg_ses -p cf $B
expect_contains "sg_ses through B" "$OUT" "rev: 0200"

step "a fresh rolling update of both: A finishes before B starts"
cp "$ROOT/examples/emu/dual-iom.conf" "$WORK/emu.conf"; rm -f "$WORK/dual-iom.state"; rm -rf "$SAFEFLASH_STATE_DIR"
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.sfpkg" $A $B
expect_exit 0 "$SF" history --json
a_end=$(jq -r ".[]|select(.path==\"$A\")|.finished" <<<"$OUT")
# An attempt is journaled when the run starts (every item, before the
# first write); its first step is when work on it began.
b_start=$(jq -r ".[]|select(.path==\"$B\")|.phases[0].at" <<<"$OUT")
if [[ "$a_end" < "$b_start" || "$a_end" == "$b_start" ]]; then echo "   ok: A finished $a_end, B started $b_start"
else fail "A finished $a_end after B started $b_start"; fi
expect_eq "revisions" "$(rev_of $A),$(rev_of $B)" "0200,0200"
finish
