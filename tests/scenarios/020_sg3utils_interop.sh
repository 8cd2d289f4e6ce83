#!/bin/bash
# Unmodified sg3_utils tools talk to the emulated enclosure through the
# preload library exactly as to real hardware, and what they print agrees
# with `safeflash show --json`: revisions, subenclosure count, logical id.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_setup "$ROOT/examples/emu/jbod.conf"
DEV=/dev/sg-emu-jbod0
expect_exit 0 preload "$SF" show --json $DEV
J=$OUT

step "sg_inq: standard INQUIRY"
expect_exit 0 preload sg_inq $DEV
expect_contains "sg_inq" "$OUT" "PDT=13"
expect_contains "sg_inq" "$OUT" "EncServ=1"
expect_contains "sg_inq" "$OUT" "Vendor identification: $(jq -r .vendor <<<"$J")"
expect_contains "sg_inq" "$OUT" "Product revision level: $(jq -r .version <<<"$J")"
expect_contains "sg_inq" "$OUT" "Unit serial number: $(jq -r .serial <<<"$J")"

step "sg_inq -p 0x83: device identification"
expect_exit 0 preload sg_inq -p 0x83 $DEV
expect_contains "sg_inq 83h" "$OUT" "[0x$(jq -r .device_identifier <<<"$J")]"

step "sg_ses -p cf: configuration page"
expect_exit 0 preload sg_ses -p cf $DEV
CF=$OUT
n_sg=$(grep -c "Subenclosure identifier:" <<<"$CF")
expect_eq "subenclosure count (sg_ses vs safeflash)" "$n_sg" "$(jq '.subenclosures|length' <<<"$J")"
revs_sg=$(grep -o 'rev: [^ ]*' <<<"$CF" | awk '{print $2}' | paste -sd, -)
revs_sf=$(jq -r '[.subenclosures[].version]|join(",")' <<<"$J")
expect_eq "revisions (sg_ses vs safeflash)" "$revs_sg" "$revs_sf"
lid_sg=$(grep -m1 -o 'enclosure logical identifier (hex): [0-9a-f]*' <<<"$CF" | awk '{print $NF}')
expect_eq "logical identifier (sg_ses vs safeflash)" "$lid_sg" "$(jq -r .logical_id <<<"$J")"
gen_sg=$(grep -m1 -o 'generation code: 0x[0-9a-f]*' <<<"$CF" | awk '{print $NF}')
expect_eq "generation code" "$((gen_sg))" "$(jq .generation_code <<<"$J")"

step "sg_ses -p dm: download microcode status page"
expect_exit 0 preload sg_ses -p dm $DEV
DM=$OUT
max_sg=$(grep -o 'maximum size: [0-9]*' <<<"$DM" | awk '{print $3}' | paste -sd, -)
max_sf=$(jq -r '[.subenclosures[].download.max_image_size|tostring]|join(",")' <<<"$J")
expect_eq "max image sizes (sg_ses vs safeflash)" "$max_sg" "$max_sf"
expect_contains "sg_ses dm" "$DM" "No download microcode operation in progress"

step "sg_ses with no page lists what safeflash read as supported"
expect_exit 0 preload sg_ses $DEV
expect_contains "sg_ses" "$OUT" "Configuration (SES) [cf] [0x1]"
expect_contains "sg_ses" "$OUT" "Download Microcode (SES-2) [dm] [0xe]"
expect_eq "diagnostic pages" "$(jq -c .diagnostic_pages <<<"$J")" "[0,1,2,14]"

step "sg_ses -p es: enclosure status decodes against the configuration"
expect_exit 0 preload sg_ses -p es $DEV
expect_contains "sg_ses es" "$OUT" "status: OK"
finish
