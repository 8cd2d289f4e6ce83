# Drive microcode through WRITE BUFFER against the kernel's own SCSI stack:
# the sg driver and a scsi_debug disk.  scsi_debug accepts every WRITE
# BUFFER mode and raises UNIT ATTENTION 3Fh/16h after modes 05h and 07h,
# but its INQUIRY revision is a module parameter: the SG_IO shim's
# SAFEFLASH_SGLOG_ON changes it the moment a real drive would start new
# microcode (after the command that activates it), so verification is
# exercised for real.  Its error injection (statistics=1, opts, every_nth)
# makes chunks fail.
P=/sys/module/scsi_debug/parameters
IMG=/tmp/fw.bin
dd if=/dev/urandom of=$IMG bs=1024 count=64 2>/dev/null
# wb LOG: the WRITE BUFFER lines of an SG_IO log without the outcome
# columns: what was sent, in order.
wb() { grep 'cdb=3b' "$1" | sed 's/ status=.*//'; }
# ... of those that completed GOOD (a UNIT ATTENTION answered one: it was
# not executed and was sent again).
wbok() { grep 'cdb=3b.* status=00 host=0000' "$1" | sed 's/ status=.*//'; }
sfl() { # LOG ON-HOOK ARGS...: safeflash with the SG_IO shim
    log=$1 on=$2; shift 2
    rm -f "$log"
    run env SAFEFLASH_SGLOG="$log" SAFEFLASH_SGLOG_ON="$on" LD_PRELOAD=$SGLOG $SF "$@"
}
settle() { sg_turs $SG >/dev/null 2>&1; sg_turs $SG >/dev/null 2>&1; }

step "mode 05h (save): the whole image in one WRITE BUFFER, then INQUIRY proves it"
sdebug ptype=0 inq_vendor=SFKTEST inq_product=DISK0 inq_rev=0100
sfl /tmp/m05.log "3b05=printf 0105 > $P/inq_rev" install --yes --mode save --expect-revision 0105 $IMG "$SG"
expect_eq "exit" "$RC" 0
expect_contains "result" "$OUT" "updated 0100 -> 0105"
expect_contains "the UNIT ATTENTION activation raised was waited out" "$OUT" "UNIT ATTENTION 3Fh/16h"
expect_eq "WRITE BUFFER commands" "$(wb /tmp/m05.log)" "v3 cdb=3b050000000001000000 out=65536 sha256=$(sha256sum $IMG | cut -c1-64)"

step "mode 07h (offsets, save, activate) in 16 KiB chunks; the drive switches after the last"
printf 0100 > $P/inq_rev
# The last chunk is at offset C000h: that is when a real drive restarts.
sfl /tmp/m07.log "3b070000c000=printf 0107 > $P/inq_rev" install --yes --mode 07h --chunk-size 16384 $IMG "$SG"
expect_eq "exit" "$RC" 0
expect_contains "result" "$OUT" "updated 0100 -> 0107"
expect_contains "UNIT ATTENTION absorbed" "$OUT" "UNIT ATTENTION 3Fh/16h"
# scsi_debug raises 3Fh/16h after every 07h command, so each later chunk
# first meets that UNIT ATTENTION and goes again; the GOOD ones are these.
expect_eq "chunks" "$(wbok /tmp/m07.log | cut -d' ' -f2 | tr '\n' ' ')" \
    "cdb=3b070000000000400000 cdb=3b070000400000400000 cdb=3b070000800000400000 cdb=3b070000c00000400000 "

step "a revision that does not change is a failure, not a success"
sfl /tmp/same.log "" install --yes --mode 07h --chunk-size 16384 $IMG "$SG"
expect_eq "exit" "$RC" 1
expect_contains "says so" "$OUT$ERR" "did not change: it still runs revision 0107"

step "mode 0Eh stores; 'safeflash activate' sends 0Fh and verifies"
sfl /tmp/m0e.log "" install --yes --mode deferred --chunk-size 16384 $IMG "$SG"
expect_eq "exit" "$RC" 0
expect_contains "stored" "$OUT" "stored (mode 0Eh)"
expect_eq "no activation sent by install" "$(grep -c 'cdb=3b0f' /tmp/m0e.log)" 0
expect_eq "still runs" "$(sg_inq $SG | sed -n 's/.*Product revision level: //p')" 0107
sfl /tmp/act.log "3b0f=printf 010E > $P/inq_rev" activate --yes "$SG"
expect_eq "exit" "$RC" 0
expect_contains "activated" "$OUT" "updated 0107 -> 010E"
expect_eq "one activate" "$(wb /tmp/act.log)" "v3 cdb=3b0f0000000000000000 none sha256=-"

step "mode 0Dh: deferred, activation events PO_ACT|HR_ACT in the mode-specific bits"
sfl /tmp/m0d.log "" install --yes --mode 0Dh --chunk-size 32768 $IMG "$SG"
expect_eq "exit" "$RC" 0
expect_contains "stored" "$OUT" "stored (mode 0Dh)"
expect_eq "CDBs" "$(wb /tmp/m0d.log | cut -d' ' -f2 | tr '\n' ' ')" "cdb=3bcd0000000000800000 cdb=3bcd0000800000800000 "
sfl /tmp/act.log "3b0f=printf 010D > $P/inq_rev" activate --yes "$SG"
expect_contains "activated" "$OUT" "updated 010E -> 010D"

step "interop: sg_write_buffer -m 0xe -b 16k,act and safeflash send identical CDBs and data"
settle
rm -f /tmp/sgwb.log
env SAFEFLASH_SGLOG=/tmp/sgwb.log LD_PRELOAD=$SGLOG sg_write_buffer -m 0xe -b 16k,act -I $IMG "$SG"
expect_eq "sg_write_buffer exit" "$?" 0
sfl /tmp/sfwb.log "3b0f=printf 0200 > $P/inq_rev" install --yes --mode 0Eh --chunk-size 16384 --activate $IMG "$SG"
expect_eq "safeflash exit" "$RC" 0
expect_eq "WRITE BUFFER commands, byte for byte" "$(wb /tmp/sfwb.log)" "$(wb /tmp/sgwb.log)"
expect_eq "five of them" "$(wb /tmp/sfwb.log | wc -l)" 5

# The timeout injection leaves scsi_debug's "inject pending" flag set,
# which the next transport-error injection would fire on at once: the
# ABORTED COMMAND case runs first.
# How many commands safeflash sends before its first WRITE BUFFER: a dry
# run identifies the drive exactly as a real run does.
settle
sfl /tmp/dry.log "" install --yes --dry-run --mode 0Eh --chunk-size 16384 --activate $IMG "$SG"
K0=$(wc -l < /tmp/dry.log)
expect_eq "dry run sends no WRITE BUFFER" "$(grep -c 'cdb=3b' /tmp/dry.log)" 0

step "every_nth < 0: every command from the 3rd chunk on is aborted (ABORTED COMMAND 4Bh/03h)"
settle
echo 1 > $P/statistics; echo 16 > $P/opts; echo -$((K0 + 3)) > $P/every_nth
sfl /tmp/inj.log "" install --yes --mode 0Eh --chunk-size 16384 --activate $IMG "$SG"
echo 0 > $P/every_nth; echo 0 > $P/opts
expect_eq "exit" "$RC" 1
expect_contains "names the chunk" "$OUT$ERR" "chunk at offset 32768"
expect_contains "with the kernel's sense data" "$OUT$ERR" "Aborted Command"
expect_eq "no activate sent" "$(grep -c 'cdb=3b0f' /tmp/inj.log)" 0
expect_contains "the sense came through sg" "$(grep 'cdb=3b0e0000800000400000' /tmp/inj.log | head -1)" "sense=70000b"
run $SF history "$SG"
expect_contains "history records the failure" "$OUT" "chunk at offset 32768"

step "hidden failure: the 2nd chunk times out; sg_write_buffer --bpw=16k,act exits 0 anyway"
# A freshly loaded scsi_debug for each side: the injection counters and
# flags of the cases above must not leak in.
sdebug ptype=0 inq_vendor=SFKTEST inq_product=DISK0 inq_rev=0200
settle
echo 1 > $P/statistics; echo 4 > $P/opts; echo 2 > $P/every_nth
rm -f /tmp/hid.log
env SAFEFLASH_SGLOG=/tmp/hid.log LD_PRELOAD=$SGLOG sg_write_buffer -t 2 -m 0xe -b 16k,act -I $IMG "$SG" 2>/dev/null
expect_eq "sg_write_buffer exit (the hidden failure)" "$?" 0
expect_contains "a chunk never arrived (DID_TIME_OUT)" "$(grep 'cdb=3b0e0000400000400000' /tmp/hid.log)" "host=0003"
expect_contains "and the activate went out after it" "$(tail -1 /tmp/hid.log)" "cdb=3b0f"
echo 0 > $P/every_nth; echo 0 > $P/opts
sdebug ptype=0 inq_vendor=SFKTEST inq_product=DISK0 inq_rev=0200
settle
echo 1 > $P/statistics; echo 4 > $P/opts; echo $((K0 + 2)) > $P/every_nth
sfl /tmp/hidsf.log "" install --yes --mode 0Eh --chunk-size 16384 --activate --command-timeout 2 $IMG "$SG"
echo 0 > $P/every_nth; echo 0 > $P/opts
[ "$RC" != 0 ] && ok "safeflash exits non-zero (exit $RC)" || fail "safeflash exit 0 after a timed-out chunk"
expect_contains "names the chunk" "$OUT$ERR" "chunk at offset 16384"
expect_contains "and why" "$OUT$ERR" "timed out"
expect_eq "no activate sent" "$(grep -c 'cdb=3b0f' /tmp/hidsf.log)" 0
expect_eq "nothing after the failed chunk" "$(grep 'cdb=3b' /tmp/hidsf.log | tail -1 | cut -d' ' -f2)" "cdb=3b0e0000400000400000"
settle
expect_eq "the drive still runs" "$(sg_inq $SG | sed -n 's/.*Product revision level: //p')" 0200
