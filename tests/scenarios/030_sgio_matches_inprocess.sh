#!/bin/bash
# The CLI through the preload library (the real SG_IO code path) gives the
# same answers as the in-process emulator transport.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_setup "$ROOT/examples/emu/jbod.conf"
DEV=/dev/sg-emu-jbod0

step "show --json: SG_IO path vs in-process"
expect_exit 0 preload "$SF" show --json $DEV
A=$(jq -S 'del(.transport)' <<<"$OUT"); TA=$(jq -r .transport <<<"$OUT")
expect_exit 0 "$SF" show --json $DEV
B=$(jq -S 'del(.transport)' <<<"$OUT"); TB=$(jq -r .transport <<<"$OUT")
expect_eq "transport under preload" "$TA" "sgio"
expect_eq "transport in-process" "$TB" "emulator"
expect_eq "identical show output" "$A" "$B"

step "list --json: SG_IO path vs in-process"
expect_exit 0 preload "$SF" list --json
A=$OUT
expect_exit 0 "$SF" list --json
expect_eq "identical list output" "$A" "$OUT"

step "forcing SAFEFLASH_TRANSPORT=sgio without the preload library fails as on a missing node"
expect_exit 3 env SAFEFLASH_TRANSPORT=sgio "$SF" show $DEV
one_line "error" "$ERR"
expect_contains "error" "$ERR" "no such device"

step "a device seen in sysfs and declared in the config is listed once"
mkdir -p "$WORK/sys/class/scsi_generic/sg900/device"
echo 13 > "$WORK/sys/class/scsi_generic/sg900/device/type"
sed 's|/dev/sg-emu-jbod0|/dev/sg900|' "$ROOT/examples/emu/jbod.conf" > "$WORK/emu.conf"
export SAFEFLASH_SYSFS="$WORK/sys"
expect_exit 0 preload "$SF" list --json
expect_eq "one row" "$(jq '.devices|length' <<<"$OUT")" "1"
expect_eq "found by the sysfs scan" "$(jq -r '.devices[0].source' <<<"$OUT")" "sysfs"
expect_eq "identified over SG_IO" "$(jq -r '.devices[0].vendor' <<<"$OUT")" "SFEMU"
finish
