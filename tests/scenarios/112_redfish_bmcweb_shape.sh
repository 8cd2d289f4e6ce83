#!/bin/bash
# A Redfish service shaped like OpenBMC's bmcweb rather than like the
# emulator's default: FirmwareInventory members are named by hashes of
# what they hold (so an update gives an image a new Id), every Name is
# "Software Inventory", and only Description and RelatedItem say what a
# member is.  safeflash must find bmc/bios/me by what the schema says
# (RelatedItem: the Manager, Systems/<id>/Bios) and verify by it after the
# Ids moved - never by the emulator's own Ids.
. "$(dirname "$0")/../lib/common.sh"
set -e
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 400000 -o "$WORK/bios.img"
"$SFBMC" mkimage --component me --version 4.1.5.2 --size 100000 -o "$WORK/me.img"
"$SFBMC" mkimage --component bmc --version 2.11.0 --size 300000 -o "$WORK/bmc.img"
comp() { "$SF" show "$T" --plain-http --json | jq -r --arg c "$1" '.firmware[] | select(.component == $c) | .'"$2"; }

step "show: members named by hashes are listed by what they are"
bmc_start "$(board_conf '{"quirks": {"opaque_ids": true}}' bmcweb)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 0 "$SF" show "$T" --plain-http
expect_contains "the BMC by its Manager link" "$OUT" "  bmc              2.10.0"
expect_contains "the BIOS by its Bios link" "$OUT" "  bios             R01.01.0011"
expect_contains "the ME by its description" "$OUT" "  me               4.1.4.339"
expect_contains "the backup BIOS" "$OUT" "StandbySpare"
BIOS_ID=$(comp bios id)
expect_eq "Ids are opaque" "$(grep -c '^[0-9a-f]\{8\}$' <<<"$BIOS_ID")" "1"

step "an unknown component names what the BMC runs, by Id and class"
expect_exit 15 "$SF" install "$WORK/bios.img" "$T" --component cpld --plain-http --yes
expect_contains "one line with the classes" "$ERR" "(bios)"
expect_eq "nothing pushed" "$(curl -s "http://127.0.0.1:$BMC_PORT/sfemu/state" | jq -r '.pushed.bios')" "0"

step "BIOS by its opaque Id, ME and BMC by class: staged, BMC last; activate verifies after the Ids moved"
expect_exit 12 "$SF" install "$WORK/bmc.img" "$WORK/bios.img" "$WORK/me.img" "$T" \
    --component bmc --component "$BIOS_ID" --component me --plain-http --yes
expect_eq "order (the BMC first: its reset would drop what was staged before it)" "$(grep -oE ' [A-Za-z]+: pushing$' <<<"$ERR" | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')" "bmc bios me "
expect_contains "the BMC verified under its new Id" "$OUT" "bmc: updated 2.10.0 -> 2.11.0 (from the firmware inventory)"
expect_eq "the BMC's image went to its Manager, as older bmcweb requires" \
    "$(curl -s "http://127.0.0.1:$BMC_PORT/sfemu/state" | jq -r .targets.bmc)" "/redfish/v1/Managers/bmc"
expect_exit 0 "$SF" activate "$T" --plain-http --yes
expect_contains "BIOS" "$OUT" "bios: updated R01.01.0011 -> R01.01.0012"
expect_contains "ME" "$OUT" "me: updated 4.1.4.339 -> 4.1.5.2"
expect_eq "the BIOS has a new Id" "$([ "$(comp bios id)" != "$BIOS_ID" ] && echo moved)" "moved"
expect_exit 0 "$SF" history --json
expect_eq "history keys by component, not by Id" \
    "$(jq -r '[.[] | select(.action == "activate") | .product + ":" + .result] | sort | join(" ")' <<<"$OUT")" \
    "bios:updated me:updated"
bmc_stop "$BMC_PID"

step "--reboot-host in one run, with a backup-save failure found by class"
bmc_start "$(board_conf '{"quirks": {"opaque_ids": true, "backup_save_fails": true}}' bad)"; T="redfish://admin@127.0.0.1:$BMC_PORT"
expect_exit 17 "$SF" install "$WORK/bios.img" "$T" --component bios --plain-http --yes --reboot-host --reset-timeout 3
expect_contains "DEGRADED with the BMC's evidence" "$OUT$ERR" "Saving the primary BIOS image to the backup device failed"
bmc_stop "$BMC_PID"
finish
