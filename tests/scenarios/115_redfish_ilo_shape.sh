#!/bin/bash
# Three things real services do that the emulator's default does not: iLO
# writes Location headers (its sessions, its task monitors) as absolute
# URLs; a large FirmwareInventory may come in pages joined by
# Members@odata.nextLink (DSP0266 paging); a service on a web framework's
# strict routes answers only /redfish/v1/ and redirects /redfish/v1.  And
# DSP0266's plain task monitor, which shows no Task at all: 202 with no
# body while running, then the operation's own answer.
# safeflash must follow the paths of those URLs on the connection it has
# (never a redirect, never elsewhere), log out of every session it made
# (BMCs allow only a few), and read every page before it plans anything.
. "$(dirname "$0")/../lib/common.sh"
set -e
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 400000 -o "$WORK/bios.img"
"$SFBMC" mkimage --component bmc --version 2.11.0 --size 300000 -o "$WORK/bmc.img"

step "the service answers as configured (redirected root, paged, absolute Locations)"
bmc_start "$(board_conf '{"quirks": {"absolute_location": true, "page_size": 1,
                                    "root_slash_only": true}}' ilo)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_eq "/redfish/v1 is redirected" "$(bmc_code /redfish/v1)" "308"
expect_eq "/redfish/v1/ answers" "$(bmc_code /redfish/v1/)" "200"
PAGE=$(curl -s -u admin:redfish-demo "http://127.0.0.1:$BMC_PORT/redfish/v1/UpdateService/FirmwareInventory")
expect_eq "one member a page" "$(jq '.Members | length' <<<"$PAGE")" "1"
expect_contains "a next page" "$(jq -r '."Members@odata.nextLink"' <<<"$PAGE")" "?\$skip=1"
HDR=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
      -d '{"UserName":"admin","Password":"redfish-demo"}' "http://127.0.0.1:$BMC_PORT/redfish/v1/SessionService/Sessions")
expect_contains "an absolute session Location" "$HDR" "Location: http://127.0.0.1:$BMC_PORT/redfish/v1/SessionService/Sessions/"
curl -s -o /dev/null -X DELETE -H "X-Auth-Token: $(sed -n 's/^X-Auth-Token: //p' <<<"$HDR" | tr -d '\r')" \
    "$(sed -n 's/^Location: //p' <<<"$HDR" | tr -d '\r')"
expect_eq "curl logged out again" "$(bmc_state .sessions)" "0"
LOGINS0=$(bmc_state .logins)

step "show reads every page, and logs out of its session"
expect_exit 0 "$SF" show "$T" --plain-http --json
expect_eq "all members" "$(jq -r '[.firmware[].id] | sort | join(" ")' <<<"$OUT")" "bios bios_backup bmc me"
expect_eq "one more login" "$(bmc_state .logins)" "$((LOGINS0 + 1))"
expect_eq "and no session left behind" "$(bmc_state .sessions)" "0"

step "install follows absolute task monitors through a BMC reset; activate finishes"
expect_exit 12 "$SF" install "$WORK/bmc.img" "$WORK/bios.img" "$T" --component bmc --component bios \
    --plain-http --yes
expect_contains "BIOS staged" "$OUT" "BIOS: staged, pending host reset"
expect_contains "the BMC verified" "$OUT" "BMC: updated 2.10.0 -> 2.11.0 (from the firmware inventory)"
expect_exit 0 "$SF" activate "$T" --plain-http --yes
expect_contains "BIOS verified" "$OUT" "BIOS: updated R01.01.0011 -> R01.01.0012"
expect_eq "no session left behind" "$(bmc_state .sessions)" "0"
bmc_stop "$BMC_PID"

step "a plain task monitor: 202 with no body, then the operation's answer"
"$SFBMC" mkimage --component me --version 4.1.5.2 --size 100000 -o "$WORK/me.img"
bmc_start "$(board_conf '{"quirks": {"bare_monitor": true}}' bare)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 12 "$SF" install "$WORK/me.img" "$T" --component me --plain-http --yes
expect_contains "staged" "$OUT" "ME: staged, pending host reset"
expect_exit 1 "$SF" install "$WORK/bios.img" "$T" --component me --plain-http --yes --restart
expect_contains "the failure in the BMC's words" "$OUT" \
    "ME: failed: following the task: the BMC's task ended with HTTP 500: The image is for component 'bios'"
bmc_stop "$BMC_PID"
finish
