#!/bin/bash
# Redfish services as they are, not as the schema would have them: a BMC
# that only pulls (older servers) is shown, and a push to it is refused
# before anything is sent; links written off-schema (RelatedItem as a bare
# string or one object) still say what a member is; and every failure of
# install and activate says why in text - one "safeflash:" line on stderr
# - in the same words --json carries in "error" (a BMC whose Systems
# answer 404 cannot have its host reset: the staged firmware waits).
. "$(dirname "$0")/../lib/common.sh"
set -e
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo
mkdir -p "$WORK/www"
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 400000 -o "$WORK/www/bios.img"
"$SFBMC" mkimage --component me --version 4.1.5.2 --size 100000 -o "$WORK/www/me.img"
"$SFBMC" mkimage --component bmc --version 2.11.0 --size 300000 -o "$WORK/www/bmc.img"
BIOS="$WORK/www/bios.img"; ME="$WORK/www/me.img"

# text_and_json CODE CMD... : CMD fails with CODE, saying why in text in
# exactly one "safeflash:" line on stderr (warnings aside), and run again
# with --json carries the same words in "error".
text_and_json() {
    local code=$1; shift
    expect_exit "$code" "$@"
    local lines text
    lines=$(grep '^safeflash: ' <<<"$ERR" | grep -vc '^safeflash: warning:' || true)
    expect_eq "one 'safeflash:' line on stderr" "$lines" "1"
    text=$(grep '^safeflash: ' <<<"$ERR" | grep -v '^safeflash: warning:' | sed 's/^safeflash: //')
    expect_exit "$code" "$@" --json
    expect_eq "--json's error, word for word" "$(jq -r 'select(.event == "summary" or .event == "error") | .error // .message' <<<"$OUT")" "$text"
    expect_eq "--json's exit code" "$(jq -r 'select(.event == "summary" or .event == "error") | .exit_code' <<<"$OUT")" "$code"
}

step "a BMC whose Systems answer 404: the host reset cannot be asked for, and the text says why"
bmc_start "$(board_conf '{"quirks": {"no_systems": true}}' nosys)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_eq "Systems answer 404" "$(bmc_code /redfish/v1/Systems -u admin:redfish-demo)" "404"
text_and_json 1 "$SF" install "$ME" "$T" --component me --plain-http --yes --reboot-host
expect_contains "the reason" "$OUT" "the host reset could not be requested (GET /redfish/v1/Systems"
expect_contains "what waits" "$OUT" "the staged firmware waits for the host's next reset"
expect_eq "pushed once: the rerun found it still staged" "$(bmc_state .pushed.me)" "1"
expect_exit 0 "$SF" history --json
expect_eq "recorded as stored, for activate" "$(jq -r '[.[] | select(.product == "me") | .result] | unique | join(" ")' <<<"$OUT")" "stored"
text_and_json 1 "$SF" activate "$T" --plain-http --yes
expect_contains "activate says why too" "$OUT" "the host reset could not be requested"
expect_eq "the host was never reset" "$(bmc_state .host_resets)" "0"
bmc_stop "$BMC_PID"

step "other failures: one line in text, the same words in --json"
bmc_start "$ROOT/examples/emu/board.conf"; T="redfish://admin@127.0.0.1:$BMC_PORT"
SAFEFLASH_REDFISH_PASSWORD=wrong text_and_json 4 "$SF" install "$ME" "$T" --component me --plain-http --yes
SAFEFLASH_REDFISH_PASSWORD=wrong text_and_json 4 "$SF" activate "$T" --plain-http --yes
text_and_json 15 "$SF" install "$ME" "$T" --component cpld --plain-http --yes
text_and_json 19 "$SF" install "$WORK/nothing.img" "$T" --component me --plain-http --yes
"$SFBMC" mkimage --component bios --version R01.01.0013 --size 1000 -o "$WORK/bios-as-me.img"
text_and_json 1 "$SF" install "$WORK/bios-as-me.img" "$T" --component me --plain-http --yes
expect_contains "the BMC's words" "$OUT" "VerificationFailed"
expect_exit 8 "$SF" install "$ME" "$T" --component me --plain-http < /dev/null
one_line "not confirmed" "$ERR"
expect_eq "nothing reached the BMC but the wrong image" "$(bmc_state .pushes)" "2"
bmc_stop "$BMC_PID"

step "a BMC that only pulls (SimpleUpdate, no push URI): show works; a push is refused before anything is sent"
bmc_start "$(board_conf '{"quirks": {"pull_only": true}}' pull)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 0 "$SF" show "$T" --plain-http
expect_contains "how it takes images" "$OUT" "images by pull only (SimpleUpdate: install needs --pull URL)"
expect_contains "what it runs" "$OUT" "  bios             R01.01.0011"
expect_exit 0 "$SF" show "$T" --plain-http --json
expect_eq "--json says so" "$(jq -c '[.http_push, .multipart_push, .simple_update]' <<<"$OUT")" '[false,false,true]'
expect_exit 10 "$SF" install "$BIOS" "$T" --component bios --plain-http --yes
one_line "refused in one line" "$ERR"
expect_contains "with the way out" "$ERR" "it only pulls them (SimpleUpdate) - put the image on an http(s) server and use --pull URL"
expect_eq "nothing was sent" "$(bmc_state .pushes)" "0"
# A plain HTTP server for the image (busybox httpd), on a free port.
for _ in 1 2 3 4 5; do
    WPORT=$(shuf -i 20000-60000 -n 1)
    busybox httpd -f -p "127.0.0.1:$WPORT" -h "$WORK/www" & WPID=$!
    BMC_PIDS="$BMC_PIDS $WPID"
    sleep 0.3
    curl -sf -o /dev/null "http://127.0.0.1:$WPORT/bios.img" && break
done
expect_exit 0 "$SF" install --pull "http://127.0.0.1:$WPORT/bios.img" "$T" --component bios --plain-http --yes --reboot-host
expect_contains "the plan says who fetches" "$OUT" "pulled by the BMC (SimpleUpdate)"
expect_contains "pulled, then verified" "$OUT" "BIOS: updated R01.01.0011 -> R01.01.0012 (from the firmware inventory)"
bmc_stop "$BMC_PID"
kill "$WPID" 2>/dev/null || true

for style in string object; do
    step "RelatedItem and Links.ManagedBy written off-schema (as one $style): still read"
    bmc_start "$(board_conf "{\"quirks\": {\"opaque_ids\": true, \"link_style\": \"$style\"}}" "links-$style")"
    T="redfish://admin@127.0.0.1:$BMC_PORT"
    expect_eq "written so" "$(curl -s -u admin:redfish-demo "http://127.0.0.1:$BMC_PORT/redfish/v1/Systems/system" | jq -r '.Links.ManagedBy | type')" "$style"
    expect_exit 0 "$SF" show "$T" --plain-http --json
    expect_eq "the BMC by its Manager link, the BIOS by its Bios link" \
        "$(jq -r '[.firmware[] | select(.component) | .component + "=" + (.class // "-")] | sort | join(" ")' <<<"$OUT")" "bios=bios bmc=bmc me=me"
    expect_exit 0 "$SF" install "$BIOS" "$T" --component bios --plain-http --yes --reboot-host
    expect_contains "updated" "$OUT" "bios: updated R01.01.0011 -> R01.01.0012"
    bmc_stop "$BMC_PID"
done
finish
