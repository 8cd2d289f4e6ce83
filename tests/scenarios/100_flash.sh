#!/bin/bash
# Board firmware in NOR flash through the CLI, on file: targets (the NOR
# model): both example layouts, field report 000 (the backup save fails:
# DEGRADED, primary untouched, locks kept, history and show say so, repair
# finishes the update), delta writes, and clear errors.
. "$(dirname "$0")/../lib/common.sh"
set -e
# --json is one JSON object per line (docs/json.md); the item's result:
result_of() { jq -r "select(.event == \"result\") | .item.$1" <<<"$OUT"; }
PB="$ROOT/examples/flash/primary-backup.layout"; AB="$ROOT/examples/flash/ab.layout"
blank() { head -c 4194304 /dev/zero | tr '\0' '\377' > "$1"; rm -f "$1.locks"; }
head -c 900000 /dev/urandom > "$WORK/v1.bin"; head -c 950000 /dev/urandom > "$WORK/v2.bin"
F="$WORK/board.bin"; T="file:$F"

step "a blank flash: nothing boots"
blank "$F"
expect_exit 0 "$SF" show "$T" --layout "$PB"
expect_contains "says so" "$OUT" "NOTHING BOOTS"

step "first install on primary-backup"
expect_exit 0 "$SF" install "$WORK/v1.bin" "$T" --layout "$PB" --image-version 11.11 --yes
expect_contains "updated" "$OUT" "updated: (nothing) -> 11.11"
expect_exit 0 "$SF" show "$T" --layout "$PB" --json
expect_eq "boots" "$(jq -r .boots <<<"$OUT")" "primary"
expect_eq "version" "$(jq -r '.regions[0].version' <<<"$OUT")" "11.11"

step "field report 000: saving the primary to the backup fails at a chosen block"
{ printf '1%.0s' $(seq 64); echo; } > "$F.locks"  # the board keeps both regions locked
cp "$F.locks" "$WORK/locks.before"
head -c 2097152 "$F" > "$WORK/primary.before"
SAFEFLASH_NOR="locks=1,fault=program@3" expect_exit 17 "$SF" install "$WORK/v2.bin" "$T" \
    --layout "$PB" --image-version 11.15 --yes
expect_contains "DEGRADED with the step and block" "$OUT" \
    "DEGRADED: saving the primary to the backup at region backup, block 0x2"
expect_contains "the way out" "$OUT" "the primary was not touched and boots 11.11"
head -c 2097152 "$F" > "$WORK/primary.after"
if cmp -s "$WORK/primary.before" "$WORK/primary.after"; then echo "   ok: primary byte-for-byte unchanged"
else fail "the primary changed"; fi
if cmp -s "$WORK/locks.before" "$F.locks"; then echo "   ok: locks as they were"; else fail "locks changed"; fi
expect_exit 0 "$SF" history --json
expect_eq "history result" "$(jq -r '.[-1].result' <<<"$OUT")" "degraded"
SAFEFLASH_NOR="locks=1" expect_exit 0 "$SF" show "$T" --layout "$PB"
expect_contains "backup marked bad" "$OUT" "backup: BAD - update attempt #"
SAFEFLASH_NOR="locks=1" expect_exit 0 "$SF" repair "$T" --layout "$PB" --yes
expect_contains "repair finishes the update" "$OUT" "11.11 -> 11.15"
SAFEFLASH_NOR="locks=1" expect_exit 0 "$SF" show "$T" --layout "$PB" --json
expect_eq "primary" "$(jq -r '.regions[0].version' <<<"$OUT")" "11.15"
expect_eq "backup keeps the last good" "$(jq -r '.regions[1].version' <<<"$OUT")" "11.11"
if cmp -s "$WORK/locks.before" "$F.locks"; then echo "   ok: locks put back"; else fail "locks not restored"; fi

step "an interrupted primary: the backup boots; a rerun finishes"
SAFEFLASH_NOR="locks=1,fault=program-torn@20" expect_exit 1 "$SF" install "$WORK/v1.bin" "$T" \
    --layout "$PB" --image-version 12.0 --yes
expect_contains "names the step" "$OUT" "failed: programming the primary at region primary"
SAFEFLASH_NOR="locks=1" expect_exit 0 "$SF" show "$T" --layout "$PB" --json
expect_eq "the backup boots" "$(jq -r .boots <<<"$OUT")" "backup"
SAFEFLASH_NOR="locks=1" expect_exit 0 "$SF" install "$WORK/v1.bin" "$T" --layout "$PB" \
    --image-version 12.0 --yes --json
expect_eq "rerun" "$(result_of version_after)" "12.0"

step "ab: the slot that boots is never written; delta writes"
blank "$F"
expect_exit 0 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes
expect_exit 0 "$SF" install "$WORK/v2.bin" "$T" --layout "$AB" --image-version 2.0 --yes --json
expect_eq "b boots" "$(result_of version_after)" "2.0"
expect_exit 16 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes
expect_contains "a downgrade is refused" "$ERR" "boots 2.0, newer than 1.0: refusing a downgrade"
expect_exit 0 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes --json \
    --allow-downgrade
expect_eq "only the header block of a is rewritten" "$(result_of flash.blocks_written)" "1"
expect_exit 0 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes --json
expect_eq "nothing to do" "$(result_of outcome)" "skipped"
expect_exit 10 "$SF" repair "$T" --layout "$AB" --yes

step "errors: one line, non-zero, nothing written"
expect_exit 2 "$SF" install "$WORK/v1.bin" "$T" --image-version 1 --yes
one_line "no layout" "$ERR"
expect_exit 2 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --yes
one_line "no version" "$ERR"
expect_exit 2 "$SF" show "$T" --layout "$AB" --frobnicate
printf 'layout ab\nregion a 0 2M\n' > "$WORK/bad.layout"
expect_exit 11 "$SF" show "$T" --layout "$WORK/bad.layout"
expect_contains "layout error" "$ERR" "needs regions a and b"
SAFEFLASH_NOR="erase=4M" expect_exit 11 "$SF" show "$T" --layout "$AB"
one_line "misaligned" "$ERR"
head -c 3000000 /dev/urandom > "$WORK/big.bin"
expect_exit 8 "$SF" install "$WORK/big.bin" "$T" --layout "$AB" --image-version 3 --yes
expect_contains "too big: refused in one line" "$ERR" "does not fit region"
one_line "too big" "$ERR"
if grep -q "boots now\|NOTHING" <<<"$OUT$ERR"; then fail "a refusal talks of a brick: $OUT $ERR"; else echo "   ok: no word of what boots after a refusal"; fi
expect_exit 3 "$SF" show "file:$WORK/nonexistent" --layout "$AB"
one_line "no such file" "$ERR"
step "one writer per flash chip, whatever path names it"
blank "$F"; ln -sf "$F" "$WORK/alias.bin"
export SAFEFLASH_STATE_DIR="$WORK/lockstate"
expect_exit 0 "$SF" install "$WORK/v1.bin" "$T" --layout "$AB" --image-version 1.0 --yes
L=$(ls "$SAFEFLASH_STATE_DIR"/locks/*.lock)
expect_eq "one lock file for the chip" "$(wc -l <<<"$L")" "1"
exec 9<>"$L"; flock -n 9   # this shell holds the chip's lock, as a running safeflash would
expect_exit 8 "$SF" install "$WORK/v2.bin" "file:$WORK/alias.bin" --layout "$AB" --image-version 2.0 --yes
expect_contains "refused through the symlink" "$ERR" "is updating this flash device; wait for it to finish"
one_line "in one line" "$ERR"
expect_exit 8 "$SF" resume "$T" --layout "$AB" --yes
expect_exit 0 "$SF" install "$WORK/v2.bin" "$T" --layout "$AB" --image-version 2.0 --dry-run
expect_exit 0 "$SF" show "$T" --layout "$AB" --json
expect_eq "nothing was written meanwhile" "$(jq -r '[.regions[].version] | join(" ")' <<<"$OUT")" "1.0 "
exec 9>&-
expect_exit 0 "$SF" install "$WORK/v2.bin" "file:$WORK/alias.bin" --layout "$AB" --image-version 2.0 --yes
finish
