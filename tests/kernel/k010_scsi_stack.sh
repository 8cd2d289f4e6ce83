# What exists already, proven against the real sg driver and a kernel SCSI
# device (scsi_debug as the device model): identification, refusals, sense
# data and UNIT ATTENTION from the kernel, not from the preload library.

step "a scsi_debug disk (peripheral device type 0)"
sdebug ptype=0 inq_vendor=SFKTEST inq_product=DISK0 inq_rev=0123
expect_exit 0 $SF list
expect_contains "list without --all" "$OUT" "No enclosures found"
expect_exit 0 $SF list --all
expect_contains "list --all names the disk" "$OUT" "$SG"
expect_contains "list --all shows its revision" "$OUT" "0123"
expect_exit 0 $SF list --all --json
expect_contains "json" "$OUT" "\"version\":\"0123\""
expect_exit 0 $SF show "$SG"
expect_contains "show on a disk: a drive, as install takes it" "$OUT" "$SG: drive "

step "scsi_debug claiming to be an enclosure (ptype 13) but serving no SES pages"
sdebug ptype=13 inq_vendor=SFKTEST inq_product=FAKEENCL inq_rev=0200
# The kernel's ILLEGAL REQUEST for RECEIVE DIAGNOSTIC, as the sg driver
# delivers it, is what safeflash decodes.
run env SAFEFLASH_SGLOG=/tmp/show.log LD_PRELOAD=$SGLOG $SF show "$SG"
if grep -q 'cdb=1c.* status=02 .*sense=700005' /tmp/show.log; then ok "RECEIVE DIAGNOSTIC got the kernel device's ILLEGAL REQUEST"
else fail "no ILLEGAL REQUEST seen: $(cat /tmp/show.log)"; fi
run $SF show "$SG"
[ "$RC" != 0 ] && ok "show refused it (exit $RC)" || fail "show accepted an enclosure without pages"
[ "$RC" -lt 128 ] && ok "no crash (exit $RC)" || fail "show died (exit $RC)"
expect_contains "show says why" "$ERR" "answers no SES diagnostic pages"
expect_exit 0 $SF list
expect_contains "list still lists it, with the problem" "$OUT" "$SG"

step "install on the fake enclosure is refused before any write"
dd if=/dev/zero of=/tmp/fw.bin bs=1024 count=64 2>/dev/null
run env SAFEFLASH_SGLOG=/tmp/sg.log LD_PRELOAD=$SGLOG $SF install --yes /tmp/fw.bin "$SG"
[ "$RC" != 0 ] && ok "install refused (exit $RC)" || fail "install went ahead"
if grep -q 'cdb=1d' /tmp/sg.log; then fail "a SEND DIAGNOSTIC was sent: $(grep 'cdb=1d' /tmp/sg.log | head -1)"
else ok "nothing was sent to the device but reads ($(wc -l < /tmp/sg.log) commands)"; fi
expect_contains "the refusal carries the kernel's CHECK CONDITION" "$(cat /tmp/sg.log)" "status=02"
expect_contains "install says why" "$ERR" "answers no SES diagnostic pages"
