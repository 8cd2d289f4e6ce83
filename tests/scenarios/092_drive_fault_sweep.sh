#!/bin/bash
# Interrupt a drive update at every command: for each command k of an
# install (07h in chunks, then 0Eh + --activate) and each fault kind, the
# k-th command fails; afterwards the drive must run either its old image or
# the new one (never a partial one), safeflash's exit code must agree with
# what the drive runs, a failure must say so in one line, and a rerun must
# finish the job.
. "$(dirname "$0")/../lib/common.sh"
set -e
# Drives that restart at once (no NOT READY after activation): the sweep
# is about where a failure lands, not about waiting.
sed 's/"max_image": 2097152 }/"max_image": 2097152, "activate_not_ready": 0 }/' \
    "$ROOT/examples/emu/drives.conf" > "$WORK/emu.conf"
export SAFEFLASH_EMU="$WORK/emu.conf"
D=/dev/sg-emu-hdd0
rev() { "$SFEMU" state $D | jq -r '.subenclosures[0].revision'; }
valid() { "$SFEMU" state $D | jq -r '.subenclosures[0].valid'; }
mkimg "$WORK/r1.bin" R001 150000 SFHDD-12T
mkimg "$WORK/r2.bin" R002 150000 SFHDD-12T
# Commands of an undisturbed install: identification, 3 chunks, verification.
ncmds() { "$SFEMU" state $D | jq -r .commands; }
bad=0 runs=0
for mode in 07h 0Eh; do
    extra=""; [ $mode = 0Eh ] && extra=--activate
    c0=$(ncmds)
    next=$([ "$(rev)" = R001 ] && echo r2 || echo r1)
    sfp install --yes --mode $mode $extra --chunk-size 65536 "$WORK/$next.bin" $D >"$WORK/count.out" 2>&1 || cat "$WORK/count.out"
    n=$(( $(ncmds) - c0 ))
    step "mode $mode: $n commands, each failed in turn with eio, lost, reset, medium error"
    old=$(rev)
    for k in $(seq 1 "$n"); do
        # (timeout is lost's twin here; make faults sweeps it for enclosures)
        for kind in eio lost reset check=3/11/00; do
            want=$([ "$(rev)" = R001 ] && echo R002 || echo R001)
            before=$(rev)
            "$SFEMU" fault $D "$k" "$kind"
            set +e
            sfp install --yes --mode $mode $extra --chunk-size 65536 --timeout 1 \
                "$WORK/$( [ $want = R001 ] && echo r1 || echo r2 ).bin" $D >"$WORK/o" 2>"$WORK/e"
            rc=$?
            set -e
            runs=$((runs + 1))
            now=$(rev)
            if [ "$(valid)" != true ] || { [ "$now" != "$before" ] && [ "$now" != "$want" ]; }; then
                fail "k=$k $kind: drive runs '$now' (valid $(valid)), expected $before or $want"; bad=$((bad + 1))
            fi
            if [ $rc = 0 ] && [ "$now" != "$want" ]; then
                fail "k=$k $kind: exit 0 but the drive runs $now, not $want"; bad=$((bad + 1))
            fi
            if [ $rc != 0 ] && ! grep -q "failed\|refused\|safeflash:" "$WORK/o" "$WORK/e"; then
                fail "k=$k $kind: exit $rc without a word"; bad=$((bad + 1))
            fi
            # A reset (hard: a 0Eh image stored would start), then finish the job.
            "$SFEMU" reset $D
            if [ "$(rev)" != "$want" ]; then
                sfp install --yes --mode $mode $extra --chunk-size 65536 --restart \
                    "$WORK/$( [ $want = R001 ] && echo r1 || echo r2 ).bin" $D >/dev/null 2>&1 || true
                if [ "$(rev)" != "$want" ]; then
                    fail "k=$k $kind: a clean rerun did not finish: runs $(rev)"; bad=$((bad + 1))
                fi
            fi
        done
    done
done
expect_eq "runs with a broken invariant (of $runs)" "$bad" 0
finish
