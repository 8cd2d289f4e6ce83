#!/bin/bash
# Board flash, the rest of what enclosures have: signed packages matched to
# the layout's board with version order; the journal - a host that loses
# power mid-update (the NOR model's powercut fault: a torn program, then
# SIGKILL) leaves an unfinished attempt that show, status, history, a rerun,
# `resume TARGET` and a bare `resume` all handle; and a layout that spans
# two flash chips (flash=1).
. "$(dirname "$0")/../lib/common.sh"
set -e
# --json is one JSON object per line (docs/json.md); the item's result:
result_of() { jq -r "select(.event == \"result\") | .item.$1" <<<"$OUT"; }
blank() { head -c "${2:-4194304}" /dev/zero | tr '\0' '\377' > "$1"; rm -f "$1.locks"; }
F="$WORK/board.bin"; T="file:$F"
L="$WORK/board.layout"
printf 'layout primary-backup\nboard Intel S5520UR Server Board\nflash-size 4M\nregion primary 0 2M\nregion backup 2M 2M\n' > "$L"
head -c 900000 /dev/urandom > "$WORK/v1.bin"
head -c 950000 /dev/urandom > "$WORK/v2.bin"
head -c 800000 /dev/urandom > "$WORK/v3.bin"
"$SF" key generate "$WORK/vendor" > /dev/null
"$SF" key generate "$WORK/stranger" > /dev/null
mkdir -p "$WORK/keys"; cp "$WORK/vendor.pub" "$WORK/keys/"
export SAFEFLASH_KEYS="$WORK/keys"
pkg() { # OUT VERSION IMAGE PRODUCT KEY [MORE...]
    local out=$1 ver=$2 img=$3 prod=$4 key=$5; shift 5
    "$SF" package create --image "$img" --vendor Intel --product "$prod" --version "$ver" \
        --sign "$key" -o "$out" "$@" > /dev/null
}
pkg "$WORK/bios-1.sfpkg" 11.10 "$WORK/v1.bin" 'S5520UR*' "$WORK/vendor.key"
pkg "$WORK/bios-2.sfpkg" 11.15 "$WORK/v2.bin" 'S5520UR*' "$WORK/vendor.key" --min-version 11.10
pkg "$WORK/other.sfpkg" 11.15 "$WORK/v2.bin" 'S2600*' "$WORK/vendor.key"
pkg "$WORK/stranger.sfpkg" 11.15 "$WORK/v2.bin" 'S5520UR*' "$WORK/stranger.key"
pkg "$WORK/bios-3.sfpkg" 11.30 "$WORK/v3.bin" 'S5520UR*' "$WORK/vendor.key" --min-version 11.15
blank "$F"

step "packages: refused before anything is written"
before=$(sha256sum < "$F")
expect_exit 15 "$SF" install "$WORK/other.sfpkg" "$T" --layout "$L" --yes
expect_contains "wrong board" "$ERR" "the package is for vendor Intel product S2600*; $T is on a Intel S5520UR Server Board board"
expect_exit 13 "$SF" install "$WORK/stranger.sfpkg" "$T" --layout "$L" --yes
one_line "untrusted signer" "$ERR"
expect_exit 15 "$SF" install "$WORK/bios-1.sfpkg" "$T" --layout "$ROOT/examples/flash/primary-backup.layout" --yes
expect_contains "a layout without a board" "$ERR" "names no board"
expect_exit 2 "$SF" install "$WORK/bios-1.sfpkg" "$T" --layout "$L" --image-version 9 --yes
expect_contains "the package names its version" "$ERR" "the package names its version"
head -c 100000 "$WORK/bios-1.sfpkg" > "$WORK/cut.sfpkg"
expect_exit 14 "$SF" install "$WORK/cut.sfpkg" "$T" --layout "$L" --yes
one_line "truncated package" "$ERR"
expect_exit 15 "$SF" install --yes "$WORK/bios-1.sfpkg" /dev/sg-emu-nothing
expect_contains "an SES target refuses a board package" "$ERR" "no 4-character \"revision\""
expect_eq "flash untouched" "$(sha256sum < "$F")" "$before"

step "packages: installed with the plan naming package, board and signer"
expect_exit 0 "$SF" install "$WORK/bios-1.sfpkg" "$T" --layout "$L" --yes
expect_contains "plan" "$OUT" "package: Intel S5520UR* version 11.10 for board Intel S5520UR Server Board, signed by trusted key"
expect_contains "result" "$OUT" "updated: (nothing) -> 11.10"
expect_exit 16 "$SF" install "$WORK/bios-3.sfpkg" "$T" --layout "$L" --yes
expect_contains "min_version gives the path" "$ERR" "install 11.15 first, then this package (11.10 -> 11.15 -> 11.30)"

step "power lost while the primary is programmed: the journal keeps the attempt"
SAFEFLASH_NOR="fault=powercut@20" expect_exit 137 "$SF" install "$WORK/bios-2.sfpkg" "$T" --layout "$L" --yes
expect_exit 0 "$SF" show "$T" --layout "$L" --json
expect_eq "the backup boots the last good image" "$(jq -r .boots <<<"$OUT")" "backup"
expect_eq "backup version" "$(jq -r '.regions[1].version' <<<"$OUT")" "11.10"
expect_eq "show names the interrupted attempt" "$(jq -r .interrupted.phase <<<"$OUT")" "programming the primary"
expect_exit 0 "$SF" show "$T" --layout "$L"
expect_contains "and how to finish it" "$OUT" "'safeflash resume $T --layout $L' finishes it"
expect_exit 0 "$SF" history --json
expect_eq "history: unfinished" "$(jq -r '.[-1].result' <<<"$OUT")" "unfinished"
expect_eq "history: versions" "$(jq -r '.[-1] | .from_revision + " -> " + .expected_revision' <<<"$OUT")" "11.10 -> 11.15"
expect_exit 0 "$SF" status
expect_contains "status" "$OUT" "programming the primary          in progress"

step "another image meanwhile: refused until the interrupted one is finished or abandoned"
expect_exit 8 "$SF" install "$WORK/v3.bin" "$T" --layout "$L" --image-version 11.20 --yes
expect_contains "says which attempt" "$ERR" "has an unfinished install of another image (attempt #2, 11.15"
expect_exit 8 "$SF" repair "$T" --layout "$L" --yes
expect_contains "repair points to resume" "$ERR" "attempt #2 (install) was interrupted during \"programming the primary\": 'safeflash resume"

step "safeflash resume TARGET: continues from the staged image"
expect_exit 0 "$SF" resume "$T" --layout "$L" --yes --json
expect_eq "result" "$(result_of outcome)" "updated"
expect_eq "continues #2" "$(result_of continues)" "2"
expect_eq "boots" "$(result_of version_after)" "11.15"
expect_exit 0 "$SF" history --json
expect_eq "#2 closed as interrupted" "$(jq -r '.[1].result + ": " + .[1].error' <<<"$OUT")" "interrupted: continued by #3"
expect_eq "#3 points back" "$(jq -r '.[2].resumed_from' <<<"$OUT")" "2"
expect_exit 0 "$SF" history
expect_contains "history rows show versions" "$OUT" "install $T  11.10 -> 11.15  updated"
expect_exit 0 "$SF" resume "$T" --layout "$L" --yes
expect_contains "nothing left" "$OUT" "nothing unfinished"

step "power lost while saving to the backup; a bare 'safeflash resume' runs the command again"
SAFEFLASH_NOR="fault=powercut@5" expect_exit 137 "$SF" install "$WORK/bios-3.sfpkg" "$T" --layout "$L" --yes
expect_exit 0 "$SF" show "$T" --layout "$L" --json
expect_eq "the primary still boots" "$(jq -r .boots <<<"$OUT")" "primary"
expect_exit 0 "$SF" resume
expect_contains "the same command" "$ERR" "resuming run"
expect_contains "updated" "$OUT" "11.15 -> 11.30"
expect_exit 0 "$SF" show "$T" --layout "$L" --json
expect_eq "backup holds 11.15" "$(jq -r '.regions[1].version' <<<"$OUT")" "11.15"
expect_eq "nothing interrupted" "$(jq -r '.interrupted // "none"' <<<"$OUT")" "none"

step "ab: power lost while slot b is written; another image needs --restart"
blank "$F"; AB="$ROOT/examples/flash/ab.layout"
expect_exit 0 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1 --yes
SAFEFLASH_NOR="fault=powercut@3" expect_exit 137 "$SF" install "$WORK/v2.bin" "$T" --layout "$AB" --image-version 2 --yes
expect_exit 8 "$SF" install "$WORK/v3.bin" "$T" --layout "$AB" --image-version 3 --yes
expect_exit 0 "$SF" install "$WORK/v3.bin" "$T" --layout "$AB" --image-version 3 --yes --restart
expect_contains "v3" "$OUT" "1 -> 3"
expect_exit 0 "$SF" history --json
expect_eq "abandoned" "$(jq -r '[.[] | select(.result == "abandoned")] | length' <<<"$OUT")" "1"

step "a layout over two flash chips (flash=1): each slot on its own chip"
blank "$WORK/chip0.bin" 2097152; blank "$WORK/chip1.bin" 2097152
printf 'layout ab\nregion a 0 2M flash=0\nregion b 0 2M flash=1\n' > "$WORK/two.layout"
TWO=("file:$WORK/chip0.bin" "file:$WORK/chip1.bin")
expect_exit 0 "$SF" install "$WORK/v1.bin" "${TWO[@]}" --layout "$WORK/two.layout" --image-version 1 --yes
expect_exit 0 "$SF" install "$WORK/v2.bin" "${TWO[@]}" --layout "$WORK/two.layout" --image-version 2 --yes
expect_exit 0 "$SF" show "${TWO[@]}" --layout "$WORK/two.layout" --json
expect_eq "b, on the second chip, boots 2" "$(jq -r '.boots + " " + .regions[1].version' <<<"$OUT")" "b 2"
expect_eq "chip 0 still holds 1 in slot a" "$(head -c 900128 "$WORK/chip0.bin" | tail -c 900000 | sha256sum)" "$(sha256sum < "$WORK/v1.bin")"
expect_eq "chip 1 holds 2" "$(head -c 950128 "$WORK/chip1.bin" | tail -c 950000 | sha256sum)" "$(sha256sum < "$WORK/v2.bin")"
expect_exit 11 "$SF" show "file:$WORK/chip0.bin" --layout "$WORK/two.layout"
one_line "one chip short" "$ERR"
finish
