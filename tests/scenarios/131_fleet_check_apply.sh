#!/bin/bash
# Issue 20: baselines.  `safeflash check` reports, per item, what runs, what
# the baseline wants and the action, reading only (exit 0 compliant, 20
# drift); `safeflash apply` converges through the engine and a second apply
# changes nothing; --dry-run writes nothing; pending (stored) microcode is
# reported and activated with --activate; a version the engine refuses is
# reported refused and left alone; --max-failures stops starting items; a
# board's component rule wins over its whole-board rule; a flash named by
# the baseline is found without targets; and a malformed baseline, a
# missing package, a package of another version and a bad or missing
# signature are each refused in one line before any device is touched.
. "$(dirname "$0")/../lib/common.sh"
set -e
EXD="$WORK/ex"
ABS=$(cd "$BUILD" && pwd)
BUILD="$ABS"; SF="$ABS/safeflash"; SFEMU="$ABS/sfemu"; SFBMC="$ABS/sfbmc"
eval "$("$ROOT/scripts/example-env" "$BUILD" "$EXD")"
trap 'kill $(cat "$EXD/bmc.pid") 2>/dev/null || true; wait 2>/dev/null; rm -rf "$WORK"' EXIT
cd "$EXD"
RF="redfish://admin@$BMC"
M="$EXD/m131"
mkdir -p "$M/ses" "$M/drives" "$M/boards" "$M/layouts"
pk() { "$SF" package create --sign vendor.key "$@" > /dev/null; }
"$SFEMU" mkimage --product SFHDD-12T --revision A100 --size 300000 -o hdd-a100.bin
"$SFBMC" mkimage --component bmc --version 2.11.1 --size 300000 -o bmc-2.11.1.img
pk --image fw-0500.img --vendor SFEMU --product 'JBOD-2U24*' --version 5.0 --revision 0500 -o "$M/ses/fw-0500.sfpkg"
pk --image fw-0400.img --vendor SFEMU --product 'JBOD-2U24*' --version 4.0 --revision 0400 -o "$M/ses/fw-0400.sfpkg"
pk --image hdd-a200.bin --vendor SFEMU --product SFHDD-12T --version A200 --revision A200 -o "$M/drives/hdd-a200.sfpkg"
pk --image hdd-a100.bin --vendor SFEMU --product SFHDD-12T --version A100 --revision A100 -o "$M/drives/hdd-a100.sfpkg"
pk --component bmc:2.11.0:bmc-2.11.0.img --component bios:R01.01.0012:bios-R01.01.0012.img \
   --component me:4.1.5.2:me-4.1.5.2.img --vendor 'Intel*' --product S5520UR --version 2024.11 \
   -o "$M/boards/s5520ur-2024.11.sfpkg"
pk --component bmc:2.11.1:bmc-2.11.1.img --vendor 'Intel*' --product S5520UR --version 2.11.1 \
   -o "$M/boards/s5520ur-bmc-2.11.1.sfpkg"
pk --image bios-11.15.bin --vendor Intel --product S5520UR --version 11.15 -o "$M/boards/bios-11.15.sfpkg"
pk --image bios-11.11.bin --vendor Intel --product S5520UR --version 11.11 -o "$M/boards/bios-11.11.sfpkg"
sed 's/^layout primary-backup/layout primary-backup\nboard Intel S5520UR/' primary-backup.layout \
    > "$M/layouts/s5520ur.layout"
# baseline FILE SES-PKG SES-REV DRIVE-PKG DRIVE-REV
baseline() {
    cat > "$1" <<EOF
{ "format": 1, "name": "tour-2026-12",
  "items": [
    { "match": { "class": "ses", "vendor": "SFEMU", "product": "JBOD-2U24*" },
      "package": "$2", "version": "$3" },
    { "match": { "class": "drive", "vendor": "SFEMU", "product": "SFHDD-12T" },
      "package": "$4", "version": "$5" },
    { "match": { "class": "redfish", "vendor": "Intel*", "product": "S5520UR" },
      "package": "boards/s5520ur-2024.11.sfpkg", "version": "2024.11" },
    { "match": { "class": "redfish", "vendor": "Intel*", "product": "S5520UR", "component": "bmc" },
      "package": "boards/s5520ur-bmc-2.11.1.sfpkg", "version": "2.11.1" },
    { "match": { "class": "flash", "vendor": "Intel", "product": "S5520UR",
                 "layout": "layouts/s5520ur.layout", "target": "file:$EXD/board.bin" },
      "package": "boards/bios-11.15.sfpkg", "version": "11.15" }
  ] }
EOF
}
B="$M/fleet.json"
baseline "$B" ses/fw-0500.sfpkg 0500 drives/hdd-a200.sfpkg A200
"$SF" install "$M/boards/bios-11.11.sfpkg" file:board.bin --layout "$M/layouts/s5520ur.layout" --yes > /dev/null 2>&1
cmds() { "$SFEMU" state /dev/sg-emu-jbod0 | jq .commands; }
revs() { echo "$("$SFEMU" state /dev/sg-emu-jbod0 | jq -r '[.subenclosures[].revision]|join(",")'),$("$SFEMU" state /dev/sg-emu-hdd0 | jq -r .subenclosures[0].revision),$("$SFEMU" state /dev/sg-emu-hdd1 | jq -r .subenclosures[0].revision)"; }

step "a baseline refused before any device is touched, in one line"
echo '{ "format": 1, "name": "x", "items": [ { "match": { "class": "ses", "vendor": "A", "product": "B", "compnent": "x" }, "package": "p.sfpkg", "version": "1" } ] }' > "$M/bad.json"
C0=$(cmds)
expect_exit 11 "$SF" check "$M/bad.json" --allow-unsigned
one_line "malformed" "$ERR"
expect_contains "names the item and the key" "$ERR" 'item 1: match: unknown key "compnent"'
expect_exit 13 "$SF" apply "$B" --yes
one_line "unsigned" "$ERR"
expect_contains "how to go on" "$ERR" "safeflash baseline sign"
expect_exit 0 "$SF" baseline sign "$B" --key vendor.key
expect_contains "signed" "$OUT" "fleet.json.sig: signed by key"
"$SF" key generate other > /dev/null
cp "$B" "$M/other.json"; "$SF" baseline sign "$M/other.json" --key other.key > /dev/null
expect_exit 13 "$SF" apply "$M/other.json" --yes
one_line "signed by an untrusted key" "$ERR"
sed 's/fw-0500.sfpkg/fw-0600.sfpkg/' "$B" > "$M/missing.json"
expect_exit 19 "$SF" apply "$M/missing.json" --yes --allow-unsigned
one_line "missing package" "$ERR"
expect_contains "names the package" "$ERR" "fw-0600.sfpkg"
sed 's/"0500"/"0501"/' "$B" > "$M/wrongver.json"
expect_exit 11 "$SF" apply "$M/wrongver.json" --yes --allow-unsigned
one_line "package of another version" "$ERR"
expect_contains "says which" "$ERR" "brings revision 0500, not the 0501 the baseline says"
expect_exit 2 "$SF" apply "$B" --max-failures 0
expect_exit 2 "$SF" baseline sign "$B"
expect_eq "no command reached the enclosure" "$(cmds)" "$C0"
expect_eq "nothing written" "$(revs)" "0100,0207,A100,A100"

step "check: the drift, per item, reading only (exit 20)"
expect_exit 20 "$SF" check "$B" --json
expect_eq "one JSON document" "$(echo "$OUT" | jq -s length)" "1"
expect_eq "items and actions" "$(echo "$OUT" | jq -r '[.items[]|"\(.target|sub(".*/";""))/\(.item)=\(.current)>\(.desired):\(.action)"]|join(" ")')" \
    "sg-emu-jbod0/subenclosure 0=0100>0500:update sg-emu-jbod0/subenclosure 1=0207>0500:update sg-emu-hdd0/drive=A100>A200:update sg-emu-hdd1/drive=A100>A200:update board.bin/flash=11.11>11.15:update"
expect_eq "signed, by whom" "$(echo "$OUT" | jq -r '.baseline.signed, (.baseline.signer|length)' | tr '\n' ,)" "true,16,"
expect_eq "counts" "$(echo "$OUT" | jq -c .counts)" '{"items":5,"none":0,"update":5,"pending":0,"refused":0,"unknown":0,"no_rule":0}'
expect_eq "compliant false, exit code in the document" "$(echo "$OUT" | jq -r '"\(.compliant),\(.exit_code)"')" "false,20"
expect_exit 20 "$SF" check "$B" "$RF" --plain-http
expect_contains "the board's components: the BMC by its own rule" "$OUT" "2.10.0       2.11.1       update"
expect_contains "one summary line" "$(echo "$OUT" | tail -1)" "3 items: 0 at the baseline, 3 to update"
expect_exit 20 "$SF" check "$B" redfish://admin@127.0.0.1:1 --plain-http --json
expect_eq "a board that does not answer: unknown, with why" \
    "$(echo "$OUT" | jq -r '.items[]|select(.class=="redfish")|"\(.action):\(.reason|length>0)"')" "unknown:true"
expect_eq "check wrote nothing" "$(revs)" "0100,0207,A100,A100"

step "apply --dry-run: the plan, nothing written"
expect_exit 0 "$SF" apply "$B" --dry-run --json
expect_eq "drift first, apply last" "$(echo "$OUT" | jq -r .event | sed -n '1p;$p' | tr '\n' ,)" "drift,apply,"
expect_eq "dry-run outcomes" "$(echo "$OUT" | tail -1 | jq -r '[.items[].outcome]|unique|join(",")')" "dry-run"
expect_eq "nothing written" "$(revs)" "0100,0207,A100,A100"

step "apply without --activate: deferred microcode stored, reported pending (exit 12)"
expect_exit 12 "$SF" apply "$B" /dev/sg-emu-jbod0 --yes --poll-interval 0
expect_exit 20 "$SF" check "$B" /dev/sg-emu-jbod0 --json
expect_eq "pending, with the way on" "$(echo "$OUT" | jq -r '[.items[]|.action]|join(",")')" "pending,pending"
expect_contains "why" "$(echo "$OUT" | jq -r '.items[0].reason')" "safeflash activate /dev/sg-emu-jbod0"

step "a board without --activate: the BMC updated, BIOS and ME staged and reported pending"
expect_exit 12 "$SF" apply "$B" "$RF" --plain-http --yes
expect_exit 20 "$SF" check "$B" "$RF" --plain-http --json
expect_eq "BMC by its own rule; BIOS and ME wait for the host's reset" \
    "$(echo "$OUT" | jq -r '[.items[]|"\(.item)=\(.action)"]|join(",")')" "BMC=none,BIOS=pending,ME=pending"
expect_contains "why" "$(echo "$OUT" | jq -r '.items[1].reason')" "still holds it"

step "apply --activate: converges every class, then a second apply changes nothing"
expect_exit 0 "$SF" apply "$B" "$RF" /dev/sg-emu-jbod0 /dev/sg-emu-hdd0 /dev/sg-emu-hdd1 file:"$EXD/board.bin" --plain-http --yes --activate --jobs 4 --poll-interval 0 --json
L=$(echo "$OUT" | tail -1)
echo "$L" | jq -r '.items[]|select(.outcome != null and .desired != .version_after)|"   \(.target) \(.item): \(.outcome): \(.message)"'
expect_eq "changed, compliant" "$(echo "$L" | jq -r '"\(.changed),\(.compliant),\(.exit_code)"')" "true,true,0"
expect_eq "every item ends at its version" "$(echo "$L" | jq -r '[.items[]|select(.outcome != null and .desired != .version_after)]|length')" "0"
expect_eq "the devices" "$(revs)" "0500,0500,A200,A200"
expect_eq "the board" "$("$SF" show "$RF" --plain-http --json | jq -r '[.firmware[]|select(.component=="bmc" or .component=="bios" or .component=="me")|.version]|join(",")')" "2.11.1,R01.01.0012,4.1.5.2"
expect_exit 0 "$SF" check "$B" "$RF" /dev/sg-emu-jbod0 /dev/sg-emu-hdd0 /dev/sg-emu-hdd1 file:"$EXD/board.bin" --plain-http
expect_contains "compliant" "$(echo "$OUT" | tail -1)" "8 items: 8 at the baseline, 0 to update, 0 pending, 0 refused, 0 unknown, 0 without a rule: compliant"
C1=$(cmds)
expect_exit 0 "$SF" apply "$B" --yes --json
expect_eq "second apply: changed false" "$(echo "$OUT" | tail -1 | jq -r '"\(.changed),\(.counts.updated)"')" "false,0"
expect_exit 0 "$SF" apply "$B" --yes
expect_contains "says so" "$OUT" "nothing to do: 5 items at the baseline"
expect_eq "no download was sent" "$("$SFEMU" state /dev/sg-emu-jbod0 | jq '[.subenclosures[].download_status]|unique|join(",")' -r)" "0"

step "a version the engine refuses: reported refused, left alone"
baseline "$M/old.json" ses/fw-0400.sfpkg 0400 drives/hdd-a100.sfpkg A100
expect_exit 20 "$SF" check "$M/old.json" --allow-unsigned --json
expect_eq "refused (downgrade)" "$(echo "$OUT" | jq -r '[.items[]|select(.class=="ses" or .class=="drive")|.action]|unique|join(",")')" "refused"
expect_contains "why" "$(echo "$OUT" | jq -r '.items[0].reason')" "0400"
expect_exit 20 "$SF" apply "$M/old.json" --allow-unsigned --yes /dev/sg-emu-jbod0
expect_contains "left alone" "$OUT" "nothing to do"
expect_eq "still at the baseline's newer version" "$(revs)" "0500,0500,A200,A200"

step "--max-failures: once N items failed, no further item starts"
# Four one-processor shelves; the first two refuse the image (it carries
# another magic than theirs), the other two would take it.
python3 - > "$WORK/four.conf" <<'PY'
import json
devs = []
for i in range(4):
    devs.append({"path": "/dev/sg-emu-s%d" % i, "vendor": "SFEMU", "product": "JBOD-2U24",
                 "revision": "0100", "wwn": "0x5000ccab0900%02x01" % i,
                 "subenclosures": [{"id": 0, "product": "JBOD-2U24-ESM-A", "revision": "0100",
                                    "logical_id": "0x5000ccab0900%02x3e" % i, "max_image": 4194304,
                                    "image_product": "JBOD-2U24",
                                    **({"image_magic": "OTHERFW1"} if i < 2 else {})}]})
print(json.dumps({"state": "four.state", "devices": devs}))
PY
export SAFEFLASH_EMU="$WORK/four.conf" SAFEFLASH_STATE_DIR="$WORK/state-four"
baseline "$M/four.json" ses/fw-0500.sfpkg 0500 drives/hdd-a200.sfpkg A200
expect_exit 1 "$SF" apply "$M/four.json" /dev/sg-emu-s0 /dev/sg-emu-s1 /dev/sg-emu-s2 /dev/sg-emu-s3 \
    --allow-unsigned --yes --activate --jobs 2 --max-failures 1 --poll-interval 0 --json
L=$(echo "$OUT" | tail -1)
# Two workers take the two refusing shelves; whichever finishes first has
# failed, so neither worker starts a third.
expect_eq "the first failed, the last two never started" \
    "$(echo "$L" | jq -r '[.items[].outcome]|"\(.[0]),\(.[2]),\(.[3])"')" "failed,not-attempted,not-attempted"
expect_contains "says why" "$(echo "$L" | jq -r '.items[3].message')" "--max-failures"
expect_eq "the last two untouched" "$("$SFEMU" state /dev/sg-emu-s3 | jq -r '"\(.subenclosures[0].revision),\(.subenclosures[0].downloads)"')" "0100,0"
expect_exit 20 "$SF" check "$M/four.json" /dev/sg-emu-s2 /dev/sg-emu-s3 --allow-unsigned

step "apply killed mid-download: apply again finishes it, nothing sent twice"
export SAFEFLASH_STATE_DIR="$WORK/state-kill"
set +e
SAFEFLASH_EMU_KILL_AT=8 sfp apply "$M/four.json" /dev/sg-emu-s2 /dev/sg-emu-s3 --allow-unsigned \
    --yes --activate --poll-interval 0 > "$WORK/kill.out" 2>&1
rc=$?
set -e
expect_eq "killed" "$rc" "137"
expect_exit 0 sfp apply "$M/four.json" /dev/sg-emu-s2 /dev/sg-emu-s3 --allow-unsigned --yes \
    --activate --poll-interval 0
expect_eq "each processor downloaded once, at the baseline" \
    "$(for d in s2 s3; do "$SFEMU" state /dev/sg-emu-$d | jq -r '"\(.subenclosures[0].revision)/\(.subenclosures[0].downloads)"'; done | tr '\n' ' ')" \
    "0500/1 0500/1 "
expect_exit 0 "$SF" check "$M/four.json" /dev/sg-emu-s2 /dev/sg-emu-s3 --allow-unsigned
finish
