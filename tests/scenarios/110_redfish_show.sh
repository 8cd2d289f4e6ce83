#!/bin/bash
# Server boards over Redfish, first part: the emulated BMC (sfbmc) through
# real HTTP on loopback, `safeflash show redfish://...` (sessions and Basic,
# HTTPS with a CA, a pinned key or --insecure, clear one-line errors), the
# password never on the command line, 503s waited out, a BMC reset seen as
# refused connections, then 503, then 200 - and unmodified clients working
# against the same emulator: redfishtool for reads and raw POSTs, curl -F
# for a multipart push.
. "$(dirname "$0")/../lib/common.sh"
set -e
CONF="$ROOT/examples/emu/board.conf"
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo
bmc_start "$CONF"
T="redfish://admin@127.0.0.1:$BMC_PORT"
B="http://127.0.0.1:$BMC_PORT"

step "show: the firmware inventory, with the backup BIOS marked"
expect_exit 0 "$SF" show "$T" --plain-http
expect_contains "session login" "$OUT" "session login, images by multipart push"
expect_contains "BIOS" "$OUT" "bios             R01.01.0011          yes        Enabled        OK       BIOS"
expect_contains "backup" "$OUT" "bios_backup      R01.01.0011          no         StandbySpare   OK       Backup_BIOS - backup image"
expect_exit 0 "$SF" show "$T" --plain-http --json
expect_eq "components" "$(jq -r '[.firmware[].id] | join(" ")' <<<"$OUT")" "bmc bios bios_backup me"
expect_eq "ME version" "$(jq -r '.firmware[] | select(.id == "me") | .version' <<<"$OUT")" "4.1.4.339"
expect_eq "backup flagged" "$(jq -r '.firmware[] | select(.backup) | .id' <<<"$OUT")" "bios_backup"
expect_eq "logged out again" "$(curl -s "$B/sfemu/state" | jq .logins)" "2"

step "errors: one line, non-zero"
SAFEFLASH_REDFISH_PASSWORD=wrong expect_exit 4 "$SF" show "$T" --plain-http
expect_contains "login refused" "$ERR" "login as admin refused"
one_line "wrong password" "$ERR"
(unset SAFEFLASH_REDFISH_PASSWORD; expect_exit 2 setsid "$SF" show "$T" --plain-http </dev/null
 expect_contains "no password, no terminal" "$ERR" "set SAFEFLASH_REDFISH_PASSWORD or run on a terminal")
expect_exit 2 "$SF" show "redfish://admin:redfish-demo@127.0.0.1:$BMC_PORT" --plain-http
expect_contains "no password in the target" "$ERR" "no password in the target"
expect_exit 2 "$SF" show redfish://admin@192.0.2.1 --plain-http
expect_contains "plain HTTP is loopback only" "$ERR" "loopback addresses only"
expect_exit 7 "$SF" show redfish://admin@127.0.0.1:1 --plain-http
one_line "nothing listening" "$ERR"
expect_exit 4 "$SF" show "$T"
expect_contains "HTTPS is the default" "$ERR" "TLS"

step "interop: redfishtool reads what safeflash reads"
RT=(redfishtool -r "127.0.0.1:$BMC_PORT" -S Never -u admin -p redfish-demo)
ver=$("${RT[@]}" raw GET /redfish/v1/UpdateService/FirmwareInventory/bios | jq -r .Version)
expect_eq "redfishtool: BIOS" "$ver" "R01.01.0011"
ver=$("${RT[@]}" -A Session raw GET /redfish/v1/Managers/bmc | jq -r .FirmwareVersion)
expect_eq "redfishtool with a session: BMC" "$ver" "2.10.0"

step "interop: curl -F pushes a BIOS image, redfishtool resets the host, safeflash sees it"
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 300000 -o "$WORK/bios.img"
curl -s -D "$WORK/h" -o "$WORK/task.json" -u admin:redfish-demo \
    -F 'UpdateParameters={"Targets":["/redfish/v1/UpdateService/FirmwareInventory/bios"],"@Redfish.OperationApplyTime":"OnReset"};type=application/json' \
    -F "UpdateFile=@$WORK/bios.img;type=application/octet-stream" "$B/redfish/v1/UpdateService/update-multipart"
expect_eq "202 Accepted" "$(head -1 "$WORK/h" | tr -d '\r' | cut -d' ' -f2)" "202"
mon=$(tr -d '\r' < "$WORK/h" | sed -n 's/^Location: //Ip')
expect_eq "a task monitor" "$mon" "/redfish/v1/TaskService/Tasks/1/Monitor"
for _ in $(seq 50); do code=$(bmc_code "$mon" -u admin:redfish-demo); [ "$code" = 202 ] || break; sleep 0.1; done
expect_eq "monitor: 202 while running, then 204 once" "$code" "204"
expect_eq "monitor: then gone" "$(bmc_code "$mon" -u admin:redfish-demo)" "404"
expect_eq "task" "$("${RT[@]}" raw GET /redfish/v1/TaskService/Tasks/1 | jq -r .TaskState)" "Completed"
expect_exit 0 "$SF" show "$T" --plain-http --json
expect_eq "staged, not running" "$(jq -r '.firmware[] | select(.staged) | .id + " " + .version' <<<"$OUT")" "bios_staged R01.01.0012"
"${RT[@]}" -d '{"ResetType":"ForceRestart"}' raw POST /redfish/v1/Systems/system/Actions/ComputerSystem.Reset > /dev/null
sleep 0.6
expect_exit 0 "$SF" show "$T" --plain-http --json
expect_eq "BIOS after the host reset" "$(jq -r '.firmware[] | select(.id == "bios") | .version' <<<"$OUT")" "R01.01.0012"
expect_eq "the backup kept the last good" "$(jq -r '.firmware[] | select(.id == "bios_backup") | .version' <<<"$OUT")" "R01.01.0011"

step "a BMC reset: refused, then 503 (waited out), then 200; sessions and tasks are gone"
"$SFBMC" mkimage --component me --version 4.1.5.1 --size 1000 -o "$WORK/me.img"
curl -s -o /dev/null -u admin:redfish-demo -H 'Content-Type: application/octet-stream' \
    --data-binary "@$WORK/me.img" "$B/redfish/v1/UpdateService/update"
curl -s -o /dev/null -u admin:redfish-demo -H 'Content-Type: application/json' \
    -d '{"ResetType":"GracefulRestart"}' "$B/redfish/v1/Managers/bmc/Actions/Manager.Reset"
for _ in $(seq 40); do [ "$(bmc_code /redfish/v1)" = 000 ] && break; sleep 0.05; done
expect_eq "down: connection refused" "$(bmc_code /redfish/v1)" "000"
expect_exit 7 "$SF" show "$T" --plain-http
one_line "while it is down" "$ERR"
for _ in $(seq 60); do [ "$(bmc_code /redfish/v1)" = 503 ] && break; sleep 0.05; done
expect_eq "starting: 503" "$(bmc_code /redfish/v1)" "503"
expect_exit 0 "$SF" show "$T" --plain-http
expect_contains "503s waited out" "$OUT" "bmc              2.10.0"
expect_eq "the push task is gone with the reset" "$(bmc_code /redfish/v1/TaskService/Tasks/2 -u admin:redfish-demo)" "404"

step "Basic authentication when the BMC has no SessionService"
bmc_start "$(board_conf '{"quirks": {"no_sessions": true}}' basic)"
expect_exit 0 "$SF" show "redfish://admin@127.0.0.1:$BMC_PORT" --plain-http
expect_contains "Basic" "$OUT" "Basic login"

step "HTTPS: verified with a CA, a pinned key, or --insecure"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/key.pem" \
    -out "$WORK/cert.pem" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null
bmc_start "$(board_conf "{\"tls_cert\": \"$WORK/cert.pem\", \"tls_key\": \"$WORK/key.pem\"}" tls)"
TT="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 4 "$SF" show "$TT"
expect_contains "an unknown certificate is refused" "$ERR" "self-signed certificate"
one_line "TLS refusal" "$ERR"
expect_exit 0 "$SF" show "$TT" --ca "$WORK/cert.pem"
PIN="sha256//$(openssl x509 -in "$WORK/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
expect_exit 0 "$SF" show "$TT" --pin "$PIN"
expect_exit 4 "$SF" show "$TT" --pin "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
expect_contains "a wrong pin is refused" "$ERR" "does not match pinned public key"
expect_exit 0 "$SF" show "$TT" --insecure
expect_exit 2 "$SF" show "$TT" --insecure --pin "$PIN"
finish
