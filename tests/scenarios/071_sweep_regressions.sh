#!/bin/bash
# Defects the fault sweep found, kept as regression tests.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkdir -p "$WORK/keys"; export SAFEFLASH_KEYS="$WORK/keys"
"$SF" key generate "$WORK/k" >/dev/null; cp "$WORK/k.pub" "$WORK/keys/"
mkimg "$WORK/fw.bin" 0300 200000
"$SF" package create --image "$WORK/fw.bin" --vendor SFEMU --product 'JBOD-2U24*' --version 0300 \
    --sign "$WORK/k.key" -o "$WORK/fw.sfpkg" >/dev/null

step "1. an enclosure claims 13h but stores nothing: activate must not report success"
emu_quirks ""
"$SFEMU" fault $DEV 1 lie          # the next completion status is a lie
expect_exit 0 sfp install --mode deferred --yes $FAST "$WORK/fw.sfpkg" $DEV
# Subenclosure 0 fails by name, so the run stops there: nothing done, exit 1.
expect_exit 1 sfp activate --yes $FAST $DEV
expect_contains "named" "$OUT" "subenclosure 0 reports no deferred microcode (85h) although attempt"
expect_eq "sub 0 still old" "$(sub_rev 0)" "0100"
step "   ... and installing again sends it again, because history knows it was lost"
expect_exit 0 sfp install --mode deferred --yes $FAST "$WORK/fw.sfpkg" $DEV
expect_contains "sub 0 stored again" "$OUT" "subenclosure 0: stored"
expect_exit 0 sfp activate --yes $FAST $DEV
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0300,0300"

step "2. a reset between install and activate starts the stored images: activate reports success"
emu_quirks ""
expect_exit 0 sfp install --mode deferred --yes $FAST "$WORK/fw.sfpkg" $DEV
"$SFEMU" reset $DEV
expect_exit 0 sfp activate --yes $FAST $DEV
expect_contains "why" "$OUT" "already runs (0300): a reset or power cycle started it"
expect_eq "each activated once" "$(emu_state | jq -c '[.subenclosures[].activations]')" "[1,1]"

step "3. ABORTED COMMAND while verifying is retried, not reported as a failed update"
emu_quirks ""
# identification 4, status 1, pages 6-9, poll 10, config read (verify) 11
"$SFEMU" fault $DEV 11 check=b/47/00
expect_exit 0 sfp install --mode immediate --subenclosure 0 --yes $FAST "$WORK/fw.sfpkg" $DEV
expect_contains "result" "$OUT" "subenclosure 0: updated 0100 -> 0300"
step "4. the path drops during the very first INQUIRY: identification waits for it"
emu_quirks ""
"$SFEMU" fault $DEV 1 pathdrop=3
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.sfpkg" $DEV
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0300,0300"
finish
