#!/bin/bash
# Redfish boards on the update engine (issue 18): a state directory that
# cannot record the update - a damaged database, a read-only file system, a
# full one - refuses it before a single byte reaches the BMC, in one line,
# with exit 18; a --yes run killed while the BMC is still being read
# (before any attempt exists) is finished by 'resume TARGET' and by a bare
# 'resume' (J0 journals the run and its staged images first); and the
# smoke kill sweep (scripts/killsweep-redfish: every twelfth HTTP exchange
# of a BIOS+BMC update with --reboot-host, a staged BIOS, and activate,
# killed before and after it) ends with no violation.
. "$(dirname "$0")/../lib/common.sh"
set -e
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo
CONF="$ROOT/examples/emu/board.conf"
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 200000 -o "$WORK/bios.img"
"$SFBMC" mkimage --component bmc --version 2.11.0 --size 100000 -o "$WORK/bmc.img"
inv() { "$SF" show "$T" --plain-http --json | jq -r --arg id "$1" '.firmware[] | select(.id == $id) | .version'; }
untouched() { expect_eq "$1" "$(bmc_state '"\(.pushes) \(.host_resets)"')" "0 0"; }
INSTALL=(install "$WORK/bios.img" "$WORK/bmc.img" --component bios --component bmc --plain-http --yes --reboot-host --reset-timeout 60)

bmc_start "$CONF"; T="redfish://admin@127.0.0.1:$BMC_PORT"
step "a damaged history database: refused before anything reaches the BMC"
mkdir -p "$SAFEFLASH_STATE_DIR"
head -c 8192 /dev/urandom > "$SAFEFLASH_STATE_DIR/history.db"
expect_exit 18 "$SF" "${INSTALL[@]}" "$T"
one_line "damaged" "$ERR"
expect_contains "says why" "$ERR" "journal"
untouched "nothing pushed, the host not reset"
rm -rf "$SAFEFLASH_STATE_DIR"

M="$WORK/mnt"; mkdir -p "$M"
if ! mount -t tmpfs -o size=1m tmpfs "$M" 2>/dev/null; then
    fail "cannot mount a tmpfs for the state directory (this scenario needs root)"; finish
fi
trap 'umount "$M" 2>/dev/null || true; kill $BMC_PIDS 2>/dev/null || true; wait 2>/dev/null; rm -rf "$WORK"' EXIT
export SAFEFLASH_STATE_DIR="$M/state"

step "a read-only state directory: refused before anything reaches the BMC"
mkdir -p "$SAFEFLASH_STATE_DIR"
mount -o remount,ro "$M"
expect_exit 18 "$SF" "${INSTALL[@]}" "$T"
one_line "read-only" "$ERR"
untouched "nothing pushed, the host not reset"
mount -o remount,rw "$M"

step "a full state directory (the images cannot be staged): refused before anything reaches the BMC"
dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null || true
expect_exit 18 "$SF" "${INSTALL[@]}" "$T"
one_line "full" "$ERR"
untouched "nothing pushed, the host not reset"
rm -f "$M/filler"
umount "$M" || true
export SAFEFLASH_STATE_DIR="$WORK/state"
rm -rf "$SAFEFLASH_STATE_DIR"

# killnet: safeflash killed at its Nth HTTP exchange (an ASan build wants
# its runtime first in LD_PRELOAD).
ASAN_RT=""
ldd "$SF" 2>/dev/null | grep -q libasan && ASAN_RT="$(gcc -print-file-name=libasan.so)"
killnet() { ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} LD_PRELOAD="${ASAN_RT:+$ASAN_RT }$BUILD/libsafeflash-killnet.so" "$@"; }

step "killed while the BMC is read: 'resume TARGET' finishes the install from the journal"
set +e
SAFEFLASH_NET_KILL_AT=4 killnet "$SF" "${INSTALL[@]}" "$T" > /dev/null 2>&1
set -e
untouched "nothing sent before the kill"
expect_exit 0 "$SF" resume "$T"
expect_contains "the BIOS" "$OUT" "BIOS: updated R01.01.0011 -> R01.01.0012"
expect_contains "the BMC" "$OUT" "BMC: updated 2.10.0 -> 2.11.0"
expect_eq "each image pushed once, one host reset" "$(bmc_state '"\(.pushed.bios) \(.pushed.bmc) \(.host_resets)"')" "1 1 1"
expect_exit 0 "$SF" status --json
expect_eq "the run is complete" "$(jq -r .state <<<"$OUT")" "completed"
bmc_stop "$BMC_PID"

step "killed as the first image is pushed, the media then gone (field report 002): a bare 'resume' finishes it from the staged copies"
# Which exchange is the first push: a clean run against a BMC of its own.
bmc_start "$CONF"; T="redfish://admin@127.0.0.1:$BMC_PORT"
rm -rf "$SAFEFLASH_STATE_DIR"
SAFEFLASH_NET_LOG="$WORK/net.log" killnet "$SF" "${INSTALL[@]}" "$T" > /dev/null 2>&1
PUSH=$(grep -n 'POST .*update-multipart' "$WORK/net.log" | head -n1 | cut -d: -f1)
expect_eq "a push was logged" "$([ -n "$PUSH" ] && echo yes)" "yes"
bmc_stop "$BMC_PID"
bmc_start "$CONF"; T="redfish://admin@127.0.0.1:$BMC_PORT"
rm -rf "$SAFEFLASH_STATE_DIR"
cp "$WORK/bios.img" "$WORK/media-bios.img"; cp "$WORK/bmc.img" "$WORK/media-bmc.img"
set +e
SAFEFLASH_NET_KILL_AT=$PUSH killnet "$SF" install "$WORK/media-bios.img" "$WORK/media-bmc.img" \
    --component bios --component bmc --plain-http --yes --reboot-host --reset-timeout 60 "$T" > /dev/null 2>&1
set -e
rm -f "$WORK/media-bios.img" "$WORK/media-bmc.img"
untouched "killed before the push reached the BMC"
expect_exit 0 "$SF" resume
expect_eq "on the new versions" "$(inv bios) $(inv bmc)" "R01.01.0012 2.11.0"
expect_eq "each image pushed once, one host reset" "$(bmc_state '"\(.pushed.bios) \(.pushed.bmc) \(.host_resets)"')" "1 1 1"
bmc_stop "$BMC_PID"

step "kill at every twelfth HTTP exchange, before and after it; one recovery each"
if "$ROOT/scripts/killsweep-redfish" "$BUILD" smoke > "$WORK/sweep" 2>&1; then
    sed 's/^/   /' "$WORK/sweep"; echo "   ok: no violations"
else
    # Each violation on a FAIL line of its own, so that the suite's
    # summary shows what went wrong, not only the table's header.
    while IFS= read -r l; do fail "kill sweep: $l"; done < <(grep -v '^|' "$WORK/sweep" | head -20)
    fail "kill sweep: $(grep -c VIOLATION "$WORK/sweep") violation(s)"
fi
finish
