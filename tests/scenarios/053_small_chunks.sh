#!/bin/bash
# An enclosure that takes at most 4 KiB per page: safeflash halves until
# accepted and keeps that size; --chunk-size caps pages from the start.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkimg "$WORK/fw.img" 0600 100000

step "max 4096 data bytes per page: learnt by halving"
emu_quirks "\"max_chunk\": 4096"
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
expect_contains "notice" "$ERR" "using"
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0600,0600"
big=$(awk '{ if (length($0)/2 - 24 > 4096) n++ } END { print n+0 }' "$WORK/trace.log")
expect_eq "pages over 4096 bytes (refused ones only, first processor)" "$big" "4"

step "--chunk-size 2048: no page carries more"
emu_quirks ""
expect_exit 0 sfp install --mode immediate --chunk-size 2048 --yes $FAST "$WORK/fw.img" $DEV
max=$(awk '{ l = length($0)/2 - 24; if (l > m) m = l } END { print m }' "$WORK/trace.log")
expect_eq "largest page data" "$max" "2048"
expect_eq "pages" "$(wc -l < "$WORK/trace.log")" "$(( 2 * ((100036 + 2047) / 2048) ))"

step "every offset is 4-byte aligned and every page a multiple of 4"
bad=0
while read -r page; do
    off=$((16#${page:24:8}))
    if (( off % 4 || (${#page} / 2) % 4 )); then bad=$((bad + 1)); fi
done < "$WORK/trace.log"
expect_eq "misaligned pages" "$bad" "0"
finish
