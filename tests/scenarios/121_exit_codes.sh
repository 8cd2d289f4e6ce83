#!/bin/bash
# Every exit code the help documents is reached by a real situation, here,
# with the code the table gives it (issue 19): one table (sf_cli_table.c)
# feeds `safeflash --help`, the man page and the README, and this test
# fails if a documented code has no situation below or a situation ends
# with another code.  Errors are one line on stderr.
. "$(dirname "$0")/../lib/common.sh"
set -e
declare -A covered

# code CODE WHAT CMD... : run CMD, expect CODE, record the code as covered.
code() {
    local want=$1 what=$2; shift 2
    step "$want: $what"
    expect_exit "$want" "$@"
    covered[$want]=1
}

emu_quirks ""
mkimg "$WORK/fw.img" 0400 200000
cp "$ROOT/tests/lib/errors.conf" "$WORK/errs.conf"
errs() { SAFEFLASH_EMU="$WORK/errs.conf" "$@"; }

code 0 "status --json before any run: {}" "$SF" status --json
expect_eq "an empty JSON value" "$(jq -c . <<<"$OUT")" "{}"
code 0 "history --json before any run: []" "$SF" history --json
expect_eq "an empty JSON value" "$(jq -c . <<<"$OUT")" "[]"
code 0 "done" sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
"$SFEMU" mkimage --product JBOD-2U24 --revision 0800 --size 200000 --corrupt -o "$WORK/bad.img"
code 1 "the device rejects the image (81h)" sfp install --mode immediate --yes $FAST "$WORK/bad.img" $DEV
code 2 "an unknown option" "$SF" install --frobnicate "$WORK/fw.img" $DEV
one_line "usage error" "$ERR"
code 2 "an option without its value" "$SF" install "$WORK/fw.img" $DEV --chunk-size
expect_contains "names the value" "$ERR" "--chunk-size needs a value"
code 3 "no such device" "$SF" show /dev/sg-does-not-exist
code 3 "no such run" "$SF" status --run 0123456789abcdef
touch "$WORK/node"; chmod 000 "$WORK/node"; chmod 755 "$WORK"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
    code 4 "permission denied" setpriv --reuid=65534 --regid=65534 --clear-groups "$SF" show "$WORK/node"
else
    echo "   skip: code 4 needs root and setpriv"; covered[4]=1
fi
code 5 "partner-sync on a device that is not an enclosure" errs "$SF" partner-sync /dev/sg-disk
code 6 "a garbage configuration page" errs "$SF" show /dev/sg-garbage
code 7 "a BMC that does not answer" env SAFEFLASH_REDFISH_PASSWORD=x "$SF" show redfish://admin@127.0.0.1:1 --plain-http
code 8 "no --yes and no terminal" sfp install --mode immediate $FAST "$WORK/fw.img" $DEV </dev/null
expect_contains "says so" "$ERR" "nothing was written"

"$ROOT/scripts/mkshelves" 3 "$WORK" 0
rm -f "$WORK/shelves.state"
"$SFEMU" mkimage --product SHELF --revision 0300 --size 100000 -o "$WORK/fw3.bin"
export SAFEFLASH_EMU="$WORK/shelves.conf"
"$SFEMU" fault /dev/sg-emu-shelf1 6 power=40
code 9 "one of three shelves lost mid-download" sfp install --jobs 3 --mode immediate --yes $FAST "$WORK/fw3.bin" /dev/sg-emu-shelf0 /dev/sg-emu-shelf1 /dev/sg-emu-shelf2
emu_quirks ""
code 10 "a device that says 0Dh and answers no SES pages" errs "$SF" show /dev/sg-nopages
code 11 "an unknown transport" env SAFEFLASH_TRANSPORT=warp "$SF" show /dev/x
emu_quirks "\"needs_power_cycle\": 1"
code 12 "stored; runs after a power cycle" sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
emu_quirks ""

# Packages: a trusted key, a package, and damaged or foreign ones.
export SAFEFLASH_KEYS="$WORK/keys"; mkdir -p "$SAFEFLASH_KEYS"
"$SF" key generate "$WORK/k" >/dev/null; cp "$WORK/k.pub" "$SAFEFLASH_KEYS/"
"$SF" key generate "$WORK/other" >/dev/null
mkimg "$WORK/fw5.img" 0500 200000
"$SF" package create --image "$WORK/fw5.img" --vendor SFEMU --product 'JBOD-2U24*' --version 5.0 \
    --revision 0500 --sign "$WORK/k.key" -o "$WORK/fw5.sfpkg" >/dev/null
"$SF" package create --image "$WORK/fw5.img" --vendor SFEMU --product 'JBOD-2U24*' --version 5.0 \
    --revision 0500 --sign "$WORK/other.key" -o "$WORK/stranger.sfpkg" >/dev/null
code 13 "signed by a key nobody trusts" sfp install --yes $FAST "$WORK/stranger.sfpkg" $DEV
cp "$WORK/fw5.sfpkg" "$WORK/tampered.sfpkg"
size=$(stat -c %s "$WORK/tampered.sfpkg")
printf 'X' | dd of="$WORK/tampered.sfpkg" bs=1 seek=$((size - 5000)) conv=notrunc 2>/dev/null
code 14 "an image altered after signing" "$SF" package verify "$WORK/tampered.sfpkg"
"$SF" package create --image "$WORK/fw5.img" --vendor ACME --product 'OTHER*' --version 5.0 \
    --revision 0500 --sign "$WORK/k.key" -o "$WORK/acme.sfpkg" >/dev/null
code 15 "a package for another product" sfp install --yes $FAST "$WORK/acme.sfpkg" $DEV
mkimg "$WORK/fw2.img" 0200 200000
"$SF" package create --image "$WORK/fw2.img" --vendor SFEMU --product 'JBOD-2U24*' --version 2.0 \
    --revision 0200 --sign "$WORK/k.key" -o "$WORK/old.sfpkg" >/dev/null
code 16 "older than what runs" sfp install --yes $FAST "$WORK/old.sfpkg" $DEV

# Flash: the backup cannot be saved (field report 000).
PB="$ROOT/examples/flash/primary-backup.layout"
F="$WORK/board.bin"; head -c 4194304 /dev/zero | tr '\0' '\377' > "$F"
head -c 900000 /dev/urandom > "$WORK/v1.bin"; head -c 950000 /dev/urandom > "$WORK/v2.bin"
expect_exit 0 "$SF" install "$WORK/v1.bin" "file:$F" --layout "$PB" --image-version 1.1 --yes
{ printf '1%.0s' $(seq 64); echo; } > "$F.locks"
SAFEFLASH_NOR="locks=1,fault=program@3" code 17 "the backup save fails" \
    "$SF" install "$WORK/v2.bin" "file:$F" --layout "$PB" --image-version 2.2 --yes
rm -f "$F.locks"

mkdir -p "$WORK/st18"; head -c 8192 /dev/urandom > "$WORK/st18/history.db"
code 18 "a damaged history database" env SAFEFLASH_STATE_DIR="$WORK/st18" \
    "$SF" install "$WORK/v2.bin" "file:$F" --layout "$PB" --image-version 3.3 --yes
one_line "damaged history" "$ERR"

code 19 "a missing image" sfp install --yes $FAST "$WORK/missing.img" $DEV
one_line "missing image" "$ERR"
mkfifo "$WORK/fifo"
code 19 "a FIFO as the image: refused, never waited on" timeout 20 "$SF" install --yes "$WORK/fifo" $DEV
expect_contains "says why" "$ERR" "not a regular file"
code 19 "a FIFO as a package to inspect" timeout 20 "$SF" package inspect "$WORK/fifo"
code 19 "a device node as the image" sfp install --yes $FAST /dev/zero $DEV
code 19 "a device node as a flash image" "$SF" install --yes /dev/zero "file:$F" --layout "$PB" --image-version 1
code 19 "a directory as the image" "$SF" install --yes "$WORK" "file:$F" --layout "$PB" --image-version 1
code 19 "key generate into a missing directory" "$SF" key generate /nonexistent/dir/k
code 19 "package create signing with a public key" "$SF" package create --image "$WORK/fw5.img" \
    --vendor V --product P --version 1 --sign "$WORK/k.pub" -o "$WORK/x.sfpkg"
expect_contains "names the key" "$ERR" "k.pub"

# A baseline the enclosure does not run yet (issue 20).
mkdir -p "$WORK/mirror"; cp "$WORK/fw5.sfpkg" "$WORK/mirror/"
echo '{ "format": 1, "name": "t", "items": [ { "match": { "class": "ses", "vendor": "SFEMU", "product": "JBOD-2U24*" }, "package": "fw5.sfpkg", "version": "0500" } ] }' > "$WORK/mirror/b.json"
code 20 "check: the enclosure drifts from the baseline" sfp check "$WORK/mirror/b.json" $DEV --allow-unsigned

step "every documented code has a situation above"
documented=$("$SF" --help | sed -n '/^Exit codes:/,$p' | awk '/^ +[0-9]+  /{print $1}')
[ -n "$documented" ] || fail "no exit codes in --help"
for c in $documented; do
    [ "${covered[$c]:-}" = 1 ] || fail "exit code $c is documented but no situation here reaches it"
done
echo "   documented: $(echo $documented)"
finish
