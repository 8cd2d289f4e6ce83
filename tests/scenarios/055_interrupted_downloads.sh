#!/bin/bash
# A download interrupted at every command of an install - a transport
# error, a lost response, an enclosure reset, BUSY - still ends with the
# new revision on both processors, resuming from the enclosure's expected
# offset where it kept the data and restarting where it did not.
. "$(dirname "$0")/../lib/common.sh"
set -e
mkimg "$WORK/fw.img" 0a00 300000    # 5 pages per processor

step "count the commands of a clean install"
emu_quirks ""
before=$(emu_state | jq .commands)
expect_exit 0 sfp install --mode immediate --yes $FAST "$WORK/fw.img" $DEV
N=$(( $(emu_state | jq .commands) - before ))
echo "   a clean install takes $N commands"

# Identification before any write: INQUIRY, pages 00h, 01h, 0Eh.
IDENT=4
resumed=0; restarted=0; runs=0
for kind in eio lost reset busy; do
    for k in $(seq 1 "$N"); do
        emu_quirks ""
        "$SFEMU" fault $DEV "$k" "$kind"
        set +e
        sfp install --mode immediate --yes --json $FAST "$WORK/fw.img" $DEV > "$WORK/out" 2> "$WORK/err"
        rc=$?
        set -e
        runs=$((runs + 1))
        revs="$(sub_rev 0),$(sub_rev 1)"
        if [ "$rc" != 0 ] && [ "$k" -le "$IDENT" ]; then
            # Faults during identification stop the install before any
            # write: refused or failed cleanly, nothing half-done.
            if [ "$revs" != "0100,0207" ]; then fail "$kind@$k: stopped before writing but revisions are $revs"; fi
            continue
        fi
        if [ "$rc" != 0 ] || [ "$revs" != "0a00,0a00" ]; then
            fail "$kind at command $k: exit $rc, revisions $revs: $(tail -n 3 "$WORK/err")"
            continue
        fi
        acts=$(emu_state | jq -c '[.subenclosures[].activations]')
        [ "$acts" = "[1,1]" ] || fail "$kind at command $k: activations $acts"
        resumed=$((resumed + $(jq -s '[.[]|select(.event=="result")|.item.scsi.resumes]|add' "$WORK/out")))
        restarted=$((restarted + $(jq -s '[.[]|select(.event=="result")|.item.scsi.restarts]|add' "$WORK/out")))
    done
done
echo "   $runs interrupted installs; $resumed resumes at the expected offset, $restarted restarts"
[ "$resumed" -gt 0 ] && echo "   ok: some downloads resumed" || fail "no download resumed"
[ "$restarted" -gt 0 ] && echo "   ok: some downloads restarted" || fail "no download restarted"

step "resume means resume: a response lost after page 3 does not resend pages 1-3"
emu_quirks ""
# identification 4 (its status read is still current: not read again), pages
# 5..9: lose page 7's answer
"$SFEMU" fault $DEV $((IDENT + 3)) lost
expect_exit 0 sfp install --mode immediate --subenclosure 0 --yes $FAST "$WORK/fw.img" $DEV
expect_contains "notice" "$ERR" "resuming at the enclosure's expected offset 196524"
offs=$(while read -r p; do echo $((16#${p:24:8})); done < "$WORK/trace.log" | paste -sd, -)
expect_eq "offsets sent" "$offs" "0,65508,131016,196524,262032"
finish
