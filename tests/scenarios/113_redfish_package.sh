#!/bin/bash
# Packages for server boards: one signed file names the board (matched
# against the ComputerSystem's Manufacturer and Model) and each component
# with the version the BMC's inventory must show afterwards.  A wrong
# board, an untrusted signer, a downgrade or a damaged package is refused
# before anything reaches the BMC; what already runs is skipped; a
# component that reports another version than the package promised fails.
. "$(dirname "$0")/../lib/common.sh"
set -e
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo
K="$WORK/keys/vendor"; mkdir -p "$WORK/keys"
"$SF" key generate "$K" > /dev/null
export SAFEFLASH_KEYS="$WORK/keys"
mk() { "$SFBMC" mkimage --component "$1" --version "$2" --size "${3:-100000}" -o "$WORK/$1-$2.img"; }
mk bios R01.01.0012 400000; mk me 4.1.5.2; mk bmc 2.11.0 300000; mk bios R01.01.0010
pkg() { local out=$1; shift; "$SF" package create "$@" --vendor "Intel*" --version 2024.11 -o "$WORK/$out" > /dev/null; }
pkg board.pkg --product S5520UR --sign "$K.key" --component bios:R01.01.0012:"$WORK/bios-R01.01.0012.img" \
    --component me:4.1.5.2:"$WORK/me-4.1.5.2.img" --component bmc:2.11.0:"$WORK/bmc-2.11.0.img"

step "package create/inspect: components and the versions they promise"
expect_exit 0 "$SF" package inspect "$WORK/board.pkg"
expect_contains "bios" "$OUT" "component:      bios gets bios-R01.01.0012.img, must then report R01.01.0012"
expect_contains "what it is" "$OUT" "a server board's components, for its BMC"
expect_exit 0 "$SF" package inspect "$WORK/board.pkg" --json
expect_eq "json" "$(jq -r '[.components[].component] | join(" ")' <<<"$OUT")" "bios me bmc"
expect_exit 2 "$SF" package create --component bios:R1 --vendor V --product P --version 1 -o "$WORK/x.pkg"
one_line "bad --component" "$ERR"

bmc_start "$ROOT/examples/emu/board.conf"; T="redfish://admin@127.0.0.1:$BMC_PORT"

step "refused before anything is pushed: wrong board, untrusted signer, downgrade, damage"
pkg other.pkg --product X9DRi --sign "$K.key" --component bios:R01.01.0012:"$WORK/bios-R01.01.0012.img"
expect_exit 15 "$SF" install "$WORK/other.pkg" "$T" --plain-http --yes
expect_contains "names both boards" "$ERR" "is for vendor Intel* product X9DRi; this board is Intel Corporation S5520UR: nothing was pushed"
one_line "wrong board" "$ERR"
expect_exit 15 "$SF" install "$WORK/other.pkg" "$T" --plain-http --yes --json
expect_eq "--json says so on stdout" "$(jq -r '.event + " " + (.exit_code|tostring)' <<<"$OUT")" "error 15"
pkg unsigned.pkg --product S5520UR --component bios:R01.01.0012:"$WORK/bios-R01.01.0012.img"
expect_exit 13 "$SF" install "$WORK/unsigned.pkg" "$T" --plain-http --yes
one_line "unsigned" "$ERR"
pkg old.pkg --product S5520UR --sign "$K.key" --component bios:R01.01.0010:"$WORK/bios-R01.01.0010.img"
expect_exit 16 "$SF" install "$WORK/old.pkg" "$T" --plain-http --yes
expect_contains "downgrade" "$ERR" "BIOS runs R01.01.0011, newer than R01.01.0010: refusing a downgrade"
cp "$WORK/board.pkg" "$WORK/bad.pkg"; printf 'X' | dd of="$WORK/bad.pkg" bs=1 seek=5000 conv=notrunc 2>/dev/null
expect_exit 14 "$SF" install "$WORK/bad.pkg" "$T" --plain-http --yes
one_line "damaged" "$ERR"
expect_exit 2 "$SF" install "$WORK/board.pkg" "$T" --component bios --plain-http --yes
expect_contains "components come from the package" "$ERR" "a package names its own components"
expect_eq "nothing reached the BMC" "$(bmc_state .pushes)" "0"

step "the package on the board: host firmware staged, the BMC last, then activate"
expect_exit 12 "$SF" install "$WORK/board.pkg" "$T" --plain-http --yes
expect_contains "the plan names the new versions" "$OUT" "2.10.0 -> 2.11.0, pushed (multipart), applied now"
expect_contains "the BMC" "$OUT" "BMC: updated 2.10.0 -> 2.11.0"
expect_exit 0 "$SF" activate "$T" --plain-http --yes
expect_contains "BIOS" "$OUT" "BIOS: updated R01.01.0011 -> R01.01.0012"
expect_contains "ME" "$OUT" "ME: updated 4.1.4.339 -> 4.1.5.2"
expect_exit 0 "$SF" history --json
expect_eq "history keeps the package and the promised versions" \
    "$(jq -r '[.[] | select(.action == "install") | select(.package_sha256 != null) | .product + "=" + .expected_revision] | join(" ")' <<<"$OUT")" \
    "bmc=2.11.0 bios=R01.01.0012 me=4.1.5.2"

step "again: everything already runs what the package promises - skipped, nothing pushed"
before=$(bmc_state .pushes)
expect_exit 0 "$SF" install "$WORK/board.pkg" "$T" --plain-http --yes
expect_contains "skipped" "$OUT" "BIOS: already runs R01.01.0012: skipped"
expect_eq "no push" "$(bmc_state .pushes)" "$before"

step "a component that comes back with another version than promised fails"
mk bios R01.01.0013 1000
pkg liar.pkg --product S5520UR --sign "$K.key" --component bios:R01.01.0014:"$WORK/bios-R01.01.0013.img"
expect_exit 1 "$SF" install "$WORK/liar.pkg" "$T" --plain-http --yes --reboot-host --reset-timeout 3
expect_contains "caught by the inventory" "$OUT" "runs R01.01.0013, neither R01.01.0012 (before) nor R01.01.0014 (the image)"

step "enclosures and board flash refuse a package of BMC components"
head -c 4194304 /dev/zero | tr '\0' '\377' > "$WORK/flash.bin"
expect_exit 15 "$SF" install "$WORK/board.pkg" file:"$WORK/flash.bin" --layout "$ROOT/examples/flash/ab.layout" --yes
expect_contains "flash" "$ERR" "a package of server-board components (bios...) for a BMC"
finish
