#!/bin/bash
# The manual pages and the bash completion cannot drift from the program:
#  (a) man/*.1 and man/*.5 are clean roff (groff -ww, man --warnings);
#  (b) every long option `safeflash help CMD` lists, for every command, is
#      in safeflash(1), and every exit code `safeflash --help` lists is in
#      its EXIT STATUS;
#  (c) completion/safeflash, driven as bash would (COMP_WORDS, COMP_CWORD,
#      COMP_LINE, COMP_POINT), offers the commands, a command's options as
#      its help lists them, --mode's modes and the devices an emulator
#      config declares;
#  (d) every "$ " command of safeflash(1)'s EXAMPLES runs, against the
#      emulators, and exits as the page says.
. "$(dirname "$0")/../lib/common.sh"
set -e
export LC_ALL=C
MAN="$ROOT/man"
COMP="$ROOT/completion/safeflash"
PAGES="$MAN/safeflash.1 $MAN/safeflash-package.5 $MAN/safeflash-layout.5 $MAN/safeflash-emu.5"
CMDS="list show install activate resume repair status cancel history package key partner-sync help"

# ---- (a) ----
step "(a) the pages are clean roff"
if ! command -v groff >/dev/null; then
    fail "groff is not installed (groff-base; scripts/install-deps installs man-db, which needs it)"
else
    for p in $PAGES; do
        if [ ! -f "$p" ]; then fail "missing page $p"; continue; fi
        w=$(groff -ww -man -Tutf8 -z "$p" 2>&1) || fail "groff failed on $p: $w"
        expect_eq "groff -ww warnings of $(basename "$p")" "$w" ""
    done
fi
if command -v man >/dev/null; then
    for p in $PAGES; do
        [ -f "$p" ] || continue
        w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null) || fail "man -l failed on $p: $w"
        expect_eq "man --warnings of $(basename "$p")" "$w" ""
    done
else
    echo "   skipped: man --warnings -l (man-db is not installed)"
fi

# ---- (b) ----
# A command's options, as its help lists them: lines that start with white
# space and then the long option, or "-x, " and the long option.
help_opts() {
    sed -nE 's/^[[:space:]]+(-[[:alnum:]],[[:space:]]*)?(--[[:alnum:]][[:alnum:]-]*).*/\2/p' | sort -u
}
# Is option $1 (e.g. --image) in roff source $2, as \-\-image and not as
# the start of a longer one (\-\-image\-version)?
in_roff() {
    local re
    re=$(printf '%s' "$1" | sed 's/-/\\\\-/g')
    grep -qE -- "$re"'($|[^[:alnum:]\\]|\\[^-])' "$2"
}

step "(b) every option of every command's help is in safeflash(1)"
total=0
for c in $CMDS; do
    set +e
    h=$("$SF" help "$c" 2>/dev/null)
    rc=$?
    set -e
    if [ "$rc" != 0 ]; then
        # 'help' itself has no help of its own in every version.
        if [ "$c" = help ]; then echo "   ok: 'safeflash help help' exits $rc: no options to check"; continue; fi
        fail "'safeflash help $c' exited $rc"
        continue
    fi
    opts=$(printf '%s\n' "$h" | help_opts)
    missing=""
    n=0
    for o in $opts; do
        n=$((n + 1))
        in_roff "$o" "$MAN/safeflash.1" || missing="$missing $o"
    done
    total=$((total + n))
    if [ -z "$missing" ]; then echo "   ok: $c: $n option(s) of its help in safeflash.1"
    else fail "$c: options of 'safeflash help $c' missing from man/safeflash.1:$missing"; fi
done
if [ "$total" -gt 0 ]; then echo "   ok: $total options checked"; else fail "no options found in any help"; fi

step "(b) every exit code of 'safeflash --help' is in EXIT STATUS"
codes=$("$SF" --help | sed -n '/^Exit codes/,/^$/p' |
        grep -oE '(^|[[:space:],:])[0-9]{1,2}[[:space:]]+[[:alpha:]]' | grep -oE '[0-9]+' | sort -un)
[ -n "$codes" ] || fail "no exit codes found in 'safeflash --help'"
exit_section=$(sed -n '/^\.SH "\{0,1\}EXIT STATUS/,/^\.SH /p' "$MAN/safeflash.1")
missing=""
for n in $codes; do
    printf '%s\n' "$exit_section" | grep -qE "^\.B (\\\\%)?$n\$" || missing="$missing $n"
done
if [ -z "$missing" ]; then echo "   ok: exit codes $(printf '%s ' $codes) in EXIT STATUS"
else fail "exit codes of 'safeflash --help' missing from EXIT STATUS:$missing"; fi

# ---- (c) ----
step "(c) the bash completion"
BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ]; then
    echo "   skipped: the completion (bash-completion is not installed)"
else
    cp "$ROOT/examples/emu/dual-iom.conf" "$WORK/emu.conf"
    # One child bash per line, as an interactive shell would run _safeflash;
    # prints the replies, one per line.
    cat > "$WORK/complete.sh" <<'EOF'
. "$1"; . "$2"
COMP_LINE=$3
COMP_POINT=${#COMP_LINE}
read -r -a COMP_WORDS <<<"$COMP_LINE"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
_safeflash "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
EOF
    complete_line() { # LINE [ENV=VALUE...]: the replies, sorted, one line
        local line=$1
        shift
        env "$@" bash --norc --noprofile "$WORK/complete.sh" "$BC" "$COMP" "$line" 2>&1 | sort | tr '\n' ' ' | sed 's/ $//'
    }
    r=$(complete_line "$SF ")
    missing=""
    for c in $CMDS; do
        case " $r " in *" $c "*) ;; *) missing="$missing $c" ;; esac
    done
    if [ -z "$missing" ]; then echo "   ok: 'safeflash ' offers every command: $r"
    else fail "'safeflash ' does not offer$missing: $r"; fi
    r=$(complete_line "$SF install --la")
    expect_contains "'safeflash install --la'" "$r" "--layout"
    r=$(complete_line "safeflash install --la" PATH="$BUILD:$PATH")
    expect_contains "'safeflash install --la', safeflash found in PATH" "$r" "--layout"
    r=$(complete_line "$SF install --mode ")
    expect_eq "'safeflash install --mode '" "$r" "auto deferred events immediate save"
    r=$(complete_line "$SF list --")
    expect_eq "'safeflash list --' is what 'safeflash help list' lists" "$r" \
        "$("$SF" help list | help_opts | tr '\n' ' ' | sed 's/ $//')"
    r=$(complete_line "$SF package ")
    expect_eq "'safeflash package '" "$r" "create inspect verify"
    r=$(complete_line "$SF help ")
    expect_contains "'safeflash help '" "$r" "partner-sync"
    r=$(complete_line "$SF show " SAFEFLASH_EMU="$WORK/emu.conf")
    expect_contains "'safeflash show ' with SAFEFLASH_EMU" "$r" "/dev/sg-emu-iom-a /dev/sg-emu-iom-b"
    expect_contains "'safeflash show ' offers flash targets" "$r" "file:"
    r=$(complete_line "$SF install --yes fw.bin /dev/sg-emu-iom-" SAFEFLASH_EMU="$WORK/emu.conf")
    expect_eq "'safeflash install ... /dev/sg-emu-iom-'" "$r" "/dev/sg-emu-iom-a /dev/sg-emu-iom-b"
    r=$(complete_line "$SF partner-sync /dev/sg-emu-iom-a " SAFEFLASH_EMU="$WORK/emu.conf")
    expect_eq "'safeflash partner-sync DEVICE '" "$r" "off on"
    r=$(complete_line "$SF show /dev/sg-emu-" SAFEFLASH_EMU=)
    expect_eq "no emulated devices without SAFEFLASH_EMU" "$r" ""
fi

# ---- (d) ----
step "(d) the EXAMPLES of safeflash(1) run against the emulators"
if ! command -v groff >/dev/null; then
    fail "groff is not installed: cannot read the EXAMPLES"
else
    mkdir -p "$WORK/ex"
    ln -s "$ROOT/examples" "$WORK/ex/examples"
    # The page as a reader sees it, the EXAMPLES section only; "$ " starts
    # a command, a trailing "\" continues it, "# exit N" is its status.
    groff -man -Tascii -P-cbu "$MAN/safeflash.1" 2>/dev/null |
        sed -n '/^EXAMPLES/,/^[A-Z]/p' | sed 's/^ *//' | awk '
        function flush() {
            if (cmd == "") return
            n++
            printf "echo %c--- example %d%c\n", 39, n, 39
            printf "%s\n", cmd
            printf "__rc=$?; if [ $__rc != %d ]; then echo \"FAIL: example %d exited $__rc, expected %d\"; __bad=1; fi\n", want, n, want
            cmd = ""
        }
        /^\$ / { flush(); cmd = substr($0, 3); want = 0; cont = ($0 ~ /\\$/); next }
        cont { cmd = cmd "\n" $0; cont = ($0 ~ /\\$/); next }
        /^# exit [0-9]+$/ { want = $3 + 0; next }
        { flush() }
        END { flush(); printf "echo \"examples run: %d\"\n", n }' > "$WORK/examples.body"
    {
        echo '__bad=0'
        echo "export PATH=\"$(cd "$BUILD" && pwd):\$PATH\""
        echo "cd \"$WORK/ex\""
        cat "$WORK/examples.body"
        echo 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null'
        echo 'exit $__bad'
    } > "$WORK/examples.sh"
    nex=$(grep -c '^echo .--- example' "$WORK/examples.sh" || true)
    if [ "$nex" -ge 20 ]; then echo "   ok: $nex example commands found"
    else fail "only $nex example commands found"; fi
    for t in safeflash sfemu sfbmc; do
        [ -x "$BUILD/$t" ] || fail "the examples need $BUILD/$t (make all)"
    done
    set +e
    timeout 180 bash "$WORK/examples.sh" > "$WORK/examples.log" 2>&1
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then echo "   ok: every example ran and exited as the page says"
    else
        fail "examples failed (exit $rc):"
        { grep -B3 '^FAIL' "$WORK/examples.log" || tail -n 15 "$WORK/examples.log"; } | head -n 40
    fi
fi

finish
