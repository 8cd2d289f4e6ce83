#!/bin/bash
# Every example command in the README (its ```sh blocks) and in the man
# page (EXAMPLES) runs as written against the emulated hardware of
# scripts/example-env (issue 19) - and runs the same with its options
# moved to the other side of its operands.  A line may end "# exit N"
# when N is the outcome it shows; otherwise it must exit 0.
. "$(dirname "$0")/../lib/common.sh"
set -e
EX="$WORK/examples.txt"
python3 - "$ROOT/README.md" "$ROOT/man/safeflash.1" > "$EX" <<'PY'
import re, sys
def commands(lines):
    """Lines that run safeflash, continuation lines joined."""
    out, cur = [], ""
    for l in lines:
        l = l.rstrip("\n")
        if cur:
            cur += " " + l.strip()
        elif re.match(r"^\s*(\$ )?safeflash ", l):
            cur = re.sub(r"^\s*(\$ )?", "", l)
        if cur and cur.endswith("\\"):
            cur = cur[:-1].rstrip()
            continue
        if cur:
            out.append(cur)
            cur = ""
    return out
readme = open(sys.argv[1]).read().split("\n")
inblock, block = False, []
for l in readme:
    if l.startswith("```"):
        if inblock:
            for c in commands(block):
                print("README\t" + c)
        inblock, block = (l.strip() == "```sh"), []
        continue
    if inblock:
        block.append(l)
PY
n=$(wc -l < "$EX")
echo "   $n example commands in the README"
[ "$n" -ge 20 ] || fail "too few examples found: $n"

# permute LINE: its options moved to the other side of its operands.
permute() {
    python3 - "$1" "$SF" <<'PY'
import os, re, shlex, subprocess, sys
line, sf = sys.argv[1], sys.argv[2]
line = re.sub(r"\s+#.*$", "", line)
t = shlex.split(line)
words = 3 if t[1] in ("package", "key") else 2
cmd, rest = t[:words], t[words:]
helptext = subprocess.run([sf, "help"] + cmd[1:], capture_output=True, text=True).stdout
takes = set(re.findall(r"^\s+(?:-\w, )?(--[\w-]+) [A-Z]", helptext, re.M))
takes |= {"-o"}
opts, ops, i, dd = [], [], 0, False
while i < len(rest):
    a = rest[i]
    if dd or not a.startswith("-") or a == "-":
        ops.append(a)
    elif a == "--":
        dd = True
    else:
        opts.append(a)
        if a in takes and "=" not in a:
            i += 1
            opts.append(rest[i])
    i += 1
front = rest[:1] and rest[0].startswith("-")
new = cmd + (ops + opts if front else opts + ops)
# A word with a variable stays a variable: expanded when the line runs.
print(" ".join('"%s"' % x if "$" in x and not re.search(r'[\s"`\\]', x) else shlex.quote(x)
               for x in new))
PY
}

for variant in as-written permuted; do
    step "$variant"
    D="$WORK/$variant"
    eval "$("$ROOT/scripts/example-env" "$BUILD" "$D")"
    trap 'kill $(cat "$WORK"/*/bmc.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
    while IFS=$'\t' read -r src line; do
        want=0
        if [[ $line =~ \#\ exit\ ([0-9]+) ]]; then want=${BASH_REMATCH[1]}; fi
        run=$line
        [ $variant = permuted ] && run=$(permute "$line")
        set +e
        out=$(cd "$D" && timeout 120 bash -c "$run" 2>&1 </dev/null)
        got=$?
        set -e
        if [ "$got" = "$want" ]; then echo "   ok ($src): $run"
        else fail "($src) exit $got, expected $want: $run"; printf '%s\n' "$out" | tail -n 5 | sed 's/^/      | /'; fi
    done < "$EX"
    kill "$(cat "$D/bmc.pid")" 2>/dev/null || true
done

# The man page's EXAMPLES are shell sessions with their own set-up lines
# ("$ " prompts); scenario 125 runs them as written.  Here: the same
# session with every safeflash command's options moved.
step "the man page's examples, options moved"
M="$WORK/man"; mkdir -p "$M"; ln -s "$ROOT/examples" "$M/examples"
python3 - "$ROOT/man/safeflash.1" > "$WORK/man.lines" <<'PY'
import re, sys
try:
    lines = open(sys.argv[1]).read().split("\n")
except OSError:
    sys.exit(0)
ex, cmds, cur = False, [], None
for l in lines:
    if l.startswith(".SH"):
        ex = l.strip() == ".SH EXAMPLES"
        continue
    if not ex or l.startswith("."):
        continue
    l = l.replace("\\-", "-").replace("\\(aq", "'").replace("\\e", "\\")
    if cur is not None:
        cur += " " + l.strip()
    elif l.startswith("$ "):
        cur = l[2:]
    elif re.match(r"^# exit \d+", l) and cmds:
        cmds[-1] = (cmds[-1][0], int(l.split()[2]))
        continue
    else:
        continue
    if cur.endswith("\\"):
        cur = cur[:-1].rstrip()
        continue
    cmds.append((cur, 0))
    cur = None
for c, want in cmds:
    print(f"{want}\t{c}")
PY
if [ ! -s "$WORK/man.lines" ]; then
    echo "   skip: no man page examples"
else
    {
        echo 'set -u; PATH="'"$(cd "$BUILD" && pwd)"':$PATH"; cd "'"$M"'"'
        while IFS=$'\t' read -r want line; do
            run=$line
            [[ $line == safeflash\ * ]] && run=$(permute "$line")
            q=$(printf %q "$run")
            printf '{ %s\n} >.out 2>&1 </dev/null; rc=$?\n' "$run"
            printf 'if [ $rc = %s ]; then echo "   ok (man): "%s; else echo "FAIL: (man) exit $rc, expected %s: "%s; tail -n 5 .out; fi\n' "$want" "$q" "$want" "$q"
        done < "$WORK/man.lines"
        echo 'kill %1 2>/dev/null; true'
    } > "$WORK/man.sh"
    out=$(cd "$M" && timeout 300 bash "$WORK/man.sh" 2>&1) || true
    printf '%s\n' "$out"
    grep -q '^FAIL' <<<"$out" && FAILED=1
    n=$(grep -c 'ok (man)' <<<"$out" || true)
    [ "$n" -ge 10 ] || fail "too few man page examples ran: $n"
fi
finish
