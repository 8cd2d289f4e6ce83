#!/bin/bash
# Issue 19: two hosts on one shared JBOD.  Each host has its own state
# directory (journal, locks), so only the enclosure can say that the other
# is downloading: before each processor safeflash reads its Download
# Microcode status, and an operation in progress that this run did not
# start is left alone - one line naming the enclosure, the subenclosure
# and what it shows, exit 8, nothing written - unless --resume/--restart.
# Host A's own journal still continues what A started.  And the advice
# safeflash gives works: `partner-sync` is suggested only where it can
# succeed, `--expect-revision` only after a clean download.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkimg "$WORK/fw.img" 0300 300000            # 5 pages per processor
SA="$WORK/host-a"; SB="$WORK/host-b"
LID=5000ccab0400003e
GO="--mode immediate --yes $FAST"
fresh() { emu_quirks ""; rm -rf "$SA" "$SB"; }
pages_to() { # pages of subenclosure $1 in the control page trace (byte 1)
    [ -f "$WORK/trace.log" ] || { echo 0; return; }
    cut -c3-4 "$WORK/trace.log" | grep -c "^0$1\$" || true
}
dl_of() { emu_state | jq -r ".subenclosures[] | select(.id==$1) | \"\(.download_status),\(.expected_offset)\""; }
# Host A is killed with SIGKILL part way through subenclosure 0's pages.
kill_a() {
    set +e
    SAFEFLASH_EMU_KILL_AT=8 sfp install $GO --state-dir "$SA" "$WORK/fw.img" $DEV >"$WORK/a.out" 2>&1
    rc=$?
    set -e
    expect_eq "host A killed" "$rc" "137"
    OFF=$(dl_of 0 | cut -d, -f2)
    expect_eq "subenclosure 0 left mid-download" "$(dl_of 0 | cut -d, -f1),$([ "$OFF" -gt 0 ] && echo in)" "1,in"
}

step "host A dies mid-download; host B (its own state directory) refuses before writing"
fresh
kill_a
: > "$WORK/trace.log"
expect_exit 8 sfp install $GO --state-dir "$SB" "$WORK/fw.img" $DEV
one_line "refusal" "$ERR"
expect_contains "names enclosure, subenclosure, what it shows, the way on" "$ERR" \
    "$DEV (enclosure $LID) subenclosure 0: a microcode download is already in progress (another host or tool?): status 01h, $OFF bytes in; not touching it; --resume continues it, --restart starts over"
expect_eq "pages written by B" "$(wc -l < "$WORK/trace.log")" "0"
expect_eq "A's download untouched" "$(dl_of 0)" "1,$OFF"

step "host B's activate would end A's download: refused, nothing sent"
expect_exit 8 sfp activate --yes --subenclosure 0 --state-dir "$SB" $FAST $DEV
expect_contains "refusal" "$OUT$ERR" "subenclosure 0: a microcode download is already in progress (another host or tool?): status 01h, $OFF bytes in; not touching it; activate once it has ended"
expect_eq "pages written by B" "$(wc -l < "$WORK/trace.log")" "0"
expect_eq "A's download untouched" "$(dl_of 0)" "1,$OFF"

step "host A's own journal continues A's download"
expect_exit 0 sfp resume --yes --state-dir "$SA" $FAST $DEV
expect_contains "continued where A stopped" "$ERR" "resuming the download in progress at offset $OFF"
expect_eq "revisions" "$(sub_rev 0),$(sub_rev 1)" "0300,0300"
expect_eq "pages: the rest of 0, all of 1" "$(pages_to 0),$(pages_to 1)" "2,5"

step "host B with --resume continues A's download; A's resume then finds the work done"
fresh
kill_a
: > "$WORK/trace.log"
expect_exit 0 sfp install $GO --resume --state-dir "$SB" "$WORK/fw.img" $DEV
expect_contains "B continued A's download" "$ERR" "resuming the download in progress at offset $OFF"
expect_eq "revisions" "$(sub_rev 0),$(sub_rev 1)" "0300,0300"
expect_eq "downloads" "$(emu_state | jq -c '[.subenclosures[].downloads]')" "[1,1]"
: > "$WORK/trace.log"
expect_exit 0 sfp resume --yes --state-dir "$SA" $FAST $DEV
expect_contains "A's started attempt" "$OUT" "subenclosure 0: updated 0100 -> 0300 (completed by the interrupted attempt"
expect_contains "A's attempt that never began is not claimed" "$OUT" \
    "subenclosure 1: updated 0207 -> 0300 (by another host or tool: the interrupted attempt"
expect_eq "pages written by A" "$(wc -l < "$WORK/trace.log")" "0"

step "a journaled attempt that never began does not own a download another host started"
fresh
kill_a
# Host B starts on subenclosure 1 just as host A comes back.
"$SFEMU" fault $DEV 1 foreign=1
: > "$WORK/trace.log"
expect_exit 8 sfp resume --yes --state-dir "$SA" $FAST $DEV
expect_contains "A's own download finished" "$OUT" "subenclosure 0: updated 0100 -> 0300"
expect_contains "the other host's left alone" "$OUT$ERR" \
    "$DEV (enclosure $LID) subenclosure 1: a microcode download is already in progress (another host or tool?): status 01h, 4096 bytes in; not touching it; run this again once it has ended (or install --resume/--restart)"
expect_eq "pages to subenclosure 1" "$(pages_to 1)" "0"
expect_eq "B's download untouched" "$(dl_of 1)" "1,4096"

step "another host's image being written to non-volatile storage is left to finish, whatever the options"
emu_quirks '"nv_update_polls": 200'; rm -rf "$SA" "$SB"
expect_exit 0 preload sg_ses_microcode -m 7 -b 65508 -S 1 -t 300036 -I "$WORK/fw.img" $DEV
expect_eq "subenclosure 1 updating non-volatile storage" "$(dl_of 1 | cut -d, -f1)" "2"
: > "$WORK/trace.log"
for opt in "" --resume --restart; do
    expect_exit 8 sfp install $GO $opt --state-dir "$SB" "$WORK/fw.img" $DEV
    one_line "refusal" "$ERR"
    expect_contains "refusal ${opt:-without options}" "$ERR" \
        "$DEV (enclosure $LID) subenclosure 1: busy (status 02h: download complete, updating non-volatile storage; another host or tool?): not touching it; wait for it to end"
done
expect_eq "pages written by B" "$(wc -l < "$WORK/trace.log")" "0"

step "checked before each processor, not only at the plan: a download that starts meanwhile"
fresh
: > "$WORK/trace.log"
expect_exit 0 sfp install $GO --subenclosure 0 --state-dir "$SB" "$WORK/fw.img" $DEV
N=$(emu_state | jq .commands)
fresh
# Host A starts on subenclosure 1 while host B works on subenclosure 0: the
# plan saw both idle.
"$SFEMU" fault $DEV $((N + 1)) foreign=1
: > "$WORK/trace.log"
expect_exit 8 sfp install $GO --state-dir "$SB" "$WORK/fw.img" $DEV
expect_contains "subenclosure 0 done" "$OUT" "subenclosure 0: updated 0100 -> 0300"
expect_contains "subenclosure 1 left alone, by name" "$OUT$ERR" \
    "$DEV (enclosure $LID) subenclosure 1: a microcode download is already in progress (another host or tool?): status 01h, 4096 bytes in; not touching it; --resume continues it, --restart starts over"
expect_eq "pages to subenclosure 0, 1" "$(pages_to 0),$(pages_to 1)" "5,0"
expect_eq "A's download untouched" "$(dl_of 1)" "1,4096"
expect_eq "revision of 1" "$(sub_rev 1)" "0207"

step "a revision that did not change: --expect-revision is suggested only after a clean download"
fresh
expect_exit 0 sfp install $GO --subenclosure 0 "$WORK/fw.img" $DEV
expect_exit 1 sfp install $GO --subenclosure 0 "$WORK/fw.img" $DEV
expect_contains "clean: the image may carry the same revision" "$OUT" \
    "subenclosure 0 did not change: it still runs revision 0300 (if the image carries that same revision, pass --expect-revision 0300)"
# The second page dies in transit; the download recovers and completes,
# but that is no longer evidence enough to blame the image's revision.
c=$(emu_state | jq .commands)
expect_exit 0 sfp install --dry-run $GO --subenclosure 0 "$WORK/fw.img" $DEV
p=$(( $(emu_state | jq .commands) - c ))
"$SFEMU" fault $DEV $((p + 2)) eio
expect_exit 1 sfp install $GO --subenclosure 0 "$WORK/fw.img" $DEV
expect_contains "not clean, said why" "$OUT" \
    "subenclosure 0 did not change: it still runs revision 0300, and the update was not clean (the page at offset 65508 failed"
case "$OUT$ERR" in
    *expect-revision*) fail "--expect-revision suggested after a transport error: $OUT" ;;
    *) echo "   ok: no --expect-revision after a transport error" ;;
esac

step "a sync loop on a shelf whose partner sync safeflash cannot switch: no partner-sync command"
sed 's|"vendor": "SFEMU"|"vendor": "XYRATEX"|' "$ROOT/examples/emu/partner-loop.conf" > "$WORK/emu.conf"
export SAFEFLASH_EMU="$WORK/emu.conf"
rm -f "$WORK/partner-loop.state"; rm -rf "$SAFEFLASH_STATE_DIR"
A=/dev/sg-emu-loop-a; B=/dev/sg-emu-loop-b
"$SFEMU" mkimage --product SHELF-12G --revision 0200 --size 60000 -o "$WORK/shelf.bin"
expect_exit 9 sfp install --mode immediate --yes --expect-revision 0200 $FAST "$WORK/shelf.bin" $A $B
expect_contains "loop reported" "$OUT" "partner firmware sync loop: $B subenclosure 0 went 0100 -> 0200 -> 0100"
expect_contains "a way out that works" "$OUT" \
    "Way out: turn partner firmware sync off with the XYRATEX enclosure's own tool (safeflash has no control for it), install on each module directly, then turn it back on"
case "$OUT$ERR" in
    *"safeflash partner-sync"*) fail "suggests a partner-sync command that cannot work: $OUT" ;;
    *) echo "   ok: no partner-sync command suggested" ;;
esac
# ... which is right: that command would fail on this shelf.
expect_exit 10 sfp partner-sync $A off
step "the same loop on the shelf safeflash can switch: the command is given, and works"
cp "$ROOT/examples/emu/partner-loop.conf" "$WORK/emu.conf"
rm -f "$WORK/partner-loop.state"; rm -rf "$SAFEFLASH_STATE_DIR"
expect_exit 9 sfp install --mode immediate --yes --expect-revision 0200 $FAST "$WORK/shelf.bin" $A $B
expect_contains "the command" "$OUT" \
    "Way out: 'safeflash partner-sync $A off', install on each module directly, then 'safeflash partner-sync $A on'"
expect_exit 0 sfp partner-sync $A off
expect_exit 0 sfp partner-sync $A on
finish
