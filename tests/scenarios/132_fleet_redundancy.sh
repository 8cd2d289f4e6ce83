#!/bin/bash
# Issue 20, what a review of apply found, each kept fixed:
# - a dual-module shelf whose one module is already at its version: a
#   failure on the other ends DEGRADED (exit 17), as install says it -
#   apply keeps both paths in one update, so the engine's redundancy check
#   sees the pair;
# - one drive the engine refuses does not keep the other drives from
#   being updated in the same apply;
# - a component rule whose package has no image for that component is
#   refused when the baseline is read, never passed over as converged;
# - another safeflash holding a device: apply exits 8 naming it, as
#   install does;
# - --activate resets a board's host once, whatever the number of rules.
. "$(dirname "$0")/../lib/common.sh"
set -e
KEYS="$WORK/keys"; mkdir -p "$KEYS"
"$SF" key generate "$WORK/k" > /dev/null; cp "$WORK/k.pub" "$KEYS/"
export SAFEFLASH_KEYS="$KEYS"
pk() { "$SF" package create --sign "$WORK/k.key" "$@" > /dev/null; }
M="$WORK/mirror"; mkdir -p "$M"

step "a dual-module shelf, one module at its version: a lost module is DEGRADED (exit 17)"
cp "$ROOT/examples/emu/dual-iom.conf" "$WORK/emu.conf"
export SAFEFLASH_EMU="$WORK/emu.conf"
mkimg "$WORK/shelf.img" 0300 300000 SHELF-12G
pk --image "$WORK/shelf.img" --vendor SFEMU --product 'SHELF-12G*' --version 3.0 --revision 0300 \
    -o "$M/shelf.sfpkg"
echo '{ "format": 1, "name": "s", "items": [ { "match": { "class": "ses", "vendor": "SFEMU", "product": "SHELF-12G*" }, "package": "shelf.sfpkg", "version": "0300" } ] }' > "$M/s.json"
"$SF" baseline sign "$M/s.json" --key "$WORK/k.key" > /dev/null
expect_exit 0 "$SF" install "$M/shelf.sfpkg" /dev/sg-emu-iom-b --activate --yes $FAST
"$SFEMU" fault /dev/sg-emu-iom-a 12 pathdrop=1000 > /dev/null
expect_exit 17 "$SF" apply "$M/s.json" --activate --yes --poll-interval 5 --timeout 2
expect_contains "says DEGRADED and names the modules" "$OUT$ERR" "DEGRADED"

step "one drive refused, the other drives still updated in the same apply"
python3 - > "$WORK/drives.conf" <<'PY'
import json
devs = []
for i, rev in enumerate(["B000", "A100", "A100"]):
    devs.append({"path": "/dev/sg-emu-hdd%d" % i, "vendor": "SFEMU", "product": "SFHDD-12T",
                 "revision": rev, "pdt": 0, "wwn": "0x5000c500000001%02x" % i,
                 "drive": {"max_image": 1048576}})
print(json.dumps({"state": "drives.state", "devices": devs}))
PY
export SAFEFLASH_EMU="$WORK/drives.conf" SAFEFLASH_STATE_DIR="$WORK/state-drives"
"$SFEMU" mkimage --product SFHDD-12T --revision A200 --size 200000 -o "$WORK/a200.bin"
# Unsigned: apply must pass on the plan's warning, as install does.
"$SF" package create --image "$WORK/a200.bin" --vendor SFEMU --product SFHDD-12T --version A200 \
    --revision A200 -o "$M/a200.sfpkg" > /dev/null
echo '{ "format": 1, "name": "d", "items": [ { "match": { "class": "drive", "vendor": "SFEMU", "product": "SFHDD-12T" }, "package": "a200.sfpkg", "version": "A200" } ] }' > "$M/d.json"
expect_exit 20 "$SF" apply "$M/d.json" --allow-unsigned --activate --yes --json
L=$(echo "$OUT" | tail -1)
expect_eq "refused, updated, updated" "$(echo "$L" | jq -r '[.items[]|.outcome // .action]|join(",")')" \
    "refused,updated,updated"
expect_contains "the plan's warning is said" "$(echo "$OUT" | jq -r 'select(.event=="warning")|.message')" "not signed"

step "another safeflash holds a drive: apply exits 8, saying so"
"$SFEMU" mkimage --product SFHDD-12T --revision A300 --size 200000 -o "$WORK/a300.bin"
pk --image "$WORK/a300.bin" --vendor SFEMU --product SFHDD-12T --version A300 --revision A300 \
    -o "$M/a300.sfpkg"
sed 's/a200/a300/; s/A200/A300/' "$M/d.json" > "$M/d3.json"
LOCK="$SAFEFLASH_STATE_DIR/locks/5000c50000000101.lock"   # hdd1's NAA
[ -f "$LOCK" ] || fail "no lock file $LOCK: $(ls "$SAFEFLASH_STATE_DIR/locks")"
( flock 9; sleep 30 ) 9>"$LOCK" &
HOLDER=$!
sleep 0.3
expect_exit 8 "$SF" apply "$M/d3.json" /dev/sg-emu-hdd1 --allow-unsigned --activate --yes
one_line "the refusal" "$(echo "$ERR" | grep -v warning)"
kill $HOLDER 2>/dev/null || true; wait $HOLDER 2>/dev/null || true

step "a component rule whose package has no image for it: refused when read"
bmc_start "$ROOT/examples/emu/board.conf"
RF="redfish://admin@127.0.0.1:$BMC_PORT"
export SAFEFLASH_REDFISH_PASSWORD=redfish-demo SAFEFLASH_STATE_DIR="$WORK/state-board"
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 200000 -o "$WORK/bios.img"
"$SFBMC" mkimage --component me --version 4.1.5.2 --size 100000 -o "$WORK/me.img"
pk --component bios:R01.01.0012:"$WORK/bios.img" --vendor 'Intel*' --product S5520UR --version 1 -o "$M/bios.sfpkg"
pk --component me:4.1.5.2:"$WORK/me.img" --vendor 'Intel*' --product S5520UR --version 2 -o "$M/me.sfpkg"
cat > "$M/b-bad.json" <<'EOF'
{ "format": 1, "name": "b", "items": [
  { "match": { "class": "redfish", "vendor": "Intel*", "product": "S5520UR", "component": "me" },
    "package": "bios.sfpkg", "version": "4.1.5.2" } ] }
EOF
expect_exit 11 "$SF" check "$M/b-bad.json" "$RF" --plain-http --allow-unsigned
one_line "refusal" "$ERR"
expect_contains "says which" "$ERR" "carries no image for component me"

step "two component rules, --activate: the host is reset once"
cat > "$M/b.json" <<'EOF'
{ "format": 1, "name": "b", "items": [
  { "match": { "class": "redfish", "vendor": "Intel*", "product": "S5520UR", "component": "bios" },
    "package": "bios.sfpkg", "version": "R01.01.0012" },
  { "match": { "class": "redfish", "vendor": "Intel*", "product": "S5520UR", "component": "me" },
    "package": "me.sfpkg", "version": "4.1.5.2" } ] }
EOF
expect_exit 0 "$SF" apply "$M/b.json" "$RF" --plain-http --allow-unsigned --activate --yes --json
expect_eq "BIOS and ME updated" "$(echo "$OUT" | tail -1 | jq -r '[.items[]|select(.component=="bios" or .component=="me")|.outcome]|join(",")')" \
    "updated,updated"
expect_eq "one host reset" "$(bmc_state .host_resets)" "1"
expect_exit 0 "$SF" check "$M/b.json" "$RF" --plain-http --allow-unsigned
finish
