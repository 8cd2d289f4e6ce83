#!/bin/bash
# The journal is authoritative (issue 18): a state directory that cannot
# record the update - a damaged database, a read-only file system, a full
# one - refuses it before anything is written to the flash, in one line,
# with exit 18; and the kill sweep (scripts/killsweep-flash, quick: every
# third writing operation, killed before it and after it) finishes every
# interrupted install with one recovery and no violation.
. "$(dirname "$0")/../lib/common.sh"
set -e
AB="$ROOT/examples/flash/ab.layout"
blank() { head -c 4194304 /dev/zero | tr '\0' '\377' > "$1"; rm -f "$1.locks"; }
head -c 300000 /dev/urandom > "$WORK/v1.bin"
F="$WORK/board.bin"; T="file:$F"
blank "$F"
before=$(sha256sum < "$F")

step "a damaged history database: refused before anything is written"
mkdir -p "$SAFEFLASH_STATE_DIR"
head -c 8192 /dev/urandom > "$SAFEFLASH_STATE_DIR/history.db"
expect_exit 18 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes
one_line "damaged" "$ERR"
expect_contains "says why" "$ERR" "journal"
expect_eq "flash untouched" "$(sha256sum < "$F")" "$before"
expect_exit 18 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes --json
expect_eq "JSON says so too" "$(jq -r 'select(.event == "error") | .exit_code' <<<"$OUT")" "18"
rm -rf "$SAFEFLASH_STATE_DIR"

# A file system of its own for the state directory: tmpfs (as root), so
# that it can be made read-only and full for real.
M="$WORK/mnt"; mkdir -p "$M"
if ! mount -t tmpfs -o size=1m tmpfs "$M" 2>/dev/null; then
    fail "cannot mount a tmpfs for the state directory (this scenario needs root)"; finish
fi
trap 'umount "$M" 2>/dev/null || true; rm -rf "$WORK"' EXIT
export SAFEFLASH_STATE_DIR="$M/state"

step "a read-only state directory: refused before anything is written"
blank "$WORK/other.bin"
expect_exit 0 "$SF" install "$WORK/v1.bin" "file:$WORK/other.bin" --layout "$AB" --image-version 1.0 --yes
mount -o remount,ro "$M"
expect_exit 18 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes
one_line "read-only" "$ERR"
expect_eq "flash untouched" "$(sha256sum < "$F")" "$before"
mount -o remount,rw "$M"

step "a full state directory: refused before anything is written"
rm -rf "$SAFEFLASH_STATE_DIR"; mkdir -p "$SAFEFLASH_STATE_DIR"
dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null || true
expect_exit 18 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes
one_line "full" "$ERR"
expect_eq "flash untouched" "$(sha256sum < "$F")" "$before"

step "full once the image is staged: the run's records cannot be written"
rm -f "$M/filler"; rm -rf "$SAFEFLASH_STATE_DIR"
blank "$WORK/other.bin"
expect_exit 0 "$SF" install "$WORK/v1.bin" "file:$WORK/other.bin" --layout "$AB" --image-version 1.0 --yes
dd if=/dev/zero of="$M/filler" bs=1k 2>/dev/null || true
expect_exit 18 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes
one_line "full" "$ERR"
expect_eq "flash untouched" "$(sha256sum < "$F")" "$before"
rm -f "$M/filler"
expect_exit 0 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes
expect_contains "with room again it runs" "$OUT" "updated: (nothing) -> 1.0"
umount "$M" || true
export SAFEFLASH_STATE_DIR="$WORK/state"

step "kill at every third writing operation, before and after it; one recovery each"
if "$ROOT/scripts/killsweep-flash" "$BUILD" quick > "$WORK/sweep" 2>&1; then
    cat "$WORK/sweep" | sed 's/^/   /'; echo "   ok: no violations"
else
    fail "kill sweep: $(cat "$WORK/sweep")"
fi
finish
