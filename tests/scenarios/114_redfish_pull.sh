#!/bin/bash
# --pull: the one way safeflash lets a BMC fetch an image itself
# (SimpleUpdate), only when asked, and always with the warning of field
# report 002.  The pull works from a live server; when the server is gone
# mid-update the BMC's task ends TransferFailed and safeflash says so and
# fails - the inventory, unchanged, agrees.
. "$(dirname "$0")/../lib/common.sh"
set -e
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo
mkdir -p "$WORK/www"
"$SFBMC" mkimage --component bmc --version 2.11.0 --size 300000 -o "$WORK/www/bmc.img"
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 400000 -o "$WORK/www/bios.img"
# A plain HTTP server for the images (busybox httpd), on a free port.
for _ in 1 2 3 4 5; do
    WPORT=$(shuf -i 20000-60000 -n 1)
    busybox httpd -f -p "127.0.0.1:$WPORT" -h "$WORK/www" & WPID=$!
    BMC_PIDS="$BMC_PIDS $WPID"
    sleep 0.3
    curl -sf -o /dev/null "http://127.0.0.1:$WPORT/bmc.img" && break
done
bmc_start "$ROOT/examples/emu/board.conf"; T="redfish://admin@127.0.0.1:$BMC_PORT"

step "without --pull nothing is ever pulled; --pull needs one component and no image"
expect_exit 2 "$SF" install "$WORK/www/bios.img" "$T" --pull "http://127.0.0.1:$WPORT/bios.img" --component bios --plain-http --yes
expect_contains "one or the other" "$ERR" "--pull URL stands for the image"
expect_exit 2 "$SF" install "$T" --pull "tftp://127.0.0.1/bios.img" --component bios --plain-http --yes
expect_contains "http(s) only" "$ERR" "--pull takes an http:// or https:// URL"
expect_exit 0 "$SF" show "$T" --plain-http
expect_eq "no pull so far" "$(bmc_state .pulls)" "0"

step "--pull: warned, then the BMC fetches the BIOS itself; staged and verified like a push"
expect_exit 0 "$SF" install --pull "http://127.0.0.1:$WPORT/bios.img" "$T" --component bios --plain-http --yes --reboot-host
expect_contains "the warning" "$ERR" "warning: --pull: the BMC will fetch http://127.0.0.1:$WPORT/bios.img itself"
expect_contains "the field report" "$ERR" "field report 002"
expect_eq "the warning is one line" "$(grep -c warning <<<"$ERR")" "1"
expect_contains "plan" "$OUT" "pulled by the BMC (SimpleUpdate)"
expect_contains "verified" "$OUT" "BIOS: updated R01.01.0011 -> R01.01.0012 (from the firmware inventory)"
expect_eq "one pull, no push of bytes from here" "$(bmc_state '"\(.pulls) \(.pushed.bios)"')" "1 1"

step "the image server goes away: the BMC's transfer fails, and so does the update"
kill "$WPID"; wait "$WPID" 2>/dev/null || true
expect_exit 1 "$SF" install --pull "http://127.0.0.1:$WPORT/bmc.img" "$T" --component bmc --plain-http --yes
expect_contains "TransferFailed, in one line" "$OUT" "BMC: failed: following the task: the BMC's task ended Exception: Update.1.0.TransferFailed"
expect_exit 0 "$SF" show "$T" --plain-http --json
expect_eq "the BMC still runs what it ran" "$(jq -r '.firmware[] | select(.component == "bmc") | .version' <<<"$OUT")" "2.10.0"
expect_exit 0 "$SF" history --json
expect_eq "history records the pull" "$(jq -r '[.[] | select(.mode == "pull") | .product + ":" + .result] | join(" ")' <<<"$OUT")" "bios:updated bmc:failed"
bmc_stop "$BMC_PID"

step "a BMC without SimpleUpdate: --pull is refused before anything happens"
bmc_start "$(board_conf '{"quirks": {"no_simple_update": true}}' nopull)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 10 "$SF" install --pull "http://127.0.0.1:$WPORT/bmc.img" "$T" --component bmc --plain-http --yes
expect_contains "said" "$ERR" "offers no UpdateService.SimpleUpdate"

step "one safeflash per BMC: a second run waits for nobody and says who holds it"
"$SF" install "$WORK/www/bmc.img" "$T" --component bmc --plain-http --yes > "$WORK/o" 2>&1 &
sfpid=$!
for _ in $(seq 100); do [ "$(bmc_state .pushes)" = 1 ] && break; sleep 0.05; done
expect_exit 8 "$SF" activate "$T" --plain-http --yes
expect_contains "locked" "$ERR" "is updating this BMC; wait for it to finish"
one_line "one line" "$ERR"
set +e; wait $sfpid; rc=$?; set -e
expect_eq "the first run finished undisturbed" "$rc" "0"
finish
