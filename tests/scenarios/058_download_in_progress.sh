#!/bin/bash
# A download left half-done (another tool, or an earlier run that died):
# install refuses to guess, --resume continues at the enclosure's expected
# offset, --restart starts over.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkimg "$WORK/fw.img" 0e00 300000
emu_quirks ""
# Half a download: the first two of five pages, sent by sg_ses_microcode.
head -c 131016 "$WORK/fw.img" > "$WORK/part"
expect_exit 0 preload sg_ses_microcode -m 7 -b 65508 -S 0 -t 300036 -I "$WORK/part" $DEV
expect_exit 0 sfp show --json $DEV
expect_eq "in progress" "$(jq '.subenclosures[0].download.status' <<<"$OUT")" "1"
expect_eq "expected offset" "$(jq '.subenclosures[0].download.expected_offset' <<<"$OUT")" "131016"
expect_exit 0 sfp show $DEV
expect_contains "show in words" "$OUT" "download in progress, awaiting more microcode data"

step "without a choice: refused before writing"
: > "$WORK/trace.log"
expect_exit 8 sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
one_line "error" "$ERR"
# The line names the enclosure and what the processor shows (issue 19: on a
# shared JBOD the download may be another host's).
expect_contains "error" "$ERR" "$DEV (enclosure 5000ccab0400003e) subenclosure 0: a microcode download is already in progress (another host or tool?): status 01h, 131016 bytes in; not touching it; --resume continues it, --restart starts over"
expect_eq "pages written" "$(wc -l < "$WORK/trace.log")" "0"

step "--resume sends only the rest"
expect_exit 0 sfp install --mode immediate --subenclosure 0 --resume --yes $FAST "$WORK/fw.img" $DEV
expect_contains "notice" "$ERR" "resuming the download in progress at offset 131016"
expect_eq "pages written" "$(wc -l < "$WORK/trace.log")" "3"
expect_eq "running" "$(sub_rev 0)" "0e00"

step "--restart starts over"
emu_quirks ""
expect_exit 0 preload sg_ses_microcode -m 7 -b 65508 -S 0 -t 300036 -I "$WORK/part" $DEV
: > "$WORK/trace.log"
expect_exit 0 sfp install --mode immediate --subenclosure 0 --restart --yes $FAST "$WORK/fw.img" $DEV
expect_eq "pages written" "$(wc -l < "$WORK/trace.log")" "5"
expect_eq "running" "$(sub_rev 0)" "0e00"
finish
