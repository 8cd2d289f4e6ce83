#!/bin/bash
# safeflash killed with SIGKILL at every SCSI command of an install, through
# the preload library; a rerun (install again, or resume) completes with the
# right revision on every processor, never downloads twice what is stored,
# never activates twice, and history shows both attempts.  Two safeflash
# processes on one enclosure are refused; on different enclosures they run.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkdir -p "$WORK/keys"
export SAFEFLASH_KEYS="$WORK/keys"
"$SF" key generate "$WORK/k" >/dev/null
cp "$WORK/k.pub" "$WORK/keys/"
mkimg "$WORK/fw.bin" 0300 300000          # 5 pages per processor
for m in immediate deferred; do
    "$SF" package create --image "$WORK/fw.bin" --vendor SFEMU --product 'JBOD-2U24*' \
        --version 0300 --mode $m --sign "$WORK/k.key" -o "$WORK/$m.sfpkg" >/dev/null
done
fresh() { emu_quirks ""; rm -rf "$SAFEFLASH_STATE_DIR"; }
counts() { emu_state | jq -c '[[.subenclosures[].downloads],[.subenclosures[].activations]]'; }

for mode in immediate deferred; do
    step "count the commands of a clean $mode install"
    fresh
    expect_exit 0 sfp install --yes $FAST "$WORK/$mode.sfpkg" $DEV
    N=$(emu_state | jq .commands)
    echo "   $N commands"
    want_done=$([ $mode = immediate ] && echo "0300,0300" || echo "0100,0207")
    want_counts=$([ $mode = immediate ] && echo "[[1,1],[1,1]]" || echo "[[1,1],[0,0]]")
    killed=0; interrupted=0
    for k in $(seq 1 "$N"); do
        fresh
        set +e
        SAFEFLASH_EMU_KILL_AT=$k sfp install --yes $FAST "$WORK/$mode.sfpkg" $DEV > "$WORK/o1" 2>&1
        rc1=$?
        set -e
        [ "$rc1" = 137 ] && killed=$((killed + 1))
        set +e
        if [ $((k % 2)) = 0 ]; then
            # The operator simply runs the same install again.
            sfp install --yes $FAST "$WORK/$mode.sfpkg" $DEV > "$WORK/o2" 2>&1
            rc2=$?
        else
            # Or runs resume, then the install again for anything the kill
            # left unjournaled: that second run must not redo finished work.
            sfp resume --yes $FAST $DEV > "$WORK/o2" 2>&1
            rc2=$?
            [ "$rc2" = 0 ] && { sfp install --yes $FAST "$WORK/$mode.sfpkg" $DEV >> "$WORK/o2" 2>&1; rc2=$?; }
        fi
        set -e
        revs="$(sub_rev 0),$(sub_rev 1)"
        deferred=$(emu_state | jq -r '[.subenclosures[].deferred]|join(",")')
        if [ "$rc2" != 0 ]; then fail "$mode kill@$k: rerun exit $rc2: $(tail -n 2 "$WORK/o2")"; continue; fi
        [ "$revs" = "$want_done" ] || fail "$mode kill@$k: revisions $revs, want $want_done"
        [ $mode = immediate ] || [ "$deferred" = "0300,0300" ] || fail "$mode kill@$k: deferred images '$deferred'"
        [ "$(counts)" = "$want_counts" ] || fail "$mode kill@$k: downloads/activations $(counts), want $want_counts"
        h=$("$SF" history --json $DEV)
        if [ "$(jq '[.[]|select(.result=="interrupted")]|length' <<<"$h")" -gt 0 ]; then
            interrupted=$((interrupted + 1))
            [ "$(jq '[.[]|select(.resumed_from)]|length' <<<"$h")" -gt 0 ] || fail "$mode kill@$k: no attempt continues the interrupted one"
        fi
    done
    echo "   killed $killed times; $interrupted reruns continued a journaled attempt"
    [ "$killed" -gt 0 ] && [ "$interrupted" -gt 0 ] && echo "   ok: kills and journaled continuations happened" \
        || fail "$mode: kills $killed, continuations $interrupted"
done

step "show tells the operator about an interrupted install"
fresh
SAFEFLASH_EMU_KILL_AT=8 sfp install --yes $FAST "$WORK/immediate.sfpkg" $DEV >/dev/null 2>&1 || true
expect_exit 0 sfp show $DEV
expect_contains "warning" "$OUT" "an interrupted install of subenclosure 0 is recorded"
expect_contains "hint" "$OUT" "run 'safeflash resume $DEV'"
expect_exit 0 sfp resume --yes --json $FAST $DEV
expect_eq "resume --json plans (it used to crash: no image named)" \
    "$(jq -r 'select(.event == "plan") | .action' <<<"$OUT")" "resume"
expect_exit 0 sfp show $DEV
if grep -q "interrupted install" <<<"$OUT"; then fail "still reported after resume"; else echo "   ok: gone after resume"; fi

step "deferred, killed after storing: activate afterwards runs each image once"
fresh
SAFEFLASH_EMU_KILL_AT=22 sfp install --yes $FAST "$WORK/deferred.sfpkg" $DEV >/dev/null 2>&1 || true
expect_exit 0 sfp resume --yes $FAST $DEV
expect_exit 0 sfp activate --yes $FAST $DEV
expect_eq "running" "$(sub_rev 0),$(sub_rev 1)" "0300,0300"
expect_eq "downloads and activations" "$(counts)" "[[1,1],[1,1]]"

step "two safeflash processes on one enclosure: the second is refused"
fresh
emu_quirks '"latency_us": 100000'
sfp install --yes $FAST "$WORK/immediate.sfpkg" $DEV > "$WORK/bg.out" 2>&1 &
bg=$!
# Wait until the first one holds the enclosure's lock (it is slow: 100 ms
# per command), then try a second.
for _ in $(seq 1 200); do
    [ -n "$(ls "$SAFEFLASH_STATE_DIR/locks" 2>/dev/null)" ] && break
    sleep 0.02
done
expect_exit 8 sfp install --yes $FAST "$WORK/immediate.sfpkg" $DEV
one_line "error" "$ERR"; expect_contains "error" "$ERR" "another safeflash (pid "
expect_contains "error" "$ERR" "is updating enclosure 5000ccab0400003e"
wait $bg && echo "   ok: the first install finished" || fail "first install failed: $(tail -n 3 "$WORK/bg.out")"

step "on different enclosures they run side by side"
sed -e 's|/dev/sg-emu-jbod0|/dev/sg-emu-jbod1|' -e 's|0400003e|0400103e|; s|0400007e|0400107e|' \
    -e 's|"state": "jbod.state"|"state": "jbod1.state"|' "$WORK/emu.conf" > "$WORK/emu1.conf"
rm -f "$WORK/jbod.state"
sfp install --yes $FAST "$WORK/immediate.sfpkg" $DEV > "$WORK/a.out" 2>&1 &
a=$!
SAFEFLASH_EMU="$WORK/emu1.conf" preload "$SF" install --yes $FAST "$WORK/immediate.sfpkg" /dev/sg-emu-jbod1 > "$WORK/b.out" 2>&1 \
    && echo "   ok: second enclosure updated" || fail "second enclosure: $(tail -n 2 "$WORK/b.out")"
wait $a && echo "   ok: first enclosure updated" || fail "first enclosure: $(tail -n 2 "$WORK/a.out")"
finish
