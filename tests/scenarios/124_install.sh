#!/bin/bash
# make install (issue 19) from the build under test, into a DESTDIR: the
# tree it makes (the CLI, libsafeflash.so.0 with its SONAME and only the
# public API exported, headers, pkg-config files, man pages, completion,
# the keys directory 0755); the API example built against the installed
# headers with pkg-config alone and linked with the shared library, then
# statically, updating an emulated enclosure (as 103 does); make
# uninstall leaves nothing behind.
. "$(dirname "$0")/../lib/common.sh"
set -e
# A make started by `make check` must not take its variables or jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
# The same flavour as the build under test, so nothing is rebuilt and the
# example links with what the library was built with.
SAN=0; SANFLAGS=""
if [ -n "$ASAN_RT" ]; then SAN=1; SANFLAGS="-fsanitize=address,undefined"; fi
mk() { make -s -C "$ROOT" BUILD="$BUILD" SAN=$SAN "$@"; }
D="$WORK/root"
LIB="$D/usr/lib"

step "make install DESTDIR PREFIX=/usr"
expect_exit 0 mk install DESTDIR="$D" PREFIX=/usr
[ -x "$D/usr/bin/safeflash" ] && echo "   ok: usr/bin/safeflash" || fail "no usr/bin/safeflash"
expect_exit 0 "$D/usr/bin/safeflash" --help
expect_eq "the SONAME" "$(readelf -d "$LIB/libsafeflash.so.0.1.0" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')" \
    "libsafeflash.so.0"
expect_eq "libsafeflash.so.0 ->" "$(readlink "$LIB/libsafeflash.so.0")" "libsafeflash.so.0.1.0"
expect_eq "libsafeflash.so ->" "$(readlink -f "$LIB/libsafeflash.so")" "$(readlink -f "$LIB/libsafeflash.so.0.1.0")"
for f in libsafeflash.a libsafeflash-sim.a pkgconfig/safeflash.pc pkgconfig/safeflash-sim.pc; do
    [ -f "$LIB/$f" ] && echo "   ok: usr/lib/$f" || fail "no usr/lib/$f"
done
expect_eq "the headers" "$(cd "$D/usr/include/safeflash" && ls | tr "\n" " ")" "$(cd "$ROOT/include/safeflash" && ls | tr "\n" " ")"
expect_eq "keys directory mode" "$(stat -c %a "$D/etc/safeflash/keys")" "755"
if [ "$(id -u)" = 0 ]; then
    expect_eq "keys directory owner" "$(stat -c %U:%G "$D/etc/safeflash/keys")" "root:root"
fi
for m in "$ROOT"/man/*.[1-9]; do
    [ -f "$m" ] || continue
    s=${m##*.}
    [ -f "$D/usr/share/man/man$s/$(basename "$m")" ] && echo "   ok: man$s/$(basename "$m")" ||
        fail "$m not installed in man$s"
done
if [ -f "$ROOT/completion/safeflash" ]; then
    cdir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null ||
           echo /usr/share/bash-completion/completions)
    [ -f "$D$cdir/safeflash" ] && echo "   ok: $cdir/safeflash" || fail "no $cdir/safeflash"
fi
AC="$D/usr/share/ansible/collections"
[ -f "$AC/ansible_collections/safeflash/firmware/plugins/modules/safeflash_baseline.py" ] &&
    echo "   ok: the Ansible collection under usr/share/ansible/collections" ||
    fail "the Ansible collection is not installed"
if command -v ansible-doc >/dev/null; then
    expect_exit 0 env ANSIBLE_COLLECTIONS_PATH="$AC" HOME="$WORK" ANSIBLE_LOCAL_TEMP="$WORK/at" \
        ansible-doc -t module safeflash.firmware.safeflash_baseline
    expect_contains "ansible-doc reads the installed collection" "$OUT" "SAFEFLASH.FIRMWARE.SAFEFLASH_BASELINE"
fi

step "the shared library exports the public API, nothing else"
# Every function include/safeflash/ declares (sf_emu.h's are the simulators').
decl=$(for h in "$D"/usr/include/safeflash/*.h; do
           [ "$(basename "$h")" = sf_emu.h ] || gcc -fpreprocessed -dD -E -P "$h"
       done | grep -o '\bsf_[a-z0-9_]*[ ]*(' | sed 's/[ (]*$//' | sort -u)
dyn=$(nm -D --defined-only "$LIB/libsafeflash.so.0" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u)
expect_eq "exported = declared" "$(comm -3 <(echo "$dyn") <(echo "$decl") | tr -s ' \t\n' ' ')" ""
expect_eq "symbol versions" "$(nm -D --defined-only --with-symbol-versions "$LIB/libsafeflash.so.0" |
    awk '$2 != "A"' | sed -n 's/.*@@*//p' | sort -u)" "SAFEFLASH_0"
sim=$(nm -g --defined-only "$LIB/libsafeflash-sim.a" | awk 'NF == 3 { print $3 }' | sort | tr '\n' ' ')
expect_eq "libsafeflash-sim.a defines only sf_emu.h's" "$sim" "sf_emu_nor_attach sf_emu_scsi_attach "

step "the API example, built with pkg-config against the installed tree"
export PKG_CONFIG_PATH="$LIB/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
flags=$(pkg-config --cflags --libs safeflash-sim)
expect_contains "pkg-config" "$flags" "-I$D/usr/include"
# Against the installed headers only: no -I into the source tree.
expect_exit 0 gcc -std=c11 -Wall -Wextra -Werror $SANFLAGS -o "$WORK/update" \
    "$ROOT/examples/api/update.c" $flags
expect_contains "linked with the shared library" "$(readelf -d "$WORK/update")" "[libsafeflash.so.0]"
cp "$ROOT/examples/emu/jbod.conf" "$WORK/jbod.conf"
"$SFEMU" mkimage --product JBOD-2U24 --revision 0300 --size 200000 -o "$WORK/fw.bin" > /dev/null
expect_exit 0 env LD_LIBRARY_PATH="$LIB" "$WORK/update" "$SAFEFLASH_STATE_DIR" "$WORK/jbod.conf" $DEV \
    "$WORK/fw.bin" 0300
expect_contains "plan" "$OUT" "plan: $DEV subenclosure 0 (SFEMU JBOD-2U24-ESM-A): 0100 -> 0300"
expect_contains "result" "$OUT" "subenclosure 1: result: updated: updated 0207 -> 0300"
expect_exit 1 env LD_LIBRARY_PATH="$LIB" "$WORK/update" "$SAFEFLASH_STATE_DIR" "$WORK/jbod.conf" $DEV \
    "$WORK/nonexistent.bin"
one_line "an error" "$ERR"

step "a program that needs no simulator: pkg-config --cflags --libs safeflash alone"
cat > "$WORK/hist.c" <<'C'
#include <stdio.h>
#include <safeflash/safeflash.h>
#include <safeflash/sf_history_api.h>
/* The history of a state directory, read through the installed library. */
int main(int argc, char **argv)
{
    sf_ctx *ctx = NULL;
    struct sf_errctx ec = { 0 };
    struct sf_attempt_info *a = NULL;
    size_t n = 0;
    if (argc != 2 || sf_ctx_new(&ctx) || sf_ctx_set_state_dir(ctx, argv[1]))
        return 2;
    int rc = sf_history_read(ctx, NULL, &a, &n, &ec);
    printf("%s: %zu attempts\n", rc ? ec.msg : "history", n);
    sf_history_attempts_free(a, n);
    sf_ctx_free(ctx);
    return rc ? 1 : 0;
}
C
flags=$(pkg-config --cflags --libs safeflash)
expect_exit 0 gcc -std=c11 -Wall -Wextra -Werror $SANFLAGS -o "$WORK/hist" "$WORK/hist.c" $flags
expect_exit 0 env LD_LIBRARY_PATH="$LIB" "$WORK/hist" "$SAFEFLASH_STATE_DIR"
expect_contains "the example's two attempts, read back" "$OUT" "history: 2 attempts"

step "and statically: safeflash.pc's private part names what libsafeflash.a needs"
# pkg-config --static would also want the static dependencies of
# libarchive and libcurl (not installed by their -dev packages): what is
# tested is libsafeflash.a with the shared libraries the .pc names.
mkdir -p "$WORK/static"
cp "$LIB/libsafeflash.a" "$LIB/libsafeflash-sim.a" "$WORK/static/"
priv=$(pkg-config --print-requires-private safeflash | tr '\n' ' ')
expect_eq "Requires.private" "$priv" "json-c zlib libarchive libcrypto sqlite3 libcurl "
expect_exit 0 gcc -std=c11 -Wall -Wextra -Werror $SANFLAGS -o "$WORK/update-static" \
    "$ROOT/examples/api/update.c" -L"$WORK/static" $(pkg-config --cflags --libs safeflash-sim) \
    $(pkg-config --libs $priv) $(sed -n 's/^Libs.private://p' "$LIB/pkgconfig/safeflash.pc")
case "$(readelf -d "$WORK/update-static" 2>&1)" in
    *libsafeflash.so*) fail "update-static needs libsafeflash.so" ;;
    *) echo "   ok: update-static does not need libsafeflash.so" ;;
esac
rm -rf "$WORK/jbod.state" "$SAFEFLASH_STATE_DIR"
expect_exit 0 "$WORK/update-static" "$SAFEFLASH_STATE_DIR" "$WORK/jbod.conf" $DEV "$WORK/fw.bin" 0300
expect_contains "static result" "$OUT" "subenclosure 1: result: updated: updated 0207 -> 0300"
unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR

step "make uninstall leaves only directories"
expect_exit 0 mk uninstall DESTDIR="$D" PREFIX=/usr
expect_eq "files left" "$(find "$D" ! -type d | sed "s|^$D||")" ""
[ -e "$D/etc/safeflash/keys" ] && fail "the empty keys directory is still there" ||
    echo "   ok: the empty keys directory is gone"

step "another PREFIX: completion under it, keys still in /etc; uninstall keeps keys"
D2="$WORK/opt"
expect_exit 0 mk install DESTDIR="$D2" PREFIX=/opt/safeflash
[ -x "$D2/opt/safeflash/bin/safeflash" ] && echo "   ok: opt/safeflash/bin/safeflash" || fail "no bin"
[ -d "$D2/etc/safeflash/keys" ] && echo "   ok: etc/safeflash/keys" || fail "no etc/safeflash/keys"
if [ -f "$ROOT/completion/safeflash" ]; then
    [ -f "$D2/opt/safeflash/share/bash-completion/completions/safeflash" ] &&
        echo "   ok: completion under the prefix" || fail "completion not under the prefix"
fi
expect_eq "pc prefix" "$(sed -n 's/^prefix=//p' "$D2/opt/safeflash/lib/pkgconfig/safeflash.pc")" "/opt/safeflash"
touch "$D2/etc/safeflash/keys/vendor.pub"
expect_exit 0 mk uninstall DESTDIR="$D2" PREFIX=/opt/safeflash
[ -f "$D2/etc/safeflash/keys/vendor.pub" ] && echo "   ok: a trusted key survives uninstall" ||
    fail "uninstall removed a trusted key"
finish
