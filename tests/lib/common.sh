# common.sh - sourced by every scenario in tests/scenarios.
#
# Provides: $BUILD (the build under test), $SF (the CLI), $WORK (a fresh
# temp dir), emu_setup CONF (copies an emulator config into $WORK and
# exports SAFEFLASH_EMU), preload CMD... (runs CMD with the emulator
# preload library, as an unmodified program would be run), and checks that
# print what they compared and fail the scenario on a mismatch.
set -u
BUILD=${BUILD:?BUILD must name the build directory}
SF="$BUILD/safeflash"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/sf-scenario-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
unset SAFEFLASH_EMU SAFEFLASH_EMU_STATE SAFEFLASH_TRANSPORT SAFEFLASH_SYSFS SAFEFLASH_KEYS
# History, journal, staged images and locks of this scenario only.
export SAFEFLASH_STATE_DIR="$WORK/state"
FAILED=0

# An ASan-instrumented preload library must come after the ASan runtime
# in LD_PRELOAD (ses-reference.md); uninstrumented builds need nothing.
ASAN_RT=""
if nm -D "$BUILD/libsafeflash-emu.so" 2>/dev/null | grep -q __asan_init; then
    ASAN_RT="$(gcc -print-file-name=libasan.so)"
fi
preload() {
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
    LD_PRELOAD="${ASAN_RT:+$ASAN_RT }$BUILD/libsafeflash-emu.so" "$@"
}

emu_setup() {
    cp "$1" "$WORK/emu.conf"
    export SAFEFLASH_EMU="$WORK/emu.conf"
}

step() { echo "-- $*"; }
fail() { echo "FAIL: $*"; FAILED=1; }

expect_eq() { # what actual expected
    if [ "$2" = "$3" ]; then echo "   ok: $1 = $3"; else fail "$1: got '$2', expected '$3'"; fi
}
expect_contains() { # what haystack needle
    case "$2" in
        *"$3"*) echo "   ok: $1 mentions '$3'" ;;
        *) fail "$1: '$3' not in: $2" ;;
    esac
}
# expect_exit CODE CMD... : runs CMD, checks its exit code; output in $OUT,
# stderr in $ERR.
expect_exit() {
    want=$1; shift
    set +e
    "$@" >"$WORK/out" 2>"$WORK/err"
    got=$?
    set -e
    OUT=$(cat "$WORK/out"); ERR=$(cat "$WORK/err")
    if [ "$got" = "$want" ]; then echo "   ok: exit $want from: $*"
    else fail "exit $got (expected $want) from: $*; stderr: $ERR"; fi
}
one_line() { # what text : an error must be exactly one line (warnings aside)
    n=$(printf '%s\n' "$2" | grep -v '^safeflash: warning:' | grep -c . || true)
    if [ "$n" = 1 ]; then echo "   ok: $1 is one line"; else fail "$1 is $n lines: $2"; fi
}
finish() { exit $FAILED; }

# ---- helpers for install scenarios ----
SFEMU="$BUILD/sfemu"
DEV=/dev/sg-emu-jbod0
# mkimg FILE REV [SIZE] [PRODUCT] : an emulator firmware image
mkimg() {
    "$SFEMU" mkimage --product "${4:-JBOD-2U24}" --revision "$2" --size "${3:-300000}" -o "$1"
}
# A copy of jbod.conf with quirks spliced into the device and a control
# page trace in $WORK/trace.log.
emu_quirks() {
    sed -e "s|\"serial\": \"SFEMU24J0001\",|\"serial\": \"SFEMU24J0001\", \"trace\": \"trace.log\", \"quirks\": { $1 },|" \
        "$ROOT/examples/emu/jbod.conf" > "$WORK/emu.conf"
    export SAFEFLASH_EMU="$WORK/emu.conf"
    # A new emulated device: its history starts empty too.
    rm -rf "$WORK/trace.log" "$WORK/jbod.state" "$SAFEFLASH_STATE_DIR"
}
emu_state() { "$SFEMU" state "$DEV"; }
sub_rev() { emu_state | jq -r ".subenclosures[] | select(.id==$1) | .revision"; }
sfp() { preload "$SF" "$@"; }
FAST="--poll-interval 5 --timeout 60"

# ---- helpers for package scenarios ----
writes() { [ -f "$WORK/trace.log" ] && wc -l < "$WORK/trace.log" || echo 0; }
# repack DIR OUT: a tar of a package's unpacked files, in package order
repack() {
    (cd "$1" && tar -cf "$2" manifest.json $( [ -f manifest.sig ] && echo manifest.sig ) images/*)
}

# ---- helpers for Redfish scenarios ----
SFBMC="$BUILD/sfbmc"
BMC_PIDS=""
# bmc_start CONF [NAME]: serve an emulated BMC; sets BMC_PORT and BMC_PID.
bmc_start() {
    local pf="$WORK/bmc-${2:-first}.port"
    rm -f "$pf"
    "$SFBMC" serve "$1" ${2:+--name "$2"} --port-file "$pf" 2>>"$WORK/sfbmc.log" &
    BMC_PID=$!
    BMC_PIDS="$BMC_PIDS $BMC_PID"
    trap 'kill $BMC_PIDS 2>/dev/null || true; wait 2>/dev/null; rm -rf "$WORK"' EXIT
    for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
    [ -s "$pf" ] || { fail "sfbmc did not start: $(cat "$WORK/sfbmc.log")"; finish; }
    BMC_PORT=$(cat "$pf")
}
bmc_stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }
# board_conf JSON NAME: examples/emu/board.conf with JSON's keys (quirks,
# limits) merged into its BMC; prints the new file's path.
board_conf() {
    jq --argjson x "$1" '.bmcs[0] += $x' "$ROOT/examples/emu/board.conf" > "$WORK/$2.conf"
    echo "$WORK/$2.conf"
}
# bmc_state JQ-FILTER: what the emulated BMC counted (/sfemu/state).
bmc_state() { curl -s "http://127.0.0.1:$BMC_PORT/sfemu/state" | jq -r "$1"; }
# bmc_code URL-PATH [CURL-ARGS...]: the HTTP status curl gets (000: refused).
bmc_code() { local p=$1; shift; curl -s -o /dev/null -w '%{http_code}' "$@" "http://127.0.0.1:$BMC_PORT$p"; }
