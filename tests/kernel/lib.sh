# tests/kernel/lib.sh - helpers for scenarios run inside the kernel loop's
# VM (busybox sh).  A scenario prints "ok: ..." and "FAIL: ..." lines; any
# FAIL line fails it.
SF=/safeflash/safeflash
SGLOG=/safeflash/libsafeflash-sglog.so
# The VM has no ptrace-friendly init for LeakSanitizer; the host runs leak
# checks.  Errors still stop the program with a report.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:verify_asan_link_order=0
export SAFEFLASH_STATE_DIR=/tmp/state

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; }
step() { echo "-- $*"; }

# run CMD...: OUT (stdout), ERR (stderr), RC; bounded so nothing hangs.
run() {
    timeout 120 "$@" > /tmp/run.out 2> /tmp/run.err
    RC=$?
    OUT=$(cat /tmp/run.out)
    ERR=$(cat /tmp/run.err)
}
expect_exit() { # WANT CMD...
    want=$1; shift
    run "$@"
    if [ "$RC" = "$want" ]; then ok "exit $RC from: $*"
    else fail "exit $RC (expected $want) from: $*; stdout: $OUT; stderr: $ERR"; fi
}
expect_contains() { # WHAT TEXT NEEDLE
    case "$2" in
        *"$3"*) ok "$1 mentions '$3'" ;;
        *) fail "$1: '$3' not in: $2" ;;
    esac
}
expect_eq() { # WHAT GOT WANT
    if [ "$2" = "$3" ]; then ok "$1 = $3"; else fail "$1: got '$2', expected '$3'"; fi
}

# sdebug PARAM=V...: (re)load scsi_debug with these module parameters and
# set SG to its sg node (/dev/sgN).
sdebug() {
    rmmod scsi_debug 2>/dev/null
    insmod "$(grep '/scsi_debug.ko$' /etc/modules.order)" "$@" || { fail "insmod scsi_debug $*"; return 1; }
    SG=""
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        for n in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/scsi_generic/sg*; do
            [ -e "$n" ] && SG=/dev/${n##*/}
        done
        [ -n "$SG" ] && [ -c "$SG" ] && return 0
        sleep 0.2
    done
    fail "scsi_debug $* made no sg node"
    return 1
}
