#!/bin/bash
# Issue 20: the Ansible collection (ansible/safeflash/firmware) drives a
# fleet to a baseline with a real ansible-playbook: five hosts with
# ansible_connection=local, each with its own emulated hardware and state
# directory (SAFEFLASH_EMU, SAFEFLASH_STATE_DIR from host vars, through the
# play's environment), n1 and n2 an HA pair on one shared JBOD, n5 a board
# behind an emulated BMC converged from the controller.  The example
# playbook (rolling_update.yml) as shipped: the rolling update converges
# every host, updates the shared JBOD exactly once (also with both HA nodes
# in one batch) and changes nothing the second time; the password reaches
# safeflash only through the no_log option; a shelf that refuses its image
# stops the run at max_fail_percentage before later batches start; --check
# writes nothing; a malformed baseline, a missing package and a wrong
# signature fail every host before anything is written, with safeflash's
# one line and exit code; and ansible-doc documents both modules.
. "$(dirname "$0")/../lib/common.sh"
if ! command -v ansible-playbook > /dev/null 2>&1; then
    echo "-- skipped: ansible-playbook is not installed"
    finish
fi
set -e
# Absolute: the modules run safeflash from wherever Ansible runs them.
ABS=$(cd "$BUILD" && pwd)
SF="$ABS/safeflash"; SFEMU="$ABS/sfemu"; SFBMC="$ABS/sfbmc"
COLL="$ROOT/ansible/safeflash/firmware"
PLAYBOOK="$COLL/playbooks/rolling_update.yml"
SECRET="s3cret-130-$$"

# ---- Ansible, confined to $WORK ----
A="$WORK/ansible"
mkdir -p "$A/collections/ansible_collections/safeflash" "$A/home" "$A/tmp"
ln -s "$COLL" "$A/collections/ansible_collections/safeflash/firmware"
cat > "$A/ansible.cfg" <<EOF
[defaults]
interpreter_python = /usr/bin/python3
forks = 5
gathering = explicit
retry_files_enabled = false
EOF
export ANSIBLE_CONFIG="$A/ansible.cfg" ANSIBLE_HOME="$A/home" \
    ANSIBLE_COLLECTIONS_PATH="$A/collections" ANSIBLE_COLLECTIONS_PATHS="$A/collections" \
    ANSIBLE_LOCAL_TEMP="$A/tmp/local" ANSIBLE_REMOTE_TEMP="$A/tmp/remote" \
    ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0 \
    ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 ANSIBLE_DEPRECATION_WARNINGS=0
# play RUN [ansible-playbook args...]: output in $WORK/RUN.log, exit code in $RC
play() {
    local run=$1; shift
    set +e
    HOME="$A/home" ansible-playbook -i "$WORK/inventory.yml" "$@" > "$WORK/$run.log" 2>&1
    RC=$?
    set -e
}
# recap RUN HOST FIELD: that host's count in the PLAY RECAP (changed, failed ...)
recap() {
    sed -n '/^PLAY RECAP/,$p' "$WORK/$1.log" | awk -v h="$2" -v f="$3" \
        '$1 == h { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }'
}
recaps() { # RUN FIELD: "n1=X n2=Y ..." for every host
    local out=""
    for h in n1 n2 n3 n4 n5; do out="$out $h=$(recap "$1" $h "$2")"; done
    echo "${out# }"
}
# batches RUN: the hosts of each batch of the rolling update, in order
batches() {
    python3 - "$WORK/$1.log" <<'PY'
import re, sys
out, cur = [], None
for line in open(sys.argv[1]):
    if line.startswith('TASK [Converge this host'):
        cur = []
        out.append(cur)
    elif line.startswith('TASK [') or line.startswith('PLAY '):
        cur = None
    elif cur is not None:
        m = re.match(r'^(ok|changed|fatal|failed|skipping): \[([^]]+)\]', line)
        if m:
            cur.append(m.group(2))
print(' | '.join(' '.join(sorted(b)) for b in out))
PY
}
show_log() { echo "   | last lines of $1.log:"; tail -n 40 "$WORK/$1.log" | sed 's/^/   | /'; }

step "ansible-doc documents both modules"
for m in safeflash_baseline:redfish_password safeflash_facts:gather_devices; do
    expect_exit 0 env HOME="$A/home" ansible-doc -t module "safeflash.firmware.${m%%:*}"
    expect_contains "${m%%:*}'s options" "$OUT" "- ${m#*:}"
done
expect_exit 0 env HOME="$A/home" ansible-doc -l safeflash.firmware
expect_eq "modules listed" "$(grep -o '^safeflash\.firmware\.[a-z_]*' <<<"$OUT" | sort | tr '\n' ' ')" \
    "safeflash.firmware.safeflash_baseline safeflash.firmware.safeflash_facts "

# ---- the mirror: packages and a signed baseline ----
K="$WORK/keys"; M="$WORK/mirror"
mkdir -p "$K" "$M/ses" "$M/drives" "$M/boards"
chmod 700 "$K"
(cd "$WORK" && "$SF" key generate vendor > /dev/null && "$SF" key generate rogue > /dev/null)
cp "$WORK/vendor.pub" "$K/"
I="$WORK/images"; mkdir -p "$I"
mkimg "$I/fw-0500.img" 0500 60000
"$SFEMU" mkimage --product SFHDD-12T --revision A200 --size 60000 -o "$I/hdd-a200.bin"
"$SFBMC" mkimage --component bmc --version 2.11.0 --size 60000 -o "$I/bmc.img"
"$SFBMC" mkimage --component bios --version R01.01.0012 --size 80000 -o "$I/bios.img"
"$SFBMC" mkimage --component me --version 4.1.5.2 --size 40000 -o "$I/me.img"
"$SF" package create --image "$I/fw-0500.img" --vendor SFEMU --product 'JBOD-2U24*' \
    --version 0500 --revision 0500 --sign "$WORK/vendor.key" -o "$M/ses/fw-0500.sfpkg" > /dev/null
"$SF" package create --image "$I/hdd-a200.bin" --vendor SFEMU --product SFHDD-12T \
    --version A200 --revision A200 --sign "$WORK/vendor.key" -o "$M/drives/hdd-a200.sfpkg" > /dev/null
"$SF" package create --component "bmc:2.11.0:$I/bmc.img" --component "bios:R01.01.0012:$I/bios.img" \
    --component "me:4.1.5.2:$I/me.img" --vendor 'Intel*' --product S5520UR --version 2024.11 \
    --sign "$WORK/vendor.key" -o "$M/boards/s5520ur-2024.11.sfpkg" > /dev/null
cat > "$M/fleet.json" <<'EOF'
{
  "format": 1,
  "name": "ansible-130",
  "items": [
    { "match": { "class": "ses", "vendor": "SFEMU", "product": "JBOD-2U24*" },
      "package": "ses/fw-0500.sfpkg", "version": "0500" },
    { "match": { "class": "drive", "vendor": "SFEMU", "product": "SFHDD-12T" },
      "package": "drives/hdd-a200.sfpkg", "version": "A200" },
    { "match": { "class": "redfish", "vendor": "Intel*", "product": "S5520UR" },
      "package": "boards/s5520ur-2024.11.sfpkg", "version": "2024.11" }
  ]
}
EOF
"$SF" baseline sign "$M/fleet.json" --key "$WORK/vendor.key" > /dev/null

# ---- the emulated BMC of n5's board (short resets: the test's time) ----
bmc_start "$(board_conf "{\"password\": \"$SECRET\", \"task_ms\": 100, \"reset_down_ms\": 300,
    \"reset_503_ms\": 300, \"host_apply_ms\": 100}" board)"
BMC="redfish://admin@127.0.0.1:$BMC_PORT"
# The test's own look at the BMC: the password for that command only (the
# playbook gets it from the inventory, through the no_log option).
bmc_versions() { SAFEFLASH_REDFISH_PASSWORD="$SECRET" "$SF" show "$BMC" --plain-http --json | jq -r '[.firmware[] | select(.component) | .component + "=" + .version] | join(" ")'; }
bmc_restart() { bmc_stop "$BMC_PID"; bmc_start "$WORK/board.conf"; BMC="redfish://admin@127.0.0.1:$BMC_PORT"; }

# world DIR [FAULTY-HOST]: the hosts' emulated hardware in DIR (fresh) and
# an inventory using it.  n1 and n2 are an HA pair on one shared JBOD and
# its drive (one config file, one state file: the same devices); n3, n4
# and n5 each have their own JBOD and drive (their own logical identifiers
# and NAAs).  A faulty host's shelf refuses every image (its primary
# processor expects another image magic); a host with garbage also has an
# enclosure that answers a truncated configuration page.
world() {
    local d=$1 bad=${2:-} garbage=${3:-}
    rm -rf "$d"; mkdir -p "$d"
    python3 - "$ROOT" "$d" "$bad" "$garbage" <<'PY'
import copy, json, re, sys
root, d, bad, garbage = sys.argv[1:]
def load(p):
    return json.loads(re.sub(r'/\*.*?\*/', '', open(p).read(), flags=re.S))
jbod = load(root + '/examples/emu/jbod.conf')['devices'][0]
drive = load(root + '/examples/emu/drives.conf')['devices'][0]
for name, n in (('shared', 0), ('n3', 3), ('n4', 4), ('n5', 5)):
    j = copy.deepcopy(jbod)
    j['trace'] = name + '.trace'
    j['wwn'] = '0x5000ccab04%02d0001' % n
    j['port_wwn'] = '0x5000ccab04%02d003d' % n
    for s in j['subenclosures']:
        s['logical_id'] = s['logical_id'].replace('0x5000ccab0400', '0x5000ccab04%02d' % n)
    if name == bad:
        j['subenclosures'][0]['image_magic'] = 'SFEMUBAD'
    devs = [j]
    dr = copy.deepcopy(drive)
    dr['wwn'] = '0x5000c500000%02d101' % n
    devs.append(dr)
    if name == garbage:
        devs.append({'path': '/dev/sg-emu-garbage', 'vendor': 'SFEMU', 'product': 'JBOD-2U24',
                     'revision': '0100', 'wwn': '0x5000ccab0600%02d01' % n, 'quirks': {'corrupt_page': 1},
                     'subenclosures': [{'id': 0, 'product': 'JBOD-2U24-ESM-A', 'revision': '0100',
                                        'logical_id': '0x5000ccab0600%02d3e' % n}]})
    json.dump({'state': name + '.state', 'devices': devs}, open('%s/%s.conf' % (d, name), 'w'), indent=1)
PY
    {
        echo "all:"
        echo "  vars:"
        echo "    ansible_connection: local"
        echo "    ansible_python_interpreter: /usr/bin/python3"
        echo "    safeflash_executable: $SF"
        echo "    safeflash_baseline_file: $M/fleet.json"
        echo "    safeflash_keys_dir: $K"
        echo "    safeflash_poll_interval: 5"
        echo "  hosts:"
        for h in n1 n2 n3 n4 n5; do
            conf=$h; case $h in n1|n2) conf=shared ;; esac
            echo "    $h:"
            echo "      safeflash_environment:"
            echo "        SAFEFLASH_EMU: $d/$conf.conf"
            echo "        SAFEFLASH_STATE_DIR: $d/state-$h"
            [ $h = n5 ] || continue
            echo "      safeflash_bmc: \"$BMC\""
            echo "      safeflash_bmc_plain_http: true"
            echo "      safeflash_redfish_password: \"$SECRET\""
        done
        echo "  children:"
        echo "    ha_a: {hosts: {n1: {}}}"
        echo "    ha_b: {hosts: {n2: {}}}"
    } > "$WORK/inventory.yml"
}
# emu CONF CMD...: an sfemu command against one host's hardware
emu() { local c=$1; shift; SAFEFLASH_EMU="$W/$c.conf" "$SFEMU" "$@"; }
# what each JBOD and drive runs, and how many downloads each processor took
hw() {
    local out=""
    for c in shared n3 n4 n5; do
        out="$out $c:$(emu $c state $DEV | jq -r '[.subenclosures[] | "\(.revision)/\(.downloads)"] | join(",")')"
        out="$out $(emu $c state /dev/sg-emu-hdd0 | jq -r '.subenclosures[0] | "\(.revision)/\(.downloads)"')"
    done
    echo "${out# }"
}
FRESH="shared:0100/0,0207/0 A100/0 n3:0100/0,0207/0 A100/0 n4:0100/0,0207/0 A100/0 n5:0100/0,0207/0 A100/0"
DONE="shared:0500/1,0500/1 A200/1 n3:0500/1,0500/1 A200/1 n4:0500/1,0500/1 A200/1 n5:0500/1,0500/1 A200/1"
BMC_OLD="bmc=2.10.0 bios=R01.01.0011 me=4.1.4.339"
BMC_NEW="bmc=2.11.0 bios=R01.01.0012 me=4.1.5.2"

W="$WORK/w1"; world "$W"

step "--check --diff: what would change, nothing written"
play check "$PLAYBOOK" --check --diff
[ "$RC" = 0 ] || { fail "ansible-playbook --check exited $RC"; show_log check; }
expect_eq "would change (n2: the shared JBOD is n1's)" "$(recaps check changed)" "n1=1 n2=0 n3=1 n4=1 n5=2"
expect_contains "diff: before" "$(cat "$WORK/check.log")" "-$DEV subenclosure 1: 0207"
expect_contains "diff: after" "$(cat "$WORK/check.log")" "+$DEV subenclosure 1: 0500"
expect_contains "diff: a BMC component" "$(cat "$WORK/check.log")" "+$BMC BIOS: R01.01.0012"
expect_contains "assignment" "$(cat "$WORK/check.log")" \
    "n2 updates nothing; enclosure 5000ccab0400003e is n1's; drive 5000c50000000101 is n1's"
expect_eq "emulated hardware untouched" "$(hw)" "$FRESH"
expect_eq "BMC untouched" "$(bmc_versions) pushes=$(bmc_state .pushes)" "$BMC_OLD pushes=0"

step "the rolling update converges every host; the shared JBOD is updated once, by n1"
play run1 "$PLAYBOOK" -v
[ "$RC" = 0 ] || { fail "ansible-playbook exited $RC"; show_log run1; }
expect_eq "changed (n5: its devices and its board)" "$(recaps run1 changed)" "n1=1 n2=0 n3=1 n4=1 n5=2"
expect_eq "failed" "$(recaps run1 failed)" "n1=0 n2=0 n3=0 n4=0 n5=0"
expect_eq "every JBOD and drive at the baseline, one download per processor" "$(hw)" "$DONE"
# The shared JBOD's control pages (byte 1: subenclosure, byte 8: mode): one
# deferred download (0Eh, the image is one page) and one activation (0Fh)
# per processor - from n1, whose journal has them; n2's journal is empty.
expect_eq "shared JBOD's control pages" "$(cut -c3-4,17-18 "$W/shared.trace" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')" \
    "000ex1 000fx1 010ex1 010fx1 "
expect_eq "journals: n1's, n2's" "$("$SF" history --json --state-dir "$W/state-n1" | jq length),$("$SF" history --json --state-dir "$W/state-n2" 2>/dev/null | jq length)" "3,0"
expect_eq "board, from the controller" "$(bmc_versions)" "$BMC_NEW"
expect_eq "batches: 1, then 2, then the rest; then ha_b" "$(batches run1)" "n1 | n3 n4 | n5 | n2"
expect_contains "n2 finds the shared JBOD and drive compliant" "$(cat "$WORK/run1.log")" \
    "\"msg\": \"n2 compliant: $DEV subenclosure 0 0500, $DEV subenclosure 1 0500, /dev/sg-emu-hdd0 drive A200\""
# The scenario's environment has no password: the board converged with the
# one the inventory gave the no_log option, which hands it to safeflash in
# its environment - and it is nowhere in the output.
case "$(cat "$WORK/run1.log")" in
    *"$SECRET"*) fail "the BMC password is in ansible-playbook's output" ;;
    *) echo "   ok: the BMC password is nowhere in the output (-v: every result and its cmd)" ;;
esac

step "a second run changes nothing"
play run2 "$PLAYBOOK"
[ "$RC" = 0 ] || { fail "second run exited $RC"; show_log run2; }
expect_eq "changed" "$(recaps run2 changed)" "n1=0 n2=0 n3=0 n4=0 n5=0"
expect_eq "no download" "$(hw)" "$DONE"

step "whatever the batches: both HA nodes in one batch of five still update the shared JBOD once"
bmc_restart
W="$WORK/w3"; world "$W"
sed -i '/^  children:/,$d' "$WORK/inventory.yml"    # no ha_a/ha_b groups
play onebatch "$PLAYBOOK" -e '{"safeflash_serial": [5]}'
[ "$RC" = 0 ] || { fail "ansible-playbook exited $RC"; show_log onebatch; }
expect_eq "one batch" "$(batches onebatch)" "n1 n2 n3 n4 n5"
expect_eq "changed" "$(recaps onebatch changed)" "n1=1 n2=0 n3=1 n4=1 n5=2"
expect_eq "every JBOD and drive at the baseline, one download per processor" "$(hw)" "$DONE"
expect_eq "shared JBOD's control pages" "$(cut -c3-4,17-18 "$W/shared.trace" | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')" \
    "000ex1 000fx1 010ex1 010fx1 "

step "pre-flight: an item the baseline cannot bring to its version (unknown) stops every host before any write"
W="$WORK/w4"; world "$W" "" n4
PUSHES=$(bmc_state .pushes)
play unknown "$PLAYBOOK"
expect_eq "ansible-playbook's exit" "$RC" "2"
expect_contains "n4 names the item and safeflash's reason" "$(grep '^fatal: \[n4\]' "$WORK/unknown.log")" \
    '"msg": "/dev/sg-emu-garbage device: unknown (/dev/sg-emu-garbage: device answered garbage: the Configuration page (01h) is truncated)"'
expect_eq "no play after the pre-flight" "$(grep -c '^PLAY \[' "$WORK/unknown.log")" "1"
expect_eq "nothing written" "$(hw) pushes=$(bmc_state .pushes)" "$FRESH pushes=$PUSHES"

step "a shelf that refuses its image: the run stops at max_fail_percentage, later batches never start"
bmc_restart
W="$WORK/w2"; world "$W" n3
play fail "$PLAYBOOK"
expect_eq "ansible-playbook's exit" "$RC" "2"
expect_eq "batches run: n1, then n3 with n4; not n5, not ha_b" "$(batches fail)" "n1 | n3 n4"
expect_eq "failed" "$(recap fail n3 failed)" "1"
expect_contains "the stop" "$(cat "$WORK/fail.log")" "NO MORE HOSTS LEFT"
expect_contains "n3's failure is safeflash's line" "$(grep '^fatal: \[n3\]' "$WORK/fail.log")" \
    '"msg": "/dev/sg-emu-jbod0: subenclosure 0: status 81h'
expect_eq "n1, n4 converged; n3's shelf kept its firmware" \
    "$(hw | cut -d' ' -f1-3,5-6)" "shared:0500/1,0500/1 A200/1 n3:0100/0,0207/0 n4:0500/1,0500/1 A200/1"
expect_eq "n5 (the next batch) never touched" "$(hw | cut -d' ' -f7-8)" "n5:0100/0,0207/0 A100/0"
expect_eq "n5's board never touched" "$(bmc_versions) pushes=$(bmc_state .pushes)" "$BMC_OLD pushes=0"

step "bad baselines: every host refuses before anything is written, with safeflash's one line and exit code"
jq '.items[0].match.compnent = "bios"' "$M/fleet.json" > "$M/malformed.json"
jq '.items[1].package = "drives/hdd-a300.sfpkg" | .items[1].version = "A300"' "$M/fleet.json" > "$M/missing.json"
cp "$M/fleet.json" "$M/rogue.json"
"$SF" baseline sign "$M/rogue.json" --key "$WORK/rogue.key" > /dev/null
cat > "$WORK/direct.yml" <<'PLAY'
- hosts: n4
  gather_facts: false
  environment: "{{ safeflash_environment }}"
  tasks:
    - safeflash.firmware.safeflash_baseline:
        baseline: "{{ item.0 }}"
        allow_unsigned: "{{ item.1 }}"
        keys: "{{ safeflash_keys_dir }}"
        executable: "{{ safeflash_executable }}"
      loop: "{{ bad }}"
      ignore_errors: true
PLAY
HW=$(hw); PUSHES=$(bmc_state .pushes)
SHARED=$(emu shared state $DEV | jq -c '[.generation_code, .subenclosures]')
BAD=""
for b in malformed:true:11 missing:true:19 rogue:false:13; do
    IFS=: read -r name unsigned code <<<"$b"
    opt=""; [ "$unsigned" = true ] && opt=--allow-unsigned
    SAFEFLASH_EMU="$W/n4.conf" expect_exit "$code" "$SF" check "$M/$name.json" --json $opt --keys "$K"
    one_line "safeflash's refusal ($name)" "$ERR"
    WANT=$(jq -r .message <<<"$OUT")
    expect_eq "its stderr line ($name)" "$ERR" "safeflash: $WANT"
    set +e
    HOME="$A/home" ANSIBLE_STDOUT_CALLBACK=json ansible-playbook -i "$WORK/inventory.yml" "$PLAYBOOK" \
        -e "{\"safeflash_baseline_file\": \"$M/$name.json\", \"safeflash_allow_unsigned\": $unsigned}" \
        > "$WORK/bad-$name.json" 2> "$WORK/bad-$name.err"
    RC=$?
    set -e
    expect_eq "ansible-playbook's exit ($name)" "$RC" "2"
    expect_eq "every host failed the pre-flight facts with safeflash's line and code ($name)" \
        "$(jq -r --arg m "$WANT" --argjson c "$code" '.plays[0].tasks[0].hosts | to_entries
            | map(.key + "=" + (if .value.failed and .value.msg == $m and .value.rc == $c then "ok" else (.value | tostring) end))
            | join(" ")' "$WORK/bad-$name.json")" "n1=ok n2=ok n3=ok n4=ok n5=ok"
    expect_eq "no play after the pre-flight ($name)" "$(jq '.plays | length' "$WORK/bad-$name.json")" "1"
    BAD="$BAD${BAD:+, }$(jq -cn --arg f "$M/$name.json" --argjson u "$unsigned" --arg m "$WANT" --argjson c "$code" '[$f, $u, $m, $c]')"
done
step "safeflash_baseline itself (apply) fails the same way"
set +e
HOME="$A/home" ANSIBLE_STDOUT_CALLBACK=json ansible-playbook -i "$WORK/inventory.yml" "$WORK/direct.yml" \
    -e "{\"bad\": [$BAD]}" > "$WORK/direct.json" 2> "$WORK/direct.err"
set -e
expect_eq "msg and rc are safeflash's, for each" \
    "$(jq -r '.plays[0].tasks[0].hosts.n4.results | map(if .failed and .msg == .item[2] and .rc == .item[3] and .changed == false
        then "ok" else tostring end) | join(" ")' "$WORK/direct.json")" "ok ok ok"
expect_eq "nothing written: JBODs, drives" "$(hw)" "$HW"
expect_eq "nothing written: the shared JBOD" "$(emu shared state $DEV | jq -c '[.generation_code, .subenclosures]')" "$SHARED"
expect_eq "nothing written: the board" "$(bmc_state .pushes)" "$PUSHES"
finish
