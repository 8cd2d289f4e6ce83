#!/bin/bash
# What is refused is refused before anything is written, with one line and
# a documented exit code; a bad image is caught by the enclosure (81h) and
# reported by name with the revision unchanged.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_quirks ""
writes() { [ -f "$WORK/trace.log" ] && wc -l < "$WORK/trace.log" || echo 0; }

step "image larger than a processor's maximum (2 MiB on subenclosure 1) -> 8, nothing written"
mkimg "$WORK/big.img" 0700 3000000
expect_exit 8 sfp install --yes $FAST "$WORK/big.img" $DEV
one_line "error" "$ERR"; expect_contains "error" "$ERR" "accepts at most 2097152"
expect_eq "pages written" "$(writes)" "0"
step "... but fits subenclosure 0 alone"
expect_exit 0 sfp install --mode immediate --subenclosure 0 --yes $FAST "$WORK/big.img" $DEV
expect_eq "sub 0" "$(sub_rev 0)" "0700"

step "corrupt image -> 81h, named, revision unchanged, exit 1"
emu_quirks ""
mkimg "$WORK/bad.img" 0800 200000
"$SFEMU" mkimage --product JBOD-2U24 --revision 0800 --size 200000 --corrupt -o "$WORK/bad.img"
expect_exit 1 sfp install --mode immediate --yes $FAST "$WORK/bad.img" $DEV
expect_contains "result" "$OUT" "status 81h: error in the microcode image, image discarded"
expect_contains "result" "$OUT" "subenclosure 1: not-attempted"
expect_eq "unchanged" "$(sub_rev 0),$(sub_rev 1)" "0100,0207"

step "image for another product -> 81h"
mkimg "$WORK/other.img" 0800 200000 OTHER-SHELF
expect_exit 1 sfp install --mode immediate --yes $FAST "$WORK/other.img" $DEV
expect_contains "result" "$OUT" "81h"

step "no --yes and no terminal -> 8, nothing written"
emu_quirks ""
mkimg "$WORK/fw.img" 0900 100000
expect_exit 8 sfp install $FAST "$WORK/fw.img" $DEV < /dev/null
one_line "error" "$ERR"; expect_contains "error" "$ERR" "pass --yes"
expect_eq "pages written" "$(writes)" "0"

step "--dry-run: plan and checks, no SEND DIAGNOSTIC"
expect_exit 0 sfp install --dry-run $FAST "$WORK/fw.img" $DEV
expect_contains "dry run" "$ERR" "would send 100036 bytes"
expect_eq "pages written" "$(writes)" "0"

step "bad input: one line, non-zero"
expect_exit 19 sfp install --yes "$WORK/missing.img" $DEV; one_line "missing image" "$ERR"
: > "$WORK/empty.img"
expect_exit 8 sfp install --yes "$WORK/empty.img" $DEV; one_line "empty image" "$ERR"
expect_exit 2 sfp install --yes --mode sideways "$WORK/fw.img" $DEV; one_line "bad mode" "$ERR"
expect_exit 2 sfp install --yes --chunk-size 1001 "$WORK/fw.img" $DEV; one_line "bad chunk" "$ERR"
expect_exit 2 sfp install --yes --chunk-size 70000 "$WORK/fw.img" $DEV
expect_exit 2 sfp install --yes --resume --restart "$WORK/fw.img" $DEV
expect_exit 2 sfp install --yes "$WORK/fw.img"
expect_exit 3 sfp install --yes --subenclosure 9 "$WORK/fw.img" $DEV; one_line "no such sub" "$ERR"
expect_exit 3 sfp install --yes "$WORK/fw.img" /dev/sg-nowhere
expect_eq "pages written" "$(writes)" "0"

step "same revision as running: install says it did not change unless told to expect it"
expect_exit 0 sfp install --mode immediate --subenclosure 0 --yes $FAST "$WORK/fw.img" $DEV
expect_exit 1 sfp install --mode immediate --subenclosure 0 --yes $FAST "$WORK/fw.img" $DEV
expect_contains "message" "$OUT" "did not change: it still runs revision 0900"
expect_exit 0 sfp install --mode immediate --subenclosure 0 --expect-revision 0900 --yes $FAST "$WORK/fw.img" $DEV
finish
