#!/bin/bash
# Several enclosures at once (--jobs), through SG_IO; the two modules of a
# dual-IOM shelf given in the same run still take turns.
. "$(dirname "$0")/../lib/common.sh"
set -e
"$ROOT/scripts/mkshelves" 6 "$WORK" 1000
export SAFEFLASH_EMU="$WORK/shelves.conf"
"$SFEMU" mkimage --product SHELF --revision 0200 --size 100000 -o "$WORK/fw.bin"
DEVS=$(seq 0 5 | sed 's|^|/dev/sg-emu-shelf|')

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
"$SFEMU" fault /dev/sg-emu-shelf1 1 power=40
expect_exit 9 sfp install --jobs 3 --mode immediate --yes $FAST "$WORK/fw3.bin" /dev/sg-emu-shelf0 /dev/sg-emu-shelf1 /dev/sg-emu-shelf2
expect_contains "summary" "$ERR" "3 enclosure(s): 2 done, 1 not"

step "two paths of one dual-IOM shelf in one --jobs run take turns on its lock"
cp "$ROOT/examples/emu/dual-iom.conf" "$WORK/emu.conf"
export SAFEFLASH_EMU="$WORK/emu.conf"
"$SFEMU" mkimage --product SHELF-12G --revision 0200 --size 100000 -o "$WORK/iom.bin"
expect_exit 0 sfp install --jobs 2 --mode immediate --yes $FAST "$WORK/iom.bin" /dev/sg-emu-iom-a /dev/sg-emu-iom-b
expect_exit 0 "$SF" history --json
a=$(jq -r '.[]|select(.path=="/dev/sg-emu-iom-a")|.started+" "+.finished' <<<"$OUT")
b=$(jq -r '.[]|select(.path=="/dev/sg-emu-iom-b")|.started+" "+.finished' <<<"$OUT")
read -r as ae <<<"$a"; read -r bs be <<<"$b"
if [[ ! "$ae" > "$bs" || ! "$be" > "$as" ]]; then echo "   ok: the modules did not overlap ($as-$ae, $bs-$be)"
else fail "modules overlapped: A $as-$ae, B $bs-$be"; fi
finish
