#!/bin/bash
# An operator lists enclosures and looks at one, on the emulated JBOD, in
# text and JSON.  In-process transport.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_setup "$ROOT/examples/emu/jbod.conf"

step "list finds the emulated enclosure"
expect_exit 0 "$SF" list
expect_contains "list" "$OUT" "/dev/sg-emu-jbod0"
expect_contains "list" "$OUT" "5000ccab0400003e"
expect_exit 0 "$SF" list --json
expect_eq "list --json schema" "$(jq .schema <<<"$OUT")" "1"
expect_eq "list --json paths" "$(jq -r '.devices[].target' <<<"$OUT")" "/dev/sg-emu-jbod0"
expect_eq "list --json class" "$(jq -r '.devices[0].class' <<<"$OUT")" "ses"
expect_eq "list --json subenclosures" "$(jq '.devices[0].subenclosure_count' <<<"$OUT")" "2"

step "show prints identity, both SES processors and download status in words"
expect_exit 0 "$SF" show /dev/sg-emu-jbod0
expect_contains "show" "$OUT" "SFEMU JBOD-2U24 0100"
expect_contains "show" "$OUT" "logical identifier:   5000ccab0400003e"
expect_contains "show" "$OUT" "[1] SFEMU JBOD-2U24-EXP rev 0207"
expect_contains "show" "$OUT" "no download microcode operation in progress"

step "show --json carries the documented fields"
expect_exit 0 "$SF" show --json /dev/sg-emu-jbod0
J=$OUT
expect_eq "schema" "$(jq .schema <<<"$J")" "1"
expect_eq "class" "$(jq -r .class <<<"$J")" "ses"
expect_eq "path" "$(jq -r .target <<<"$J")" "/dev/sg-emu-jbod0"
expect_eq "vendor" "$(jq -r .vendor <<<"$J")" "SFEMU"
expect_eq "product" "$(jq -r .product <<<"$J")" "JBOD-2U24"
expect_eq "subenclosure ids" "$(jq -c '[.subenclosures[].subenclosure]' <<<"$J")" "[0,1]"
expect_eq "revisions" "$(jq -c '[.subenclosures[].version]' <<<"$J")" '["0100","0207"]'
expect_eq "status text" "$(jq -r '.subenclosures[1].download.status_text' <<<"$J")" \
    "no download microcode operation in progress"

step "show --json: what the journal knows (schema 1: last_attempt, interrupted)"
expect_eq "no journal, no journal keys" "$(jq -c '[has("last_attempt"), has("interrupted")]' <<<"$J")" "[false,false]"
[ ! -e "$SAFEFLASH_STATE_DIR" ] && echo "   ok: show created no state" || fail "show created $SAFEFLASH_STATE_DIR"
mkimg "$WORK/fw.img" 0300
# Killed (SIGKILL, by the preload library) in the first download.
SAFEFLASH_EMU_KILL_AT=8 sfp install --yes --mode immediate $FAST "$WORK/fw.img" /dev/sg-emu-jbod0 >/dev/null 2>&1 || true
expect_exit 0 "$SF" show --json /dev/sg-emu-jbod0
# Every attempt is journaled before the first write: both are unfinished,
# and the one the killed run was working on is the enclosure's.
expect_eq "interrupted" "$(jq -c '.interrupted|[.action, .version, .phase, .subenclosure]' <<<"$OUT")" \
    '["install",null,"downloading",0]'
expect_eq "per subenclosure" "$(jq -c '[.subenclosures[].interrupted.phase]' <<<"$OUT")" '["downloading","planned"]'
expect_exit 0 "$SF" resume --yes $FAST /dev/sg-emu-jbod0
expect_exit 0 "$SF" show --json /dev/sg-emu-jbod0
expect_eq "nothing interrupted after resume" "$(jq 'has("interrupted")' <<<"$OUT")" "false"
expect_eq "last attempt per subenclosure" \
    "$(jq -c '[.subenclosures[]|[.version, .last_attempt.result]]' <<<"$OUT")" '[["0300","updated"],["0300","updated"]]'
expect_eq "the enclosure's last attempt is the newest" \
    "$(jq -c '[.last_attempt.attempt == ([.subenclosures[].last_attempt.attempt]|max), .last_attempt.result]' <<<"$OUT")" '[true,"updated"]'

step "drives: list --all --json and show --json say class drive (the text show still refuses)"
emu_setup "$ROOT/examples/emu/drives.conf"
expect_exit 0 "$SF" list --all --json
expect_eq "classes" "$(jq -r '[.devices[]|.target+"="+.class]|join(",")' <<<"$OUT")" \
    "/dev/sg-emu-hdd0=drive,/dev/sg-emu-hdd1=drive"
expect_eq "revision" "$(jq -r '.devices[0].version' <<<"$OUT")" "A100"
expect_exit 0 "$SF" show --json /dev/sg-emu-hdd0
expect_eq "drive show" "$(jq -c '[.schema, .class, .target, .vendor, .product, .version]' <<<"$OUT")" \
    '[1,"drive","/dev/sg-emu-hdd0","SFEMU","SFHDD-12T","A100"]'
expect_eq "its NAA is its logical_id" "$(jq -r '.logical_id|test("^[0-9a-f]{16}$")' <<<"$OUT")" "true"
expect_exit 0 "$SF" show /dev/sg-emu-hdd0
expect_contains "text show on a drive: the same document in words" "$OUT" "/dev/sg-emu-hdd0: drive SFEMU SFHDD-12T, firmware A100"

step "help and version"
expect_exit 0 "$SF" --help
expect_contains "--help" "$OUT" "Exit codes"
expect_exit 0 "$SF" show --help
expect_exit 0 "$SF" help list
expect_contains "help list" "$OUT" "--all"
expect_exit 0 "$SF" --version
finish
