#!/bin/bash
# An operator lists enclosures and looks at one, on the emulated JBOD, in
# text and JSON.  In-process transport.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_setup "$ROOT/examples/emu/jbod.conf"

step "list finds the emulated enclosure"
expect_exit 0 "$SF" list
expect_contains "list" "$OUT" "/dev/sg-emu-jbod0"
expect_contains "list" "$OUT" "5000ccab0400003e"
expect_exit 0 "$SF" list --json
expect_eq "list --json paths" "$(jq -r '.[].path' <<<"$OUT")" "/dev/sg-emu-jbod0"
expect_eq "list --json subenclosures" "$(jq '.[0].subenclosures' <<<"$OUT")" "2"

step "show prints identity, both SES processors and download status in words"
expect_exit 0 "$SF" show /dev/sg-emu-jbod0
expect_contains "show" "$OUT" "SFEMU JBOD-2U24 0100"
expect_contains "show" "$OUT" "logical identifier:   5000ccab0400003e"
expect_contains "show" "$OUT" "[1] SFEMU JBOD-2U24-EXP rev 0207"
expect_contains "show" "$OUT" "no download microcode operation in progress"

step "show --json carries the documented fields"
expect_exit 0 "$SF" show --json /dev/sg-emu-jbod0
J=$OUT
expect_eq "path" "$(jq -r .path <<<"$J")" "/dev/sg-emu-jbod0"
expect_eq "vendor" "$(jq -r .vendor <<<"$J")" "SFEMU"
expect_eq "product" "$(jq -r .product <<<"$J")" "JBOD-2U24"
expect_eq "subenclosure ids" "$(jq -c '[.subenclosures[].id]' <<<"$J")" "[0,1]"
expect_eq "revisions" "$(jq -c '[.subenclosures[].revision]' <<<"$J")" '["0100","0207"]'
expect_eq "status text" "$(jq -r '.subenclosures[1].download.status_text' <<<"$J")" \
    "no download microcode operation in progress"

step "help and version"
expect_exit 0 "$SF" --help
expect_contains "--help" "$OUT" "Exit codes"
expect_exit 0 "$SF" show --help
expect_exit 0 "$SF" help list
expect_contains "help list" "$OUT" "--all"
expect_exit 0 "$SF" --version
finish
