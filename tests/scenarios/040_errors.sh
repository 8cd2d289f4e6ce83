#!/bin/bash
# Every error an operator can hit is one line on stderr with its own
# documented exit code; nothing crashes or hangs.
. "$(dirname "$0")/../lib/common.sh"
set -e
# The error cases side by side (tests/lib/errors.conf).
cp "$ROOT/tests/lib/errors.conf" "$WORK/emu.conf"
export SAFEFLASH_EMU="$WORK/emu.conf"

for via in in-process preload; do
    run() { if [ $via = preload ]; then preload "$@"; else "$@"; fi; }
    step "($via) no such device -> 3"
    expect_exit 3 run "$SF" show /dev/sg-does-not-exist
    one_line "error" "$ERR"; expect_contains "error" "$ERR" "no such device"
    step "($via) not an enclosure: shown as a drive, as install takes it"
    expect_exit 0 run "$SF" show /dev/sg-disk
    expect_contains "a drive" "$OUT" "/dev/sg-disk: drive "
    step "($via) enclosure without SES pages -> 10"
    expect_exit 10 run "$SF" show /dev/sg-nopages
    one_line "error" "$ERR"; expect_contains "error" "$ERR" "answers no SES diagnostic pages"
    step "($via) garbage configuration page -> 6"
    expect_exit 6 run "$SF" show /dev/sg-garbage
    one_line "error" "$ERR"; expect_contains "error" "$ERR" "garbage"
done

step "permission denied -> 4"
touch "$WORK/node"; chmod 000 "$WORK/node"; chmod 755 "$WORK"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    expect_exit 4 setpriv --reuid=65534 --regid=65534 --clear-groups "$SF" show "$WORK/node"
    one_line "error" "$ERR"; expect_contains "error" "$ERR" "permission denied"
else
    expect_exit 4 "$SF" show "$WORK/node"
fi

step "a regular file is not a SCSI device -> 10"
chmod 644 "$WORK/node"
expect_exit 10 "$SF" show "$WORK/node"
one_line "error" "$ERR"; expect_contains "error" "$ERR" "not a SCSI device"

step "list shows the failures in place and keeps going"
expect_exit 0 "$SF" list --json
expect_eq "disk hidden without --all" "$(jq '[.devices[]|select(.target=="/dev/sg-disk")]|length' <<<"$OUT")" "0"
expect_eq "garbage listed with its exit code" \
    "$(jq '.devices[]|select(.target=="/dev/sg-garbage")|.exit_code' <<<"$OUT")" "6"
expect_exit 0 "$SF" list --all --json
expect_eq "--all shows the disk's revision" \
    "$(jq -r '.devices[]|select(.target=="/dev/sg-disk")|.version' <<<"$OUT")" "A001"

step "usage errors -> 2"
expect_exit 2 "$SF" show
one_line "missing device" "$ERR"
expect_exit 2 "$SF" show --bogus /dev/x
one_line "unknown flag" "$ERR"; expect_contains "unknown flag" "$ERR" "--bogus"
expect_exit 2 "$SF" frobnicate
one_line "unknown command" "$ERR"
expect_exit 2 "$SF"
expect_exit 2 "$SF" list extra

step "broken emulator config -> 11"
echo '{ "state": "s", "devices": [ { "path": "/dev/x" ' > "$WORK/bad.conf"
expect_exit 11 env SAFEFLASH_EMU="$WORK/bad.conf" "$SF" list
one_line "config error" "$ERR"; expect_contains "config error" "$ERR" "not valid JSON"
expect_exit 11 env SAFEFLASH_TRANSPORT=warp "$SF" show /dev/x
one_line "transport error" "$ERR"
finish
