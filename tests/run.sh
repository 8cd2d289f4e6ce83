#!/bin/bash
# tests/run.sh BUILD - the whole default suite against one build:
#   unit tests, fuzz-corpus replays, scenario scripts.
# Every item counts once; the last line is "N passed, N failed".
set -u
BUILD=${1:?usage: tests/run.sh BUILD}
export BUILD
cd "$(dirname "$0")/.."
pass=0; fail=0; failed=()
LOG=$BUILD/test-logs
rm -rf "$LOG"; mkdir -p "$LOG"
# LeakSanitizer needs ptrace; keep it on where it works.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== unit tests"
"$BUILD/test-unit" > "$LOG/unit.log" 2>&1
grep -E '^(PASS|FAIL) ' "$LOG/unit.log" | sed 's/^/   /'
up=$(grep -c '^PASS ' "$LOG/unit.log"); uf=$(grep -c '^FAIL ' "$LOG/unit.log")
pass=$((pass + up)); fail=$((fail + uf))
if ! tail -n1 "$LOG/unit.log" | grep -q '^[0-9]* passed, 0 failed$'; then
    echo "   unit test binary did not finish cleanly:"; tail -n 30 "$LOG/unit.log" | sed 's/^/   | /'
    [ "$uf" = 0 ] && { fail=$((fail + 1)); failed+=("unit-runner"); }
fi
[ "$uf" != 0 ] && failed+=("unit tests: $uf") && grep -A5 '^    ' "$LOG/unit.log" | head -40

echo "== fuzz corpus replays"
for t in "$BUILD"/fuzz-replay-*; do
    name=${t##*fuzz-replay-}
    if "$t" "tests/fuzz/corpus/$name" > "$LOG/fuzz-$name.log" 2>&1; then
        echo "   PASS fuzz-replay $name ($(tail -n1 "$LOG/fuzz-$name.log"))"; pass=$((pass + 1))
    else
        echo "   FAIL fuzz-replay $name"; tail -n 20 "$LOG/fuzz-$name.log" | sed 's/^/   | /'
        fail=$((fail + 1)); failed+=("fuzz-replay $name")
    fi
done

echo "== scenarios"
for s in tests/scenarios/[0-9]*.sh; do
    name=$(basename "$s" .sh)
    if timeout 300 bash "$s" > "$LOG/$name.log" 2>&1; then
        echo "   PASS $name"; pass=$((pass + 1))
    else
        echo "   FAIL $name"; grep -E '^(FAIL|-- )|ERROR|runtime error' "$LOG/$name.log" | tail -n 25 | sed 's/^/   | /'
        fail=$((fail + 1)); failed+=("$name")
    fi
done

echo
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
