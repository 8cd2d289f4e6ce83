#!/bin/bash
# Hardening of everything local (issue 19): what safeflash trusts on the
# host it runs on is refused, in one line naming the file and the fix, when
# someone else could have put it there:
#   - trusted keys others may write, or a key that is a link (StrictModes);
#   - a state directory others may write; a lock file planted as a link
#     (its target is neither truncated nor written);
#   - a manifest that is not UTF-8 or names a key twice;
#   - an image, package or layout that is not a regular file (a FIFO is
#     refused at once, never waited on); a missing one is a file error;
#   - a history database that is empty or damaged (never started afresh).
# And the read-only commands (show, history, status) work on a read-only
# state directory and for another user who may read it, creating nothing.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_quirks ""
ST="$SAFEFLASH_STATE_DIR"
mkdir -p "$WORK/keys"
export SAFEFLASH_KEYS="$WORK/keys"
"$SF" key generate "$WORK/k" >/dev/null
cp "$WORK/k.pub" "$WORK/keys/"
mkimg "$WORK/fw.bin" 0300 200000
"$SF" package create --image "$WORK/fw.bin" --vendor SFEMU --product 'JBOD-2U24*' \
    --version 0300 --mode immediate --sign "$WORK/k.key" -o "$WORK/fw.sfpkg" >/dev/null
# tree DIR: every name under DIR with its type and mode, to compare before/after
tree() { (cd "$1" && find . -printf '%p %y %m %s\n' | sort); }

step "trusted keys others may write are refused, naming the file and the fix (exit 13)"
chmod 777 "$WORK/keys"
expect_exit 13 "$SF" package verify "$WORK/fw.sfpkg"
one_line "error" "$ERR"
expect_contains "error" "$ERR" "refusing trusted keys: $WORK/keys is world-writable (chmod go-w $WORK/keys)"
expect_exit 13 sfp install --yes $FAST "$WORK/fw.sfpkg" $DEV
one_line "error" "$ERR"
expect_eq "error" "$ERR" "safeflash: refusing trusted keys: $WORK/keys is world-writable (chmod go-w $WORK/keys)"
chmod 755 "$WORK/keys"
chmod 664 "$WORK/keys/k.pub"
expect_exit 13 "$SF" package verify "$WORK/fw.sfpkg"
expect_contains "error" "$ERR" "$WORK/keys/k.pub is group-writable (chmod go-w $WORK/keys/k.pub)"
chmod 644 "$WORK/keys/k.pub"
mv "$WORK/keys/k.pub" "$WORK/k-real.pub"; ln -s "$WORK/k-real.pub" "$WORK/keys/k.pub"
expect_exit 13 "$SF" package verify "$WORK/fw.sfpkg"
one_line "error" "$ERR"
expect_contains "error" "$ERR" "$WORK/keys/k.pub is a symbolic link"
rm "$WORK/keys/k.pub"; mv "$WORK/k-real.pub" "$WORK/keys/k.pub"
expect_exit 0 "$SF" package verify "$WORK/fw.sfpkg"
expect_eq "nothing written by the refusals" "$(writes)" "0"

step "a manifest with a key named twice, or bytes that are not UTF-8, is refused (exit 14)"
rm -rf "$WORK/u"; mkdir "$WORK/u"; tar -xf "$WORK/fw.sfpkg" -C "$WORK/u"
sed -i 's/"version": "0300",/"version": "0300", "version": "0100",/' "$WORK/u/manifest.json"
repack "$WORK/u" "$WORK/dup.sfpkg"
expect_exit 14 "$SF" package verify "$WORK/dup.sfpkg"
one_line "error" "$ERR"
expect_contains "error" "$ERR" "manifest: key \"version\" appears twice in one object"
expect_exit 14 sfp install --yes $FAST --allow-unsigned "$WORK/dup.sfpkg" $DEV
one_line "error" "$ERR"
rm -rf "$WORK/u"; mkdir "$WORK/u"; tar -xf "$WORK/fw.sfpkg" -C "$WORK/u"
sed -i 's/"version": "0300",/"version": "0300", "release_notes": "caf\xe9",/' "$WORK/u/manifest.json"
repack "$WORK/u" "$WORK/latin1.sfpkg"
expect_exit 14 "$SF" package inspect "$WORK/latin1.sfpkg"
one_line "error" "$ERR"
expect_contains "error" "$ERR" "manifest is not valid UTF-8 (byte 0xe9 at offset"
expect_eq "nothing written by the refusals" "$(writes)" "0"

step "only regular files are read as images, packages and layouts; a FIFO never blocks (exit 19)"
mkfifo "$WORK/fifo.bin"
expect_exit 19 timeout 20 "$SF" install --yes $FAST "$WORK/fifo.bin" $DEV
one_line "error" "$ERR"
expect_eq "error" "$ERR" "safeflash: $WORK/fifo.bin: not a regular file"
expect_exit 19 timeout 20 "$SF" package verify "$WORK/fifo.bin"
expect_eq "error" "$ERR" "safeflash: $WORK/fifo.bin: not a regular file"
expect_exit 19 timeout 20 "$SF" package inspect "$WORK/fifo.bin"
expect_exit 19 timeout 20 "$SF" install --yes $FAST "$WORK" $DEV
expect_eq "error" "$ERR" "safeflash: $WORK: not a regular file"
step "a missing image or package is a file error, not 'no such device'"
expect_exit 19 sfp install --yes $FAST "$WORK/missing.bin" $DEV
one_line "error" "$ERR"
expect_eq "error" "$ERR" "safeflash: $WORK/missing.bin: No such file or directory"
expect_exit 19 "$SF" package verify "$WORK/missing.sfpkg"
one_line "error" "$ERR"
dd if=/dev/zero of="$WORK/board.bin" bs=1M count=8 2>/dev/null
expect_exit 19 timeout 20 "$SF" show "file:$WORK/board.bin" --layout "$WORK/fifo.bin"
one_line "error" "$ERR"
expect_contains "error" "$ERR" "$WORK/fifo.bin: not a regular file"
expect_eq "nothing written by the refusals" "$(writes)" "0"

step "the state directory is made 0700; one that others may write is refused"
expect_exit 0 sfp install --yes $FAST "$WORK/fw.sfpkg" $DEV
expect_eq "state directory mode" "$(stat -c %a "$ST")" "700"
expect_eq "locks/ mode" "$(stat -c %a "$ST/locks")" "700"
expect_eq "staging/ mode" "$(stat -c %a "$ST/staging")" "700"
W0=$(writes)
chmod 777 "$ST"
expect_exit 11 "$SF" history
one_line "error" "$ERR"
expect_eq "error" "$ERR" "safeflash: refusing state directory: $ST is world-writable (chmod go-w $ST)"
expect_exit 11 "$SF" status
one_line "error" "$ERR"
mkimg "$WORK/fw4.bin" 0400 200000
expect_exit 18 sfp install --yes $FAST --mode immediate "$WORK/fw4.bin" $DEV
one_line "error" "$ERR"
expect_contains "error" "$ERR" "refusing state directory: $ST is world-writable (chmod go-w $ST)"
chown 4321 "$ST"; chmod 700 "$ST"
expect_exit 11 "$SF" history
expect_contains "error" "$ERR" "owned by uid 4321, neither root nor you (chown root $ST)"
chown 0 "$ST"
expect_eq "nothing written by the refusals" "$(writes)" "$W0"

step "a lock file planted as a symbolic link is refused; its target is left alone"
LOCK=$(ls "$ST/locks/" | head -n1)
expect_contains "lock file" "$LOCK" ".lock"
printf 'precious\n' > "$WORK/victim"
rm "$ST/locks/$LOCK"; ln -s "$WORK/victim" "$ST/locks/$LOCK"
expect_exit 18 sfp install --yes $FAST --mode immediate "$WORK/fw4.bin" $DEV
one_line "error" "$ERR"
expect_contains "error" "$ERR" "refusing lock file $ST/locks/$LOCK: a symbolic link, not followed (remove it)"
expect_eq "the link's target" "$(cat "$WORK/victim")" "precious"
expect_eq "nothing written" "$(writes)" "$W0"
rm "$ST/locks/$LOCK"

step "read-only commands create nothing where there is no state"
NOST="$WORK/never-made"
expect_exit 0 env SAFEFLASH_STATE_DIR="$NOST" "$SF" history
expect_exit 0 env SAFEFLASH_STATE_DIR="$NOST" "$SF" status
expect_exit 0 env SAFEFLASH_STATE_DIR="$NOST" "$SF" show $DEV
[ ! -e "$NOST" ] && echo "   ok: no state directory made" || fail "a read-only command made $NOST"

step "show, history and status on a read-only state directory (root, read-only mount)"
BEFORE=$(tree "$ST")
HIST=$("$SF" history --json | jq -c '[.[].result]')
expect_eq "history before" "$HIST" '["updated","updated"]'
if unshare -m true 2>/dev/null; then
    ro() { unshare -m sh -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && shift && exec "$@"' "$ST" x "$@"; }
    expect_exit 0 ro "$SF" history --json
    expect_eq "history on a read-only mount" "$(jq -c '[.[].result]' <<<"$OUT")" "$HIST"
    expect_exit 0 ro "$SF" status --json
    expect_eq "status on a read-only mount" "$(jq -r '.state // .run.state' <<<"$OUT")" "completed"
    expect_exit 0 ro "$SF" show $DEV
    expect_eq "nothing created or changed" "$(tree "$ST")" "$BEFORE"
else
    echo "   skipped: no mount namespace here (unshare -m failed)"
fi

step "show, history and status for another user who may only read the state"
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    chmod 755 "$WORK"; chmod -R a-w,a+rX "$ST"
    chmod 666 "$WORK/jbod.state" 2>/dev/null || true
    BEFORE=$(tree "$ST")
    nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
    expect_exit 0 nobody "$SF" history --json
    expect_eq "history as nobody" "$(jq -c '[.[].result]' <<<"$OUT")" "$HIST"
    expect_exit 0 nobody "$SF" status
    expect_contains "status as nobody" "$OUT" "completed"
    expect_exit 0 nobody "$SF" show $DEV
    expect_eq "nothing created or changed" "$(tree "$ST")" "$BEFORE"
    chmod -R u+w "$ST"; chmod 700 "$ST"
else
    echo "   skipped: cannot run as nobody here (setpriv failed)"
fi

step "an empty or damaged history.db is refused, never started afresh"
mv "$ST/history.db" "$WORK/history.good"
: > "$ST/history.db"
expect_exit 11 "$SF" history
one_line "error" "$ERR"
expect_eq "error" "$ERR" "safeflash: $ST/history.db is damaged (an empty file): move it aside (mv $ST/history.db $ST/history.db.bad) to start a new history"
expect_exit 11 "$SF" status
one_line "error" "$ERR"
expect_exit 18 sfp install --yes $FAST --mode immediate "$WORK/fw4.bin" $DEV
one_line "error" "$ERR"
expect_contains "error" "$ERR" "history.db is damaged (an empty file): move it aside"
expect_eq "still empty" "$(stat -c %s "$ST/history.db")" "0"
head -c 8192 /dev/urandom > "$ST/history.db"
expect_exit 11 "$SF" history
one_line "error" "$ERR"
expect_contains "error" "$ERR" "history.db is damaged (file is not a database): move it aside (mv $ST/history.db $ST/history.db.bad)"
expect_exit 18 sfp install --yes $FAST --mode immediate "$WORK/fw4.bin" $DEV
expect_eq "still the garbage" "$(stat -c %s "$ST/history.db")" "8192"
expect_eq "nothing written" "$(writes)" "$W0"
step "moved aside as told: a new history starts"
mv "$ST/history.db" "$ST/history.db.bad"
expect_exit 0 sfp install --yes $FAST --mode immediate "$WORK/fw4.bin" $DEV
expect_eq "the new history" "$("$SF" history --json | jq -c '[.[].to_revision]')" '["0400","0400"]'
finish
