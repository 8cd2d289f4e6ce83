#!/bin/bash
# Several enclosures at once (--jobs), through SG_IO; the two modules of a
# dual-IOM shelf given in the same run still take turns.
. "$(dirname "$0")/../lib/common.sh"
set -e
"$ROOT/scripts/mkshelves" 6 "$WORK" 1000
export SAFEFLASH_EMU="$WORK/shelves.conf"
"$SFEMU" mkimage --product SHELF --revision 0200 --size 100000 -o "$WORK/fw.bin"
DEVS=$(seq 0 5 | sed 's|^|/dev/sg-emu-shelf|')

step "a path that is not there refuses the whole run before any write: no run is recorded, nothing to resume"
expect_exit 3 sfp install --jobs 2 --mode immediate --yes $FAST "$WORK/fw.bin" /dev/sg-emu-nothere0 /dev/sg-emu-nothere1
one_line "refusal" "$ERR"; expect_contains "names it" "$ERR" "/dev/sg-emu-nothere0"
case "$ERR" in *"paused on error"*) fail "a pause hint for a run that never started" ;; *) echo "   ok: no pause hint" ;; esac
expect_exit 0 "$SF" status
expect_contains "status" "$ERR" "no update run recorded yet"

step "six enclosures, three at a time"
expect_exit 0 sfp install --jobs 3 --mode immediate --yes $FAST "$WORK/fw.bin" $DEVS
expect_eq "updated" "$(grep -c ': updated 0100 -> 0200' <<<"$OUT")" "6"
expect_contains "summary" "$ERR" "6 enclosure(s): 6 done, 0 not"
for d in $DEVS; do
    [ "$("$SFEMU" state $d | jq -r '.subenclosures[0].revision')" = 0200 ] || fail "$d not updated"
done

step "one bad enclosure: the others finish, exit 9 (partially applied)"
"$ROOT/scripts/mkshelves" 3 "$WORK" 0
rm -f "$WORK/shelves.state"
"$SFEMU" mkimage --product SHELF --revision 0300 --size 100000 -o "$WORK/fw3.bin"
# Identified, then gone for 40 commands from its second page on.
"$SFEMU" fault /dev/sg-emu-shelf1 6 power=40
expect_exit 9 sfp install --jobs 3 --mode immediate --yes $FAST "$WORK/fw3.bin" /dev/sg-emu-shelf0 /dev/sg-emu-shelf1 /dev/sg-emu-shelf2
expect_contains "summary" "$ERR" "3 enclosure(s): 2 done, 1 not"

step "the --jobs run is one run: status shows both finished enclosures, paused on shelf1's error"
expect_exit 0 "$SF" status --json
expect_eq "run state" "$(jq -r .state <<<"$OUT")" "paused-on-error"
expect_eq "updated in the run" "$(jq '[.modules[]|select(.result=="updated")]|length' <<<"$OUT")" "2"
expect_contains "reason names the enclosure" "$(jq -r .reason <<<"$OUT")" "/dev/sg-emu-shelf1"

step "resume once shelf1 is back: it is updated, the others are not flashed again"
for _ in $(seq 40); do preload sg_turs /dev/sg-emu-shelf1 >/dev/null 2>&1 || true; done
expect_exit 0 sfp resume --yes
expect_eq "only shelf1 is resumed" "$(grep -c ': updated' <<<"$OUT")" "1"
expect_contains "shelf1 updated" "$OUT" "/dev/sg-emu-shelf1 subenclosure 0: updated 0100 -> 0300"
expect_exit 0 "$SF" status --json
expect_eq "last run state" "$(jq -r .state <<<"$OUT")" "completed"
for d in 0 1 2; do
    [ "$("$SFEMU" state /dev/sg-emu-shelf$d | jq -r '.subenclosures[0].revision')" = 0300 ] || fail "shelf$d not at 0300"
done
expect_eq "shelf0 not flashed twice" "$("$SFEMU" state /dev/sg-emu-shelf0 | jq '.subenclosures[0].activations')" "1"

step "two paths of one dual-IOM shelf in one --jobs run take turns on its lock"
cp "$ROOT/examples/emu/dual-iom.conf" "$WORK/emu.conf"
export SAFEFLASH_EMU="$WORK/emu.conf"
"$SFEMU" mkimage --product SHELF-12G --revision 0200 --size 100000 -o "$WORK/iom.bin"
expect_exit 0 sfp install --jobs 2 --mode immediate --yes $FAST "$WORK/iom.bin" /dev/sg-emu-iom-a /dev/sg-emu-iom-b
expect_exit 0 "$SF" history --json
# An attempt is journaled when the run starts; its first step is when work began.
a=$(jq -r '.[]|select(.path=="/dev/sg-emu-iom-a")|.phases[0].at+" "+.finished' <<<"$OUT")
b=$(jq -r '.[]|select(.path=="/dev/sg-emu-iom-b")|.phases[0].at+" "+.finished' <<<"$OUT")
read -r as ae <<<"$a"; read -r bs be <<<"$b"
if [[ ! "$ae" > "$bs" || ! "$be" > "$as" ]]; then echo "   ok: the modules did not overlap ($as-$ae, $bs-$be)"
else fail "modules overlapped: A $as-$ae, B $bs-$be"; fi
step "--parallel: both modules of the shelf at once, with the operator warned"
# 3 ms per command: each module takes long enough for an overlap to show at
# the history's millisecond timestamps.
sed 's|^\( *\)"path": \("/dev/sg-emu-iom-[ab]",\)|\1"path": \2 "quirks": { "latency_us": 3000 },|' "$ROOT/examples/emu/dual-iom.conf" > "$WORK/emu.conf"
rm -f "$WORK/emu.state"
"$SFEMU" mkimage --product SHELF-12G --revision 0300 --size 100000 -o "$WORK/iom3.bin"
expect_exit 0 sfp install --parallel --mode immediate --yes $FAST "$WORK/iom3.bin" /dev/sg-emu-iom-a /dev/sg-emu-iom-b
expect_contains "warning" "$ERR" "are updated at the same time"
expect_exit 0 "$SF" history --json
a=$(jq -r '[.[]|select(.path=="/dev/sg-emu-iom-a")][-1]|.phases[0].at+" "+.finished' <<<"$OUT")
b=$(jq -r '[.[]|select(.path=="/dev/sg-emu-iom-b")][-1]|.phases[0].at+" "+.finished' <<<"$OUT")
read -r as ae <<<"$a"; read -r bs be <<<"$b"
if [[ "$ae" > "$bs" && "$be" > "$as" ]]; then echo "   ok: the modules overlapped ($as-$ae, $bs-$be)"
else fail "--parallel did not overlap the modules: A $as-$ae, B $bs-$be"; fi
finish
