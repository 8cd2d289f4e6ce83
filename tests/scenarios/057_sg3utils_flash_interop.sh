#!/bin/bash
# sg_ses_microcode flashes the emulated enclosure and safeflash sees it;
# safeflash flashes it and sg_ses sees it; for the same chunk size, mode
# and subenclosure, safeflash's control pages are byte-identical to
# sg_ses_microcode's.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkimg "$WORK/fw.img" 0c00 150000

step "sg_ses_microcode -m 7 -b 4096 flashes subenclosure 0; safeflash show reports it"
emu_quirks ""
expect_exit 0 preload sg_ses_microcode -m 7 -b 4096 -S 0 -I "$WORK/fw.img" $DEV
expect_exit 0 sfp show --json $DEV
expect_eq "revision" "$(jq -r '.subenclosures[0].version' <<<"$OUT")" "0c00"
cp "$WORK/trace.log" "$WORK/sg.trace"

step "sg_ses_microcode -m 0xe then activate_mc on subenclosure 1"
expect_exit 0 preload sg_ses_microcode -m 0xe -b 65508 -S 1 -I "$WORK/fw.img" $DEV
expect_eq "still old before activation" "$(sub_rev 1)" "0207"
expect_exit 0 preload sg_ses_microcode -m activate_mc -S 1 $DEV
expect_exit 0 sfp show --json $DEV
expect_eq "revision" "$(jq -r '.subenclosures[1].version' <<<"$OUT")" "0c00"

step "safeflash install; sg_ses -p cf reports the new revisions"
emu_quirks ""
mkimg "$WORK/fw2.img" 0d00 150000
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw2.img" $DEV
expect_exit 0 preload sg_ses -p cf $DEV
expect_eq "revisions" "$(grep -o 'rev: [^ ]*' <<<"$OUT" | awk '{print $2}' | paste -sd, -)" "0d00,0d00"

step "byte-identical control pages: mode 07h, 4096-byte chunks, subenclosure 0"
emu_quirks ""
expect_exit 0 sfp install --mode immediate --chunk-size 4096 --subenclosure 0 --yes $FAST "$WORK/fw.img" $DEV
if cmp -s "$WORK/sg.trace" "$WORK/trace.log"; then
    echo "   ok: $(wc -l < "$WORK/trace.log") pages identical"
else
    fail "pages differ: $(diff <(cut -c1-64 "$WORK/sg.trace") <(cut -c1-64 "$WORK/trace.log") | head -4)"
fi

step "byte-identical: mode 0Eh, 65508-byte chunks, subenclosure 1, and the activate page"
emu_quirks ""
expect_exit 0 preload sg_ses_microcode -m 0xe -b 65508 -S 1 -I "$WORK/fw.img" $DEV
expect_exit 0 preload sg_ses_microcode -m activate_mc -S 1 $DEV
cp "$WORK/trace.log" "$WORK/sg.trace"
emu_quirks ""
expect_exit 0 sfp install --mode deferred --subenclosure 1 --yes $FAST "$WORK/fw.img" $DEV
expect_exit 0 sfp activate --subenclosure 1 --yes $FAST $DEV
if cmp -s "$WORK/sg.trace" "$WORK/trace.log"; then
    echo "   ok: $(wc -l < "$WORK/trace.log") pages identical, activate included"
else
    fail "pages differ: $(diff <(cut -c1-64 "$WORK/sg.trace") <(cut -c1-64 "$WORK/trace.log") | head -4)"
fi
finish
