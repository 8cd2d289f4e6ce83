#!/bin/bash
# The kernel loop: tests/kernel/k*.sh run inside a real Linux kernel under
# qemu (software emulation), against the kernel's sg driver and scsi_debug.
# See tests/kernel/kloop and the README ("The kernel loop").
. "$(dirname "$0")/../lib/common.sh"
step "boot the Debian 12 kernel with sg and scsi_debug; run tests/kernel/k*.sh"
if "$ROOT/tests/kernel/kloop" "$BUILD" "$ROOT"/tests/kernel/k[0-9]*.sh > "$WORK/kloop.log" 2>&1; then
    sed 's/^/   /' "$WORK/kloop.log"
    echo "   ok: every kernel-loop scenario passed"
else
    sed 's/^/   | /' "$WORK/kloop.log"
    fail "kernel loop: $(grep -E '^KLOOP .* FAIL$|^kloop:' "$WORK/kloop.log" | tr '\n' ' ')"
fi
finish
