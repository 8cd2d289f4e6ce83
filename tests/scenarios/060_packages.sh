#!/bin/bash
# Signed packages: created, inspected, verified, installed end to end over
# SG_IO; and every way a package can be wrong is refused before anything
# is written, each with its documented exit code.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_quirks ""
mkdir -p "$WORK/keys" "$WORK/otherkeys"
export SAFEFLASH_KEYS="$WORK/keys"
K="$WORK/vendor"

step "key generate writes a key pair; refuses to overwrite"
expect_exit 0 "$SF" key generate "$K"
expect_contains "key id" "$OUT" "key id"
cp "$K.pub" "$WORK/keys/"
expect_eq "private key mode" "$(stat -c %a "$K.key")" "600"
expect_exit 2 "$SF" key generate "$K"
expect_exit 0 "$SF" key generate "$WORK/other"
cp "$WORK/other.pub" "$WORK/otherkeys/"

mkimg "$WORK/fw.bin" 0300 400000
step "package create (signed) / inspect / verify"
expect_exit 0 "$SF" package create --image "$WORK/fw.bin" --vendor SFEMU --product 'JBOD-2U24*' \
    --version 0300 --min-version 0100 --mode immediate --notes "Fixes fan control." --sign "$K.key" \
    -o "$WORK/fw-0300.sfpkg"
expect_contains "create" "$OUT" "signed by key"
expect_exit 0 "$SF" package inspect --json "$WORK/fw-0300.sfpkg"
expect_eq "version" "$(jq -r .version <<<"$OUT")" "0300"
expect_eq "trusted" "$(jq -r .trusted <<<"$OUT")" "true"
expect_eq "image sha256" "$(jq -r '.images[0].sha256' <<<"$OUT")" "$(sha256sum "$WORK/fw.bin" | cut -d' ' -f1)"
expect_exit 0 "$SF" package inspect "$WORK/fw-0300.sfpkg"
expect_contains "inspect" "$OUT" "Fixes fan control."
expect_exit 0 "$SF" package verify "$WORK/fw-0300.sfpkg"
expect_contains "verify" "$OUT" "OK"

unpack() { rm -rf "$WORK/u"; mkdir -p "$WORK/u"; tar -xf "$1" -C "$WORK/u"; }

step "refused before any write: a tampered image -> 14"
unpack "$WORK/fw-0300.sfpkg"
printf 'X' | dd of="$WORK/u/images/fw.bin" bs=1 seek=1000 conv=notrunc 2>/dev/null
repack "$WORK/u" "$WORK/tampered-image.sfpkg"
expect_exit 14 "$SF" package verify "$WORK/tampered-image.sfpkg"
expect_exit 14 sfp install --yes $FAST "$WORK/tampered-image.sfpkg" $DEV
one_line "error" "$ERR"; expect_contains "error" "$ERR" "does not match its SHA-256"
expect_exit 14 sfp install --yes --allow-unsigned $FAST "$WORK/tampered-image.sfpkg" $DEV

step "refused: a tampered manifest (version edited) -> 13"
unpack "$WORK/fw-0300.sfpkg"
sed -i 's/"version": "0300"/"version": "0301"/' "$WORK/u/manifest.json"
repack "$WORK/u" "$WORK/tampered-manifest.sfpkg"
expect_exit 13 sfp install --yes $FAST "$WORK/tampered-manifest.sfpkg" $DEV
one_line "error" "$ERR"; expect_contains "error" "$ERR" "does not verify"

step "refused: signed by a key that is not trusted -> 13"
other_keys() { SAFEFLASH_KEYS="$WORK/otherkeys" sfp "$@"; }
expect_exit 13 other_keys install --yes $FAST "$WORK/fw-0300.sfpkg" $DEV
one_line "error" "$ERR"

step "refused: unsigned, unless --allow-unsigned -> 13"
expect_exit 0 "$SF" package create --image "$WORK/fw.bin" --vendor SFEMU --product 'JBOD-2U24*' \
    --version 0300 -o "$WORK/unsigned.sfpkg"
expect_exit 13 sfp install --yes $FAST "$WORK/unsigned.sfpkg" $DEV
expect_contains "error" "$ERR" "not signed"

step "refused: wrong vendor or product -> 15"
expect_exit 0 "$SF" package create --image "$WORK/fw.bin" --vendor ACME --product 'SHELF*' \
    --version 0300 --sign "$K.key" -o "$WORK/acme.sfpkg"
expect_exit 15 sfp install --yes $FAST "$WORK/acme.sfpkg" $DEV
one_line "error" "$ERR"; expect_contains "error" "$ERR" "the package is for vendor ACME"

step "refused: current below min-version -> 16, with the upgrade path"
mkimg "$WORK/fw5.bin" 0500 200000
expect_exit 0 "$SF" package create --image "$WORK/fw5.bin" --vendor SFEMU --product 'JBOD-2U24*' \
    --version 0500 --min-version 0300 --sign "$K.key" -o "$WORK/fw-0500.sfpkg"
expect_exit 16 sfp install --yes $FAST "$WORK/fw-0500.sfpkg" $DEV
one_line "error" "$ERR"; expect_contains "upgrade path" "$ERR" "0100 -> 0300 -> 0500"
expect_eq "nothing written by any refusal" "$(writes)" "0"

step "the signed package installs end to end through SG_IO"
expect_exit 0 sfp install --yes $FAST "$WORK/fw-0300.sfpkg" $DEV
expect_contains "plan" "$OUT" "signed by trusted key"
expect_contains "result" "$OUT" "subenclosure 0: updated 0100 -> 0300"
expect_contains "result" "$OUT" "subenclosure 1: updated 0207 -> 0300"
expect_exit 0 preload sg_ses -p cf $DEV
expect_eq "sg_ses revisions" "$(grep -o 'rev: [^ ]*' <<<"$OUT" | awk '{print $2}' | paste -sd, -)" "0300,0300"

step "the same version again: skipped, exit 0, nothing written"
: > "$WORK/trace.log"
expect_exit 0 sfp install --yes $FAST "$WORK/fw-0300.sfpkg" $DEV
expect_contains "message" "$OUT" "already runs 0300: skipped"
expect_eq "pages written" "$(writes)" "0"

step "an older version: refused -> 16 unless --allow-downgrade"
mkimg "$WORK/fw2.bin" 0200 200000
expect_exit 0 "$SF" package create --image "$WORK/fw2.bin" --vendor SFEMU --product 'JBOD-2U24*' \
    --version 0200 --sign "$K.key" -o "$WORK/fw-0200.sfpkg"
expect_exit 16 sfp install --yes $FAST "$WORK/fw-0200.sfpkg" $DEV
one_line "error" "$ERR"; expect_contains "error" "$ERR" "refusing a downgrade"
expect_eq "pages written" "$(writes)" "0"
expect_exit 0 sfp install --yes --allow-downgrade --mode immediate $FAST "$WORK/fw-0200.sfpkg" $DEV
expect_eq "downgraded" "$(sub_rev 0),$(sub_rev 1)" "0200,0200"

step "history: every attempt per processor, with identity, hashes, phases and result"
expect_exit 0 "$SF" history --json $DEV
expect_eq "attempts" "$(jq length <<<"$OUT")" "4"
expect_eq "results" "$(jq -r '[.[].result]|join(",")' <<<"$OUT")" "updated,updated,updated,updated"
expect_eq "from/to" "$(jq -r '.[0]|.from_revision+">"+.to_revision' <<<"$OUT")" "0100>0300"
expect_eq "package hash" "$(jq -r '.[0].package_sha256' <<<"$OUT")" "$(sha256sum "$WORK/fw-0300.sfpkg" | cut -d' ' -f1)"
expect_eq "logical id" "$(jq -r '.[0].logical_identifier' <<<"$OUT")" "5000ccab0400003e"
expect_eq "phases" "$(jq -r '[.[0].phases[].phase]|join(",")' <<<"$OUT")" "downloading,completing,verifying,finished"
expect_exit 0 "$SF" history $DEV
expect_contains "text history" "$OUT" "install /dev/sg-emu-jbod0 subenclosure 0  0100 -> 0300  updated"

step "raw images still work, with a warning; --vendor/--product expectations for scripts"
mkimg "$WORK/raw.bin" 0600 100000
expect_exit 15 sfp install --yes --product 'OTHER*' $FAST "$WORK/raw.bin" $DEV
expect_exit 0 sfp install --yes --mode immediate --vendor SFEMU --product 'JBOD-2U24*' $FAST "$WORK/raw.bin" $DEV
expect_contains "warning" "$ERR" "raw image: nothing checks"

step "per-subenclosure targets: each processor gets its own image"
# The ESM and the expander now each take only their own image.
sed -i '0,/"image_product": "JBOD-2U24",/s//"image_product": "ESM",/' "$WORK/emu.conf"
sed -i 's|"image_product": "JBOD-2U24",|"image_product": "EXP",|' "$WORK/emu.conf"
rm -f "$WORK/jbod.state"
mkimg "$WORK/esm.bin" 0700 100000 ESM
mkimg "$WORK/exp.bin" 0700 80000 EXP
expect_exit 0 "$SF" package create --image "$WORK/esm.bin" --vendor SFEMU --product 'JBOD-2U24*' \
    --version 0700 --target 'SFEMU:JBOD-2U24-EXP:'"$WORK/exp.bin" --sign "$K.key" -o "$WORK/split.sfpkg"
expect_exit 0 sfp install --yes --mode immediate $FAST "$WORK/split.sfpkg" $DEV
expect_eq "both on 0700" "$(sub_rev 0),$(sub_rev 1)" "0700,0700"

step "a package of server-board components (for a BMC) is refused by the enclosure"
expect_exit 0 "$SF" package create --component bios:0800:"$WORK/esm.bin" --vendor SFEMU \
    --product 'JBOD-2U24*' --version 0800 --sign "$K.key" -o "$WORK/board.sfpkg"
expect_exit 15 sfp install --yes --mode immediate $FAST "$WORK/board.sfpkg" $DEV
expect_contains "said" "$ERR" "a package of server-board components (bios...) for a BMC"
expect_eq "nothing changed" "$(sub_rev 0),$(sub_rev 1)" "0700,0700"
finish
