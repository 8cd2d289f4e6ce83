#!/bin/bash
# Server boards over Redfish: install and activate against the emulated BMC
# through real HTTP.  Field report 002: images are staged locally and
# pushed (never pulled), host firmware is staged for the host reset, the
# BMC goes last and its reset is waited out (log in again), and only the
# firmware inventory says whether anything took.  Then the BMC's bad days:
# lost tasks, 503 bursts, 413, a stuck task, a task that lies, a backup
# BIOS that cannot be saved (DEGRADED), and a BMC with no multipart push.
. "$(dirname "$0")/../lib/common.sh"
set -e
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo
CONF="$ROOT/examples/emu/board.conf"
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 400000 -o "$WORK/bios.img"
"$SFBMC" mkimage --component me --version 4.1.5.2 --size 100000 -o "$WORK/me.img"
"$SFBMC" mkimage --component bmc --version 2.11.0 --size 300000 -o "$WORK/bmc.img"
IMGS=("$WORK/bmc.img" "$WORK/bios.img" "$WORK/me.img" --component bmc --component bios --component me)
inv() { "$SF" show "$T" --plain-http --json | jq -r --arg id "$1" '.firmware[] | select(.id == $id) | .version'; }

step "BIOS + ME + BMC: the BMC first, then host firmware staged, no host reset without --reboot-host"
bmc_start "$CONF"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 12 "$SF" install "${IMGS[@]}" "$T" --plain-http --yes
# The BMC's own reset drops what it staged in RAM: the host firmware goes
# once the BMC is back, so each image is pushed once.
expect_eq "order" "$(grep -oE ' [A-Z]+: pushing$' <<<"$ERR" | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')" "BMC BIOS ME "
expect_eq "each image pushed once" "$(bmc_state .pushes)" "3"
expect_contains "the BMC reset was waited out" "$ERR" "the BMC is answering 200"
expect_contains "BMC verified from the inventory" "$OUT" "BMC: updated 2.10.0 -> 2.11.0 (from the firmware inventory)"
expect_contains "BIOS staged" "$OUT" "BIOS: staged, pending host reset (runs R01.01.0011 until then)"
expect_eq "logged in again after the reset" "$(bmc_state .logins)" "2"
expect_eq "the host was not reset" "$(bmc_state .host_resets)" "0"
expect_eq "BIOS still runs" "$(inv bios)" "R01.01.0011"
expect_eq "staged again, after the BMC's reset" "$(inv bios_staged) $(inv me_staged)" "R01.01.0012 4.1.5.2"
expect_exit 0 "$SF" history --json
expect_eq "history" "$(jq -r '[.[] | .product + ":" + .result] | join(" ")' <<<"$OUT")" "bmc:updated bios:stored me:stored"

step "activate: the host reset applies what was staged, verified from the inventory"
expect_exit 0 "$SF" activate "$T" --plain-http --yes
expect_contains "BIOS" "$OUT" "BIOS: updated R01.01.0011 -> R01.01.0012"
expect_contains "ME" "$OUT" "ME: updated 4.1.4.339 -> 4.1.5.2"
expect_eq "the backup holds the old BIOS" "$(inv bios_backup)" "R01.01.0011"
expect_exit 0 "$SF" activate "$T" --plain-http --yes
expect_contains "nothing left" "$OUT" "nothing staged by safeflash"
bmc_stop "$BMC_PID"

step "--reboot-host: one run, every component verified; 503 bursts waited out"
bmc_start "$(board_conf '{"quirks": { "burst_503": 3 }}' burst)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 0 "$SF" install "${IMGS[@]}" "$T" --plain-http --yes --reboot-host --json
expect_eq "all updated" "$(jq -sr '[.[] | select(.event == "result") | .item.outcome] | join(" ")' <<<"$OUT")" "updated updated updated"
expect_eq "versions" "$(jq -sr '[.[] | select(.event == "result") | .item.version_after] | join(" ")' <<<"$OUT")" "2.11.0 R01.01.0012 4.1.5.2"
expect_eq "the components" "$(jq -sr '[.[] | select(.event == "result") | .item.redfish.component] | join(" ")' <<<"$OUT")" "bmc bios me"
expect_eq "one host reset" "$(bmc_state .host_resets)" "1"
expect_eq "503s were answered and waited out" "$(( $(bmc_state .refused_503) >= 9 ))" "1"
bmc_stop "$BMC_PID"

step "a task lost in a BMC reset is unknown, never success"
bmc_start "$(board_conf '{"task_ms": 4000}' slow)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
"$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --yes > "$WORK/o" 2> "$WORK/e" &
sfpid=$!
sleep 1
curl -s -o /dev/null -u admin:redfish-demo -H 'Content-Type: application/json' \
    -d '{"ResetType":"ForceRestart"}' "http://127.0.0.1:$BMC_PORT/redfish/v1/Managers/bmc/Actions/Manager.Reset"
set +e; wait $sfpid; rc=$?; set -e
expect_eq "exit" "$rc" "1"
expect_contains "unknown" "$(cat "$WORK/o")" "BIOS: failed: UNKNOWN while following the task: the BMC lost the task"
bmc_stop "$BMC_PID"

step "the client killed mid-run: a rerun continues, and what was staged is not pushed again"
rm -rf "$SAFEFLASH_STATE_DIR"
# A BMC that keeps staged images across its reset (keep_staged), so that
# the BMC's own update in the rerun does not make the BIOS go again.
bmc_start "$(board_conf '{"task_ms": 1500, "quirks": {"keep_staged": true}}' killed)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
"$SF" install "${IMGS[@]}" "$T" --plain-http --yes > "$WORK/o" 2> "$WORK/e" &
sfpid=$!
for _ in $(seq 200); do [ "$(bmc_state .pushed.me)" = 1 ] && break; sleep 0.05; done
kill -9 $sfpid; wait $sfpid 2>/dev/null || true
expect_eq "killed after the BMC was updated, the BIOS staged and the ME pushed" "$(bmc_state '.pushed | "\(.bios) \(.me) \(.bmc)"')" "1 1 1"
expect_exit 0 "$SF" history --json
# Each component's attempt ends when its own steps do: the BMC's with its
# update, the BIOS's once staged; the ME's was cut off while pushing.
expect_eq "the journal: BMC updated, BIOS stored, ME interrupted while pushing" \
    "$(jq -r '[.[] | .product + ":" + .result + (if .result == "unfinished" then ":" + .phase else "" end)] | join(" ")' <<<"$OUT")" \
    "bmc:updated bios:stored me:unfinished:pushing"
expect_exit 0 "$SF" status
expect_contains "status shows the run" "$OUT" "install, running"
"$SFBMC" mkimage --component me --version 4.1.6.0 --size 1000 -o "$WORK/me16.img"
expect_exit 8 "$SF" install "$WORK/me16.img" "$T" --component me --plain-http --yes
expect_contains "another image waits for the interrupted one" "$ERR" "has an unfinished install of another image"
expect_exit 12 "$SF" resume "$T"
expect_contains "the plan says what it continues" "$OUT" "continues interrupted attempt #"
expect_contains "the ME's image, which the BMC holds, is not pushed again" "$ERR" "pushed it and the BMC still holds it: not pushed again"
expect_eq "nothing pushed again" "$(bmc_state '.pushed | "\(.bios) \(.me) \(.bmc)"')" "1 1 1"
expect_contains "ME" "$OUT" "ME: staged, pending host reset"
expect_exit 0 "$SF" history --json
expect_eq "the interrupted attempt points forward" "$(jq -r '[.[] | select(.result == "interrupted") | .error] | join(",")' <<<"$OUT" | grep -o 'continued by #[0-9]*' | wc -l)" "1"
expect_exit 0 "$SF" activate "$T" --plain-http --yes
expect_contains "then the host reset" "$OUT" "BIOS: updated R01.01.0011 -> R01.01.0012"
expect_exit 0 "$SF" resume "$T"
expect_contains "nothing left" "$OUT" "nothing unfinished"
bmc_stop "$BMC_PID"
rm -rf "$SAFEFLASH_STATE_DIR"

step "a BMC reset drops staged images: a journaled 'staged' counts only while the BMC shows it"
bmc_start "$CONF"; T="redfish://admin@127.0.0.1:$BMC_PORT"
bmc_reset() { # the BMC restarts on its own (the emulator's control), and is back
    curl -s -X POST -o /dev/null "http://127.0.0.1:$BMC_PORT/sfemu/reset"
    for _ in $(seq 100); do [ "$(bmc_state .bmc_resets)" = "$1" ] && break; sleep 0.05; done
    for _ in $(seq 200); do [ "$(bmc_code /redfish/v1)" = 200 ] && break; sleep 0.05; done
}
expect_exit 12 "$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --yes
expect_eq "staged" "$(inv bios_staged)" "R01.01.0012"
bmc_reset 1
expect_eq "the reset dropped it" "$(inv bios_staged)" ""
t0=$(date +%s)
expect_exit 0 "$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --yes --reboot-host --reset-timeout 60
expect_contains "why it goes again, in one line" "$ERR" "BIOS: note: attempt #1 staged it, but the BMC no longer holds it (the BMC lists no staged image for it and it still runs R01.01.0011; the BMC restarted?): pushing it again"
expect_eq "pushed again" "$(bmc_state .pushed.bios)" "2"
expect_contains "and updated" "$OUT" "BIOS: updated R01.01.0011 -> R01.01.0012 (from the firmware inventory)"
expect_eq "no wait for what could never come" "$(( $(date +%s) - t0 < 30 ))" "1"
"$SFBMC" mkimage --component bios --version R01.01.0013 --size 1000 -o "$WORK/bios13.img"
expect_exit 12 "$SF" install "$WORK/bios13.img" "$T" --component bios --plain-http --yes
bmc_reset 2
t0=$(date +%s)
expect_exit 1 "$SF" activate "$T" --plain-http --yes --reset-timeout 60
one_line "activate fails fast, in one line" "$ERR"
expect_contains "saying why" "$ERR" "the BMC no longer holds the image attempt #3 staged"
expect_contains "and what to do" "$ERR" "the BMC restarted?): install it again"
expect_contains "the result says the same" "$OUT" "BIOS: failed: checking what the BMC holds: the BMC no longer holds the image attempt #3 staged"
expect_eq "the host was not reset" "$(bmc_state .host_resets)" "1"
expect_eq "at once" "$(( $(date +%s) - t0 < 10 ))" "1"
expect_exit 0 "$SF" history --json
expect_eq "history: used up, not stored" "$(jq -r '[.[] | select(.action == "activate") | .result] | join(" ")' <<<"$OUT")" "nothing-to-activate"
expect_exit 0 "$SF" activate "$T" --plain-http --yes
expect_contains "then nothing is left" "$OUT" "nothing staged by safeflash"
expect_exit 12 "$SF" install "$WORK/bios13.img" "$T" --component bios --plain-http --yes
bmc_reset 3
expect_exit 12 "$SF" install "$WORK/me.img" "$T" --component me --plain-http --yes
expect_exit 9 "$SF" activate "$T" --plain-http --yes
expect_contains "what is still held is applied" "$OUT" "ME: updated 4.1.4.339 -> 4.1.5.2"
expect_contains "what is not, said" "$OUT" "BIOS: failed: checking what the BMC holds: the BMC no longer holds the image attempt #5 staged"
expect_eq "in one line on stderr" "$(grep -c '^safeflash: ' <<<"$ERR")" "1"
expect_contains "naming it" "$ERR" "the BMC no longer holds the image attempt #5 staged"
bmc_stop "$BMC_PID"

step "413: the BMC refuses an image too large"
bmc_start "$(board_conf '{"max_image": 200000}' small)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 8 "$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --yes
expect_contains "says so" "$OUT" "refused the image as too large (HTTP 413"
bmc_stop "$BMC_PID"

step "a stuck task: bounded wait, then a clear failure"
bmc_start "$(board_conf '{"quirks": { "stuck_task": true }}' stuck)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 1 "$SF" install "$WORK/me.img" "$T" --component me --plain-http --yes --task-timeout 2
expect_contains "stuck" "$OUT" "the task is still Running at 50% after 2 s: stuck"
bmc_stop "$BMC_PID"

step "a task that lies: Completed, but the inventory disagrees"
bmc_start "$(board_conf '{"quirks": { "task_lies": "bios" }}' lies)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 1 "$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --yes --reboot-host \
    --reset-timeout 3
expect_contains "caught" "$OUT" "BIOS: failed: verifying: still runs R01.01.0011 after the host reset, although the BMC accepted the image"
bmc_stop "$BMC_PID"
bmc_start "$(board_conf '{"quirks": { "task_lies": "bmc" }}' lies2)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 1 "$SF" install "$WORK/bmc.img" "$T" --component bmc --plain-http --yes --reset-timeout 3
expect_contains "caught" "$OUT" "BMC: failed: verifying: still runs 2.10.0 (the BMC never restarted)"
bmc_stop "$BMC_PID"

step "field report 000 on a server: the backup BIOS save fails at the host reset - DEGRADED"
bmc_start "$(board_conf '{"quirks": { "backup_save_fails": true }}' backup)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 17 "$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --yes --reboot-host
expect_contains "DEGRADED with the evidence" "$OUT" "DEGRADED: the BMC reports the backup BIOS unhealthy after the host reset (Backup_BIOS: health Critical - Saving the primary BIOS image to the backup device failed"
expect_contains "the BIOS did not change" "$OUT" "BIOS: failed: DEGRADED: the BMC reports the backup BIOS unhealthy"
expect_contains "and still runs the old one" "$OUT" "verifying: still runs R01.01.0011"
expect_exit 0 "$SF" show "$T" --plain-http
expect_contains "show says so too" "$OUT" "BACKUP BAD: Saving the primary BIOS image"
bmc_stop "$BMC_PID"

step "a BMC without multipart push: HttpPushUri"
bmc_start "$(board_conf '{"quirks": { "no_multipart": true }}' legacy)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 12 "$SF" install "$WORK/me.img" "$T" --component me --plain-http --yes
expect_contains "legacy push" "$ERR" "HttpPushUri; the BMC offers no multipart push"
expect_exit 0 "$SF" activate "$T" --plain-http --yes
expect_contains "applied" "$OUT" "ME: updated 4.1.4.339 -> 4.1.5.2"

step "refusals before anything is pushed"
expect_exit 15 "$SF" install "$WORK/me.img" "$T" --component cpld --plain-http --yes
expect_contains "unknown component" "$ERR" "has no single component 'cpld' (it runs: bmc, bios, me)"
expect_exit 2 "$SF" install "$WORK/me.img" "$WORK/bios.img" "$T" --component me --plain-http --yes
one_line "one component per image" "$ERR"
expect_exit 19 "$SF" install "$WORK/nothing.img" "$T" --component me --plain-http --yes
one_line "missing image" "$ERR"
expect_eq "nothing pushed by the refusals" "$(bmc_state .pushes)" "1"
finish
