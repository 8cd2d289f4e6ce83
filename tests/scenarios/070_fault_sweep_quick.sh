#!/bin/bash
# The fast subset of the fault sweep (make faults runs all of it): every
# fault kind at a handful of commands, in every mode, through the preload
# library; 0 violations of the four invariants.  Then a few seeded
# multi-fault runs.
. "$(dirname "$0")/../lib/common.sh"
set -e
step "quick sweep"
set +e
"$ROOT/scripts/faults" "$BUILD" quick > "$WORK/sweep.out" 2>&1
rc=$?
set -e
cat "$WORK/sweep.out" | grep -E '^\| |violations|stuck' | sed 's/^/   /'
expect_eq "sweep exit" "$rc" "0"
expect_eq "violations" "$(tail -n1 "$WORK/sweep.out")" "0 violations"
step "seeded multi-fault runs"
set +e
"$ROOT/scripts/faults" "$BUILD" random 20261122 12 > "$WORK/random.out" 2>&1
rc=$?
set -e
expect_eq "random exit" "$rc" "0"
expect_eq "violations" "$(tail -n1 "$WORK/random.out")" "0 violations"
finish
