#!/bin/bash
# Enclosures and drives on the update engine (issue 18): a state directory
# that cannot record the update - a damaged database, a read-only file
# system, a full one - refuses it before a single page is sent, in one
# line, with exit 18; a kill while the devices are still being identified
# (before any attempt exists) is finished by 'resume DEVICE' and by a bare
# 'resume', because a --yes run is journaled, with its staged image, before
# the first command; and the quick kill sweep (scripts/killsweep-scsi:
# every fourth SCSI command of an immediate, a deferred, an activate and a
# drive update, killed before and after it) ends with no violation.
. "$(dirname "$0")/../lib/common.sh"
set -e
DEV=/dev/sg-emu-jbod0
FAST="--poll-interval 5 --timeout 60"
emu_setup "$ROOT/examples/emu/jbod.conf"
"$BUILD/sfemu" mkimage --product JBOD-2U24 --revision 0300 --size 200000 -o "$WORK/fw.bin" > /dev/null
untouched() { # what: no processor changed, nothing half-sent
    expect_eq "$1" "$(preload "$BUILD/sfemu" state $DEV |
        jq -r '[.subenclosures[]|"\(.revision)/\(.download_status)/\(.downloads)"]|join(",")')" \
        "0100/0/0,0207/0/0"
}

step "a damaged history database: refused before a page is sent"
mkdir -p "$SAFEFLASH_STATE_DIR"
head -c 8192 /dev/urandom > "$SAFEFLASH_STATE_DIR/history.db"
expect_exit 18 preload "$SF" install --yes $FAST "$WORK/fw.bin" $DEV
one_line "damaged" "$ERR"
expect_contains "says why" "$ERR" "journal"
untouched "enclosure untouched"
rm -rf "$SAFEFLASH_STATE_DIR"

M="$WORK/mnt"; mkdir -p "$M"
if ! mount -t tmpfs -o size=1m tmpfs "$M" 2>/dev/null; then
    fail "cannot mount a tmpfs for the state directory (this scenario needs root)"; finish
fi
trap 'umount "$M" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export SAFEFLASH_STATE_DIR="$M/state"

step "a read-only state directory: refused before a page is sent"
mkdir -p "$SAFEFLASH_STATE_DIR"
mount -o remount,ro "$M"
expect_exit 18 preload "$SF" install --yes $FAST "$WORK/fw.bin" $DEV
one_line "read-only" "$ERR"
untouched "enclosure untouched"
mount -o remount,rw "$M"

step "a full state directory: refused before a page is sent"
dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null || true
expect_exit 18 preload "$SF" install --yes $FAST "$WORK/fw.bin" $DEV
one_line "full" "$ERR"
untouched "enclosure untouched"
rm -f "$M/filler"
umount "$M" || true
export SAFEFLASH_STATE_DIR="$WORK/state"
rm -rf "$SAFEFLASH_STATE_DIR"

step "killed while identifying the enclosure: 'resume DEVICE' finishes the install"
set +e
SAFEFLASH_EMU_KILL_AT=2 preload "$SF" install --yes $FAST --mode immediate "$WORK/fw.bin" $DEV > /dev/null 2>&1
set -e
untouched "nothing sent before the kill"
expect_exit 0 preload "$SF" resume --yes $FAST $DEV
expect_contains "both processors" "$OUT" "subenclosure 1: updated 0207 -> 0300"
expect_exit 0 "$SF" status --json
expect_eq "the run is complete" "$(jq -r .state <<<"$OUT")" "completed"

step "... and a bare 'resume' does the same"
rm -f "$WORK"/*.state; rm -rf "$SAFEFLASH_STATE_DIR"
set +e
SAFEFLASH_EMU_KILL_AFTER=3 preload "$SF" install --yes $FAST --mode immediate "$WORK/fw.bin" $DEV > /dev/null 2>&1
set -e
expect_exit 0 preload "$SF" resume
expect_contains "both processors" "$OUT" "subenclosure 0: updated 0100 -> 0300"
expect_eq "each image sent once" "$(preload "$BUILD/sfemu" state $DEV | jq -c '[.subenclosures[].downloads]')" "[1,1]"

step "killed mid-download, then the media is gone (field report 002): the staged copy finishes it"
rm -f "$WORK"/*.state; rm -rf "$SAFEFLASH_STATE_DIR"
cp "$WORK/fw.bin" "$WORK/media.bin"
set +e
SAFEFLASH_EMU_KILL_AFTER=7 preload "$SF" install --yes $FAST --mode immediate "$WORK/media.bin" $DEV > /dev/null 2>&1
set -e
rm -f "$WORK/media.bin"
expect_exit 0 preload "$SF" resume
expect_contains "both processors" "$OUT" "subenclosure 1: updated 0207 -> 0300"
expect_eq "each image sent once" "$(preload "$BUILD/sfemu" state $DEV | jq -c '[.subenclosures[].downloads]')" "[1,1]"

step "kill at every fourth SCSI command, before and after it; one recovery each"
if "$ROOT/scripts/killsweep-scsi" "$BUILD" quick > "$WORK/sweep" 2>&1; then
    sed 's/^/   /' "$WORK/sweep"; echo "   ok: no violations"
else
    fail "kill sweep: $(cat "$WORK/sweep")"
fi
finish
