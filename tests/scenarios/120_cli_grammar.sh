#!/bin/bash
# One option grammar for every command and target kind (issue 19): options
# before or after the operands, --opt=VALUE, -- ends them; the same flag is
# refused the same way everywhere; `help COMMAND` and `COMMAND --help` list
# every option of every target kind and the exit codes, from the table that
# parses them - so every option the help lists is one the command handles.
. "$(dirname "$0")/../lib/common.sh"
set -e
emu_quirks ""
mkimg "$WORK/fw.img" 0400 200000

step "the option orders an operator types, on an enclosure"
expect_exit 0 sfp show $DEV --json
expect_eq "show DEVICE --json" "$(jq -r .target <<<"$OUT")" "$DEV"
expect_exit 0 sfp install "$WORK/fw.img" $DEV --mode deferred --yes --poll-interval 5 --timeout 60
expect_contains "install IMAGE DEVICE --yes" "$OUT" "subenclosure 0: stored"
expect_exit 0 sfp activate $DEV --subenclosure 0 --yes --poll-interval=5
expect_contains "activate DEVICE --subenclosure 0 (the tool's own hint)" "$OUT" "subenclosure 0: updated"
expect_exit 0 sfp history $DEV --json
expect_eq "history DEVICE --json" "$(jq -r 'length > 0' <<<"$OUT")" "true"
expect_exit 0 sfp --json status
expect_eq "an option before the command" "$(jq -r .state <<<"$OUT")" "completed"
expect_exit 0 sfp activate --yes --subenclosure=1 --poll-interval 5 -- $DEV
expect_contains "--opt=VALUE and --" "$OUT" "subenclosure 1: updated"
# After --, '--json' is an operand: a device of that name.
expect_exit 3 sfp show -- --json
expect_contains "-- ends the options" "$ERR" "--json: no such device"

step "errors of the grammar: one line, exit 2, the same words for every command"
for cmd in "show $DEV" "install $WORK/fw.img $DEV" "history" "status" "list"; do
    expect_exit 2 "$SF" $cmd --frobnicate
    one_line "$cmd --frobnicate" "$ERR"
    expect_contains "$cmd" "$ERR" "unknown option '--frobnicate'"
done
expect_exit 2 "$SF" install "$WORK/fw.img" $DEV --chunk-size
expect_contains "a value is missing" "$ERR" "--chunk-size needs a value (BYTES)"
expect_exit 2 "$SF" install "$WORK/fw.img" $DEV --yes=no
expect_contains "a flag with a value" "$ERR" "--yes takes no value"
expect_exit 2 "$SF" install "$WORK/fw.img" $DEV --layout x.layout
expect_contains "an option of another kind of target" "$ERR" "--layout is for flash targets"
expect_exit 2 "$SF" install "$WORK/fw.img" file:/tmp/x --layout x --mode deferred
expect_contains "and the other way round" "$ERR" "--mode is for enclosures and drives"
expect_exit 2 "$SF" status --all
expect_contains "an option of another command" "$ERR" "'--all' is not an option of status"
expect_exit 2 "$SF" show mtd:/dev/mtd0 redfish://a@h
expect_contains "two kinds of target" "$ERR" "one kind per run"
expect_exit 2 "$SF" repair $DEV
expect_contains "a command for one kind only" "$ERR" "repair is not for enclosures"

step "help: every command, every kind of target, the exit codes"
expect_exit 0 "$SF" help install
for o in --layout --image-version --component --reboot-host --ca --pin --insecure --plain-http \
         --pull --task-timeout --reset-timeout --mode --chunk-size --jobs --state-dir --keys; do
    grep -q -- "^ *\(-., \)\?$o\b" <<<"$OUT" || fail "help install lacks $o"
done
expect_contains "exit codes" "$OUT" "17  DEGRADED"
for c in resume status cancel history; do
    expect_exit 0 "$SF" help $c
    expect_contains "help $c lists options" "$OUT" "--state-dir DIR"
    expect_exit 0 "$SF" $c --help
    [ "$OUT" = "$("$SF" help $c)" ] || fail "$c --help differs from help $c"
done
expect_exit 0 "$SF" help package create
expect_contains "subcommands" "$OUT" "--sign KEY"
expect_exit 0 "$SF" package inspect --help
expect_contains "subcommand --help" "$OUT" "package inspect FILE"
expect_exit 2 "$SF" help frob
one_line "help on no command" "$ERR"
long=$("$SF" help install | awk 'length > 79' | head -3)
expect_eq "help fits 80 columns" "$long" ""

step "every option the help lists is one its command handles, for every kind"
# A value each option accepts; the command then fails later (no such
# device or file), never on the option itself.
val() {
    case $1 in
        --mode) echo deferred ;; --subenclosure) echo 0 ;; --chunk-size|--jobs) echo 4 ;;
        --expect-revision) echo 0400 ;; --timeout|--command-timeout|--task-timeout|--reset-timeout) echo 5 ;;
        --poll-interval) echo 5 ;; --pull) echo http://127.0.0.1:1/x.img ;; --component) echo bmc ;;
        --target) echo 'A:B:/nonexistent' ;; *) echo /nonexistent/x ;;
    esac
}
declare -A tgt=([scsi]=/dev/sg-nothere [flash]=file:/nonexistent/f [redfish]=redfish://a@)   # refused as a target at once: only the options matter here
checked=0
for cmd in list show install activate resume repair status cancel history "package create" \
           "package inspect" "package verify" "key generate" partner-sync; do
    help=$("$SF" help $cmd)
    section=common
    while IFS= read -r line; do
        case $line in
            "For enclosures"*) section=scsi ;; "For flash"*) section=flash ;; "For Redfish"*) section=redfish ;;
        esac
        o=$(sed -n 's/^ *\(-[a-z], \)\?\(--[a-z-]*\).*/\2/p' <<<"$line")
        [ -n "$o" ] && [ "$o" != --help ] || continue
        arg=$(sed -n "s/^ *\(-[a-z], \)\?$o \([A-Z|:a-z]*\).*/\2/p" <<<"$line")
        kinds=$section; [ $section = common ] && kinds="scsi flash redfish"
        case $cmd in list|status|cancel|history|package*|key*|partner-sync) kinds=none ;; esac
        for k in $kinds; do
            ops=""
            case $cmd in
                install) ops="/nonexistent/img ${tgt[$k]}" ;;
                show|activate|resume|repair) ops=${tgt[$k]} ;;
                "package inspect"|"package verify"|"key generate") ops=/nonexistent/p ;;
                partner-sync) ops=/dev/sg-nothere ;;
            esac
            case "$cmd:$k" in activate:flash|repair:scsi|repair:redfish) continue ;; esac
            [ "$k" = flash ] && [ "$o" != --layout ] && ops="$ops --layout /nonexistent/l"
            if [ -n "$arg" ]; then set -- "$o" "$(val $o)"; else set -- "$o"; fi
            set +e
            err=$(SAFEFLASH_REDFISH_PASSWORD=x timeout 20 "$SF" $cmd $ops "$@" </dev/null 2>&1 >/dev/null)
            set -e
            case $err in
                *"not handled here"*|*"unknown option"*|*"is not an option"*|*" is for "*)
                    fail "$cmd ($k) $o: $err" ;;
            esac
            checked=$((checked + 1))
        done
    done <<<"$help"
done
echo "   checked $checked (command, kind, option) triples"
[ $checked -gt 80 ] || fail "too few options checked: $checked"
finish
