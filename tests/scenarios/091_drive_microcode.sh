#!/bin/bash
# Drive microcode through the emulator, where scsi_debug cannot play the
# part: a READ BUFFER descriptor (capacity, offset boundary), images the
# drive checks, modes it lacks, a reset in the middle of a download, chunk
# failures with sense data, 0Dh activation events, packages, resume, JSON,
# and sg_write_buffer against the same device.  All through SG_IO (the
# preload library), with the SG_IO shim recording what was sent.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_setup "$ROOT/examples/emu/drives.conf"
D0=/dev/sg-emu-hdd0   # descriptor 64 KiB / 2^9, modes 05 07 0d 0e 0f
D1=/dev/sg-emu-hdd1   # no descriptor, modes 05 07 only
SGLOG="$BUILD/libsafeflash-sglog.so"
logged() { # LOG CMD...: run CMD with the SG_IO shim before the emulator
    log=$1; shift
    rm -f "$log"
    SAFEFLASH_SGLOG="$log" ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
        LD_PRELOAD="${ASAN_RT:+$ASAN_RT }$SGLOG $BUILD/libsafeflash-emu.so" "$@"
}
wb() { grep 'cdb=3b' "$1" | sed 's/ status=.*//' || true; }
rev() { "$SFEMU" state "$1" | jq -r '.subenclosures[0].revision'; }
deferred() { "$SFEMU" state "$1" | jq -r '.subenclosures[0].deferred'; }
mkimg "$WORK/a200.bin" A200 300000 SFHDD-12T
mkimg "$WORK/a300.bin" A300 300000 SFHDD-12T
mkimg "$WORK/other.bin" B100 300000 OTHERDISK
"$SFEMU" mkimage --product SFHDD-12T --revision A400 --size 300000 --corrupt -o "$WORK/bad.bin"

step "list --all shows the drives and their revisions; show says they are not enclosures"
expect_exit 0 sfp list --all
expect_contains "list" "$OUT" "$D0"
expect_contains "revision" "$OUT" "A100"
expect_exit 0 sfp show $D0
expect_contains "show describes the drive" "$OUT" "drive SFEMU"

step "dry run: identification only, no WRITE BUFFER"
expect_exit 0 logged "$WORK/dry.log" "$SF" install --yes --dry-run "$WORK/a200.bin" $D0
expect_contains "says so" "$OUT" "dry run"
expect_eq "WRITE BUFFER commands" "$(wb "$WORK/dry.log" | wc -l)" 0
expect_contains "READ BUFFER descriptor read" "$(cat "$WORK/dry.log")" "cdb=3c03"

step "auto = 0Eh: stored in chunks the descriptor allows, nothing runs until activate"
expect_exit 0 logged "$WORK/store.log" "$SF" install --yes --chunk-size 5000 "$WORK/a200.bin" $D0
expect_contains "stored" "$OUT" "stored (mode 0Eh)"
expect_eq "still runs" "$(rev $D0)" A100
expect_eq "holds deferred" "$(deferred $D0)" A200
# 5000 rounded down to the 512-byte offset boundary: 4608 = 001200h.
# "v3 cdb=3b0e00" then the offset (6 hex digits), then the length.
expect_eq "chunk sizes" "$(wb "$WORK/store.log" | cut -c20-25 | sort | uniq -c | sort -rn | head -1 | awk '{print $2}')" "001200"
bad=0
for off in $(wb "$WORK/store.log" | cut -c14-19); do (( 16#$off % 512 )) && bad=$((bad + 1)); done
expect_eq "offsets off the boundary" "$bad" 0
expect_eq "no activate" "$(grep -c 'cdb=3b0f' "$WORK/store.log" || true)" 0
expect_exit 0 sfp install --yes "$WORK/a200.bin" $D0
expect_contains "not downloaded twice" "$OUT" "already stored by attempt"

step "activate: 0Fh, the UNIT ATTENTION and NOT READY of the restart waited out, INQUIRY verifies"
expect_exit 0 sfp activate --yes $D0
expect_contains "updated" "$OUT" "updated A100 -> A200"
expect_contains "the drive's announcement" "$OUT" "UNIT ATTENTION 3Fh/01h"
expect_eq "runs" "$(rev $D0)" A200
# Nothing stored: a no-op, said, exit 0 (issue 19; was 1).
expect_exit 0 sfp activate --yes $D0
expect_contains "nothing left to activate" "$OUT" "no deferred microcode stored"
expect_contains "one summary line" "$OUT" "nothing to activate: no deferred microcode was stored"

step "a drive without deferred modes: auto falls back to 07h, then --mode save (05h) is one command"
expect_exit 0 sfp install --yes "$WORK/a200.bin" $D1
expect_contains "fallback said" "$ERR" "refused mode 0Eh"
expect_contains "updated" "$OUT" "updated A100 -> A200"
expect_exit 0 logged "$WORK/save.log" "$SF" install --yes --mode save "$WORK/a300.bin" $D1
expect_eq "one WRITE BUFFER" "$(wb "$WORK/save.log" | cut -d' ' -f2,3)" "cdb=3b050000000004940400 out=300036"
expect_eq "runs" "$(rev $D1)" A300
expect_exit 1 sfp install --yes --mode deferred "$WORK/a200.bin" $D1
expect_contains "says the drive lacks 0Eh" "$OUT" "does not support 0Eh"
expect_eq "unchanged" "$(rev $D1),$(deferred $D1)" "A300,"

step "a chunk fails (MEDIUM ERROR on the 3rd): stop there, name it, never activate"
# 5 identification commands (INQUIRY, TEST UNIT READY, VPD 80h and 83h,
# READ BUFFER), then the chunks.
"$SFEMU" fault $D0 8 check=3/11/00
expect_exit 1 logged "$WORK/fail.log" "$SF" install --yes --mode 0Eh --chunk-size 16384 --activate "$WORK/a300.bin" $D0
expect_contains "names the chunk and the sense" "$OUT" "chunk at offset 32768 (16384 of 300036 bytes) failed"
expect_contains "sense" "$OUT" "Medium Error"
expect_contains "no activation" "$OUT" "no activation sent"
expect_eq "no 0Fh sent" "$(grep -c 'cdb=3b0f' "$WORK/fail.log" || true)" 0
expect_eq "nothing after the failed chunk" "$(wb "$WORK/fail.log" | tail -1 | cut -d' ' -f2)" "cdb=3b0e0000800000400000"
expect_eq "drive unchanged" "$(rev $D0),$(deferred $D0)" "A200,"
expect_exit 0 sfp resume --yes
expect_contains "resume finished it" "$OUT" "updated A200 -> A300"

step "a reset mid-download: the drive dropped the partial image, so it all goes again from 0"
"$SFEMU" fault $D0 9 reset
expect_exit 0 logged "$WORK/reset.log" "$SF" install --yes --mode 07h --chunk-size 65536 --allow-downgrade "$WORK/a200.bin" $D0
expect_contains "notice" "$ERR" "sending the image again from offset 0"
expect_eq "offset 0 sent twice" "$(wb "$WORK/reset.log" | grep -c 'cdb=3b0700000000')" 2
expect_eq "runs" "$(rev $D0)" A200

step "a corrupt image: the drive refuses it on the last chunk; nothing changes"
expect_exit 1 sfp install --yes --mode 07h "$WORK/bad.bin" $D0
expect_contains "the drive's reason" "$OUT" "Invalid field in parameter list"
expect_eq "runs" "$(rev $D0)" A200

step "0Dh: stored with PO_ACT|HR_ACT; a hard reset starts it; activate then finds it running"
expect_exit 0 logged "$WORK/m0d.log" "$SF" install --yes --mode events "$WORK/a300.bin" $D0
expect_contains "stored" "$OUT" "stored (mode 0Dh)"
expect_contains "mode-specific bits 110b" "$(wb "$WORK/m0d.log" | head -1)" "cdb=3bcd"
"$SFEMU" reset $D0
expect_eq "the reset started it" "$(rev $D0)" A300
expect_exit 0 sfp activate --yes $D0
expect_contains "history knew" "$OUT" "already runs"

step "packages: vendor/product from INQUIRY, version order"
"$SF" key generate "$WORK/k" >/dev/null
mkdir -p "$WORK/keys" && cp "$WORK/k.pub" "$WORK/keys/"
export SAFEFLASH_KEYS="$WORK/keys"
"$SF" package create --image "$WORK/other.bin" --vendor SFEMU --product OTHERDISK --version 1.0 \
    --revision B100 --sign "$WORK/k.key" -o "$WORK/other.sfpkg" >/dev/null
expect_exit 15 sfp install --yes "$WORK/other.sfpkg" $D0
expect_contains "refused, naming the drive" "$ERR" "is drive SFEMU SFHDD-12T"
"$SF" package create --image "$WORK/a200.bin" --vendor SFEMU --product 'SFHDD-*' --version 2.0 \
    --revision A200 --mode immediate --sign "$WORK/k.key" -o "$WORK/old.sfpkg" >/dev/null
expect_exit 16 sfp install --yes "$WORK/old.sfpkg" $D0
expect_contains "downgrade refused" "$ERR" "refusing a downgrade"
expect_exit 0 sfp install --yes --allow-downgrade "$WORK/old.sfpkg" $D0
expect_contains "D0" "$OUT" "$D0 drive: updated A300 -> A200"
"$SF" package create --image "$WORK/a300.bin" --vendor SFEMU --product 'SFHDD-*' --version 3.0 \
    --revision A300 --mode immediate --sign "$WORK/k.key" -o "$WORK/new.sfpkg" >/dev/null
expect_exit 0 sfp install --yes "$WORK/new.sfpkg" $D0 $D1
expect_contains "D0" "$OUT" "$D0 drive: updated A200 -> A300"
expect_contains "D1 already there" "$OUT" "already runs A300: skipped"

step "--json: one event per line, drives marked as such"
expect_exit 0 sfp install --yes --json --mode 07h "$WORK/a200.bin" $D1
expect_eq "every line is JSON" "$(printf '%s\n' "$OUT" | jq -c . >/dev/null 2>&1 && echo yes)" yes
expect_contains "kind" "$OUT" '"class":"drive"'
expect_eq "result" "$(printf '%s\n' "$OUT" | jq -r 'select(.event=="result") | .item.outcome')" updated

step "enclosure-only and drive-only options are refused where they do not apply"
expect_exit 3 sfp install --yes --subenclosure 1 "$WORK/a300.bin" $D0
expect_contains "no subenclosures on a drive" "$ERR" "leave --subenclosure out"
expect_exit 2 sfp install --yes --mode bogus "$WORK/a300.bin" $D0
one_line "usage error" "$ERR"

step "interop: sg_write_buffer and safeflash send the same WRITE BUFFER commands and data"
logged "$WORK/sgwb.log" sg_write_buffer -m 0xe -b 16k,act -I "$WORK/a200.bin" $D0
expect_eq "sg_write_buffer ran the image" "$(rev $D0)" A200
expect_exit 0 logged "$WORK/sfwb.log" "$SF" install --yes --mode 0Eh --chunk-size 16384 --activate --expect-revision A200 "$WORK/a200.bin" $D0
expect_eq "identical" "$(wb "$WORK/sfwb.log")" "$(wb "$WORK/sgwb.log")"
expect_eq "count" "$(wb "$WORK/sfwb.log" | wc -l)" $(( (300036 + 16383) / 16384 + 1 ))
finish
