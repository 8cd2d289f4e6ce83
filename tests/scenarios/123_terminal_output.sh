#!/bin/bash
# Nothing safeflash prints can drive a terminal (issue 19): strings from a
# package, a device or the command line reach stdout and stderr with their
# control characters escaped (\uXXXX), and JSON output stays valid UTF-8.
. "$(dirname "$0")/../lib/common.sh"
set -e
ESC=$'\e'; BEL=$'\a'; CR=$'\r'; CSI8=$'\xc2\x9b'
# raw_controls TEXT: the control bytes (not newline or tab) TEXT holds.
raw_controls() { printf '%s' "$1" | tr -d '\n\t' | LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' || true; }
valid_utf8() { python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8")'; }

step "release notes that retitle the terminal and fake a success line, from an unsigned package"
mkimg "$WORK/fw.img" 0400 100000
evil="fine${ESC}]0;pwned${BEL}${CR}safeflash: OK${ESC}[2J${CSI8}31m"
"$SF" package create --image "$WORK/fw.img" --vendor SFEMU --product 'JBOD*' --version 4.0 \
    --notes "$evil" -o "$WORK/evil.sfpkg" >/dev/null
expect_exit 0 "$SF" package inspect "$WORK/evil.sfpkg"
expect_eq "no raw control characters" "$(raw_controls "$OUT$ERR")" "0"
expect_contains "the escape is shown, not run" "$OUT" 'fine\u001b]0;pwned\u0007\u000dsafeflash: OK\u001b[2J\u009b31m'
case $OUT in *"$CSI8"*) fail "a C1 control (CSI) went through raw" ;; esac
expect_exit 0 "$SF" package inspect --json "$WORK/evil.sfpkg"
printf '%s' "$OUT" | valid_utf8 || fail "inspect --json is not valid UTF-8"
expect_eq "the JSON still says what the notes say" "$(jq -r .release_notes <<<"$OUT")" "$evil"

step "device strings: a revision with an escape sequence, as the enclosure reports it"
emu_quirks ""
"$SFEMU" mkimage --product JBOD-2U24 --revision "${ESC}[1m" --size 100000 -o "$WORK/esc.img"
expect_exit 0 sfp install --mode immediate --subenclosure 0 --yes $FAST "$WORK/esc.img" $DEV
expect_eq "install: no raw control characters" "$(raw_controls "$OUT$ERR")" "0"
expect_exit 0 "$SF" show $DEV
expect_eq "show: no raw control characters" "$(raw_controls "$OUT$ERR")" "0"
# The SES and INQUIRY decoders already turn what is not printable ASCII
# into '?'; the output filter is the second line of defence.
expect_contains "show: the revision made printable" "$OUT" 'rev ?[1m'
expect_exit 0 "$SF" show $DEV --json
printf '%s' "$OUT" | valid_utf8 || fail "show --json is not valid UTF-8"
expect_eq "show --json: the same revision" "$(jq -r '.subenclosures[0].version' <<<"$OUT")" "?[1m"
expect_exit 0 "$SF" history $DEV
expect_eq "history: no raw control characters" "$(raw_controls "$OUT$ERR")" "0"

step "the command line: --image-version with an escape sequence"
F="$WORK/board.bin"; head -c 4194304 /dev/zero | tr '\0' '\377' > "$F"
head -c 300000 /dev/urandom > "$WORK/v.bin"
expect_exit 0 "$SF" install "$WORK/v.bin" "file:$F" --layout "$ROOT/examples/flash/ab.layout" \
    --image-version "1${ESC}]0;t${BEL}" --yes
expect_eq "install: no raw control characters" "$(raw_controls "$OUT$ERR")" "0"
expect_contains "shown escaped" "$OUT" '1\u001b]0;t\u0007'

step "the command line: an operand with escapes is echoed escaped"
expect_exit 3 "$SF" show "/dev/sg${ESC}]0;x${BEL}"
expect_eq "error line: no raw control characters" "$(raw_controls "$ERR")" "0"
one_line "error" "$ERR"

step "bytes that are not UTF-8 become U+FFFD; long multi-byte text survives buffering"
long=$(python3 -c 'print("é" * 1000 + "€" * 500)')
"$SF" package create --image "$WORK/fw.img" --vendor SFEMU --product 'JBOD*' --version 4.1 \
    --notes "$long" -o "$WORK/long.sfpkg" >/dev/null
expect_exit 0 "$SF" package inspect "$WORK/long.sfpkg"
printf '%s' "$OUT" | valid_utf8 || fail "inspect of long UTF-8 notes is not valid UTF-8"
expect_contains "every character intact" "$OUT" "$long"
expect_exit 3 "$SF" show $'/dev/sg\xff\xfe-x'
printf '%s' "$ERR" | valid_utf8 || fail "an invalid byte in an operand reached stderr raw"
expect_contains "replaced" "$ERR" $'/dev/sg\xef\xbf\xbd\xef\xbf\xbd-x'
python3 -c 'print("é" * 2100)' > "$WORK/notes"
expect_exit 2 "$SF" package create --image "$WORK/fw.img" --vendor SFEMU --product 'JBOD*' \
    --version 4.2 --notes "$(cat "$WORK/notes")" -o "$WORK/cut.sfpkg"
expect_contains "too long is refused, not cut inside a character" "$ERR" "--notes is at most 4095 bytes"
finish
