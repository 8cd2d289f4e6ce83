# safeflash - one non-recursive Makefile.
#
#   make            build/safeflash, build/libsafeflash-emu.so (and tests)
#   make demo       install Debian deps, build, list/show the emulated JBOD
#   make check      install deps, build under ASan+UBSan, run the whole suite
#   make fuzz       libFuzzer on every decoder (FUZZ_SECONDS each, default 60)
#   make bench      performance comparisons (see README)
#   make faults     the full fault sweep; make faults-random SEED=n RUNS=m
#   make install    the CLI, libsafeflash.so.0, headers, pkg-config files, man
#                   pages, bash completion, /etc/safeflash/keys (PREFIX,
#                   DESTDIR; see "Installing" below); make uninstall
#   make package    the Debian packages (debian/) into PKGOUT ($(BUILD)/package),
#                   checked by lintian
#
# BUILD selects the output directory, SAN=1 the sanitizer build.  CPPFLAGS,
# CFLAGS and LDFLAGS from the environment (dpkg-buildflags) are added.

CC      ?= gcc
BUILD   ?= build
SAN     ?= 0
V       ?= 0

PKGS    := json-c zlib libarchive libcrypto sqlite3
CPPFLAGS_ALL := -Iinclude -Isrc $(shell pkg-config --cflags $(PKGS) libcurl 2>/dev/null)
CFLAGS_ALL   := -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -g -fPIC \
                -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-missing-field-initializers \
                -Wno-format-truncation
LDLIBS_ALL   := -lsgutils2 $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljson-c) -ldl
# libcurl only where Redfish is spoken: never in the preload library, which
# is loaded into other programs (sg_inq under ASan hangs in libcurl's
# dependencies' constructors).
NET_LDLIBS   := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)

ifeq ($(SAN),1)
CFLAGS_ALL  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_ALL += -fsanitize=address,undefined
else
CFLAGS_ALL  += -O2
endif

LIB_SRCS := \
	src/util/sf_err.c src/util/sf_file.c src/util/sf_workers.c \
	src/proto/sf_cdb.c src/proto/sf_sense.c src/proto/sf_inquiry.c src/proto/sf_ses.c \
	src/proto/sf_wbuf.c src/proto/sf_slot.c src/proto/sf_redfish.c \
	src/transport/sf_transport.c src/transport/sf_sgio.c src/transport/sf_scsi.c \
	src/transport/sf_flash.c \
	src/engine/sf_encl.c src/engine/sf_discover.c \
	src/engine/sf_sesdl.c src/engine/sf_install.c src/engine/sf_install_pair.c src/engine/sf_install_plan.c src/engine/sf_drive.c src/engine/sf_wbdl.c \
	src/engine/sf_flashup.c \
	src/engine/sf_ctx.c src/engine/sf_update.c src/engine/sf_plan.c src/engine/sf_request.c \
	src/engine/sf_run.c src/engine/sf_show.c \
	src/engine/sf_journal.c src/engine/sf_what.c src/engine/sf_class_flash.c src/engine/sf_class_scsi.c src/engine/sf_class_redfish.c \
	src/engine/sf_api_device.c src/engine/sf_api_package.c src/engine/sf_api_history.c \
	src/pkg/sf_crypto.c src/pkg/sf_manifest.c src/pkg/sf_pkg.c \
	src/state/sf_history.c src/state/sf_lock.c \
	src/fleet/sf_baseline.c \
	src/fleet/sf_fleet.c \
	src/fleet/sf_fleet_check.c \
	src/fleet/sf_fleet_apply.c
# Simulators that stand in for hardware and are handed to a context
# (include/safeflash/sf_emu.h): the enclosure and drive emulator and its
# in-process transport, the NOR flash model, the BMC image format.  Not
# part of the product library; the tool, the tests and the example link
# them, and the preload library carries the emulator.
EMU_SRCS := src/emu/sf_emu_conf.c src/emu/sf_emu_state.c src/emu/sf_emu.c src/emu/sf_emu_image.c \
	src/transport/sf_emutr.c
SIM_SRCS := $(EMU_SRCS) src/emu/sf_nor.c src/emu/sf_bmcimg.c src/emu/sf_emu_attach.c
# Redfish over HTTP(S): in libsafeflash.a, not in the preload library.
NET_SRCS := src/transport/sf_http.c src/engine/sf_rfsess.c src/engine/sf_bmcup.c \
	src/engine/sf_bmcinv.c
CLI_SRCS := src/cli/sf_main.c src/cli/sf_cli_list.c src/cli/sf_cli_show.c src/cli/sf_fmt.c \
	src/cli/sf_cli_install.c src/cli/sf_cli_pkg.c src/cli/sf_cli_flash.c \
	src/cli/sf_cli_redfish.c src/cli/sf_cli_history.c src/cli/sf_cli_engine.c src/cli/sf_cli_scsi.c \
	src/cli/sf_cli_opts.c src/cli/sf_cli_table.c src/cli/sf_cli_text.c src/cli/sf_cli_fleet.c
PRELOAD_SRCS := src/emu/sf_emu_preload.c
SFEMU_SRCS := src/emu/sfemu_main.c
# The emulated BMC is a server: libmicrohttpd stays out of the library.
SFBMC_SRCS := src/emu/sfbmc_main.c src/emu/sf_bmc.c
UNIT_SRCS := $(wildcard tests/unit/*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))

OBJ = $(BUILD)/obj
LIB_OBJS := $(LIB_SRCS:%.c=$(OBJ)/%.o)
SIM_OBJS := $(SIM_SRCS:%.c=$(OBJ)/%.o)
NET_OBJS := $(NET_SRCS:%.c=$(OBJ)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(OBJ)/%.o)
PRELOAD_OBJS := $(PRELOAD_SRCS:%.c=$(OBJ)/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(OBJ)/%.o)
SFEMU_OBJS := $(SFEMU_SRCS:%.c=$(OBJ)/%.o)
SFBMC_OBJS := $(SFBMC_SRCS:%.c=$(OBJ)/%.o)

LIBA     := $(BUILD)/libsafeflash.a
SIMA     := $(BUILD)/libsafeflash-sim.a
CLI      := $(BUILD)/safeflash
PRELOAD  := $(BUILD)/libsafeflash-emu.so
SFEMU    := $(BUILD)/sfemu
SFBMC    := $(BUILD)/sfbmc
SGLOG    := $(BUILD)/libsafeflash-sglog.so
KILLNET  := $(BUILD)/libsafeflash-killnet.so
UNIT     := $(BUILD)/test-unit
EXAMPLE  := $(BUILD)/example-api
REPLAYS  := $(FUZZ_NAMES:%=$(BUILD)/fuzz-replay-%)

ifeq ($(V),0)
Q := @
else
Q :=
endif

.PHONY: all tests demo check fuzz bench faults faults-random clean deps
all: $(CLI) $(PRELOAD) $(SFEMU) $(SFBMC) $(SGLOG) $(KILLNET) $(EXAMPLE) tests installable
tests: $(UNIT) $(REPLAYS)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 0 ] && echo "  CC  $<" || true
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIBA): $(LIB_OBJS) $(NET_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(SIMA): $(SIM_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(CLI): $(CLI_OBJS) $(SIMA) $(LIBA)
	$(Q)$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(CLI_OBJS) $(SIMA) $(LIBA) $(LDLIBS_ALL) $(NET_LDLIBS)

$(SFEMU): $(SFEMU_OBJS) $(SIMA) $(LIBA)
	$(Q)$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(SFEMU_OBJS) $(SIMA) $(LIBA) $(LDLIBS_ALL)

$(SFBMC): $(SFBMC_OBJS) $(SIMA) $(LIBA)
	$(Q)$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(SFBMC_OBJS) $(SIMA) $(LIBA) $(LDLIBS_ALL) \
		$(shell pkg-config --libs libmicrohttpd) $(NET_LDLIBS) -lpthread

# The preload library carries its own copy of the library code so it can
# be loaded into any program (sg3_utils) without safeflash's objects.
$(PRELOAD): $(PRELOAD_OBJS) $(LIB_OBJS) $(EMU_SRCS:%.c=$(OBJ)/%.o)
	$(Q)$(CC) -shared $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# The SG_IO logging shim goes into programs that are not built with the
# sanitizers (sg_write_buffer, sg_ses_microcode): never instrumented.
$(SGLOG): src/tools/sf_sglog.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl -lcrypto

# The API example is built as a program outside the project would be:
# against include/safeflash/ alone (no -Isrc), linked with the library.
$(EXAMPLE): examples/api/update.c $(SIMA) $(LIBA)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -Wall -Wextra -Werror -Iinclude $(filter -fsanitize% -O% -g,$(CFLAGS_ALL)) \
		$(LDFLAGS_ALL) -o $@ $< $(SIMA) $(LIBA) $(LDLIBS_ALL) $(NET_LDLIBS)

# The kill sweep's HTTP shim (scripts/killsweep-redfish): kills a client
# at its k-th HTTP exchange; like the SG_IO shim, never instrumented.
$(KILLNET): src/tools/sf_killnet.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# The unit tests also cover the command line's terminal filter, a pure
# part of the CLI.
UNIT_CLI_OBJS := $(OBJ)/src/cli/sf_cli_text.o
$(UNIT): $(UNIT_OBJS) $(UNIT_CLI_OBJS) $(SIMA) $(LIBA)
	$(Q)$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(UNIT_CLI_OBJS) $(SIMA) $(LIBA) $(LDLIBS_ALL) $(NET_LDLIBS)

# Each fuzz target, linked with a small main() that replays a corpus, so the
# committed corpora run in every `make check` (under the sanitizers).
$(BUILD)/fuzz-replay-%: $(OBJ)/tests/fuzz/fuzz_%.o $(OBJ)/tests/fuzz/replay_main.o $(SIMA) $(LIBA)
	$(Q)$(CC) $(LDFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL) $(NET_LDLIBS)

# ---- Installing --------------------------------------------------------------
#
# make install [PREFIX=/usr/local] [DESTDIR=] puts (each directory variable
# can be given too):
#   $(BINDIR)/safeflash            the CLI
#   $(LIBDIR)/libsafeflash.so.$(VERSION), libsafeflash.so.0 (the SONAME),
#     libsafeflash.so, libsafeflash.a      the product library: LIB_SRCS +
#                                  NET_SRCS, exporting only the functions
#                                  declared in include/safeflash/ (version
#                                  node SAFEFLASH_0), sf_emu.h's aside
#   $(LIBDIR)/libsafeflash-sim.a   the simulators of sf_emu.h (static only)
#   $(INCLUDEDIR)/safeflash/*.h    every public header, sf_emu.h included
#   $(PKGCONFIGDIR)/safeflash.pc, safeflash-sim.pc
#   $(MANDIR)/manN/                man/*.N, whatever man/ holds
#   $(BASHCOMPDIR)/safeflash       completion/safeflash, if there is one;
#                                  with PREFIX=/usr where bash-completion
#                                  says, else under PREFIX
#   $(SYSCONFDIR)/safeflash/keys   the trusted keys directory, mode 0755,
#                                  root's when root installs
#
# SYSCONFDIR is /etc whatever PREFIX is: the tool and the library read
# /etc/safeflash/keys (compiled in, not derived from a prefix), so a keys
# directory under /usr/local/etc would never be read.  Another SYSCONFDIR
# needs SAFEFLASH_KEYS or --keys to be used.
#
# The simulators are not part of the product library (sf_emu.h), but a
# program written against the API needs them to be tested without hardware
# (examples/api/update.c does), so they are installed beside it as a static
# library with their own pkg-config file (safeflash-sim: the library, plus
# what the simulators link).  libsafeflash-sim.a is one relocatable object
# whose only global symbols are sf_emu.h's functions; it carries private
# copies of the library's internal encoders it answers with (SES and SCSI
# pages, SHA-256), so that the shared library need not export them.  The
# simulators still reach into the library's internal transport and flash
# interfaces (src/), which are no ABI: a program linked with
# libsafeflash-sim.a is a test program, rebuilt with the library it uses.
#
# The installed CLI is linked statically with the library, as in the build:
# it carries the simulators too (file: targets, $SAFEFLASH_EMU), it cannot
# be broken by a libsafeflash.so of another version while it updates
# firmware, and it calls only the public API (check: make print-CLI_OBJS and
# nm), so linking it with the shared library later is a Makefile change.
VERSION  := 0.1.0
SOMAJOR  := 0
SONAME   := libsafeflash.so.$(SOMAJOR)
DIST     := $(BUILD)/dist
SHLIB    := $(DIST)/libsafeflash.so.$(VERSION)
SIMLIB   := $(DIST)/libsafeflash-sim.a
EMU_HDR  := include/safeflash/sf_emu.h
PUB_HDRS := $(filter-out $(EMU_HDR),$(wildcard include/safeflash/*.h))
MANPAGES := $(wildcard man/*.[1-9])
COMPLETION := $(wildcard completion/safeflash)
OBJCOPY  ?= objcopy

PREFIX      ?= /usr/local
EXEC_PREFIX ?= $(PREFIX)
BINDIR      ?= $(EXEC_PREFIX)/bin
LIBDIR      ?= $(EXEC_PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
# The Ansible collection safeflash.firmware, where ansible-core looks for
# collections system-wide (/usr/share/ansible/collections for PREFIX=/usr).
ANSIBLEDIR  ?= $(DATADIR)/ansible/collections/ansible_collections/safeflash/firmware
ANSIBLE_FILES := $(shell find ansible/safeflash/firmware -type f ! -name '*.pyc' ! -path '*/__pycache__/*' 2>/dev/null | sort)
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
SYSCONFDIR  ?= /etc
ifeq ($(PREFIX),/usr)
BASHCOMPDIR ?= $(or $(shell pkg-config --variable=completionsdir bash-completion 2>/dev/null),/usr/share/bash-completion/completions)
else
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
endif
# Root installs root's keys directory (an existing one too).
KEYS_OWNER := $(if $(filter 0,$(shell id -u)),-o 0 -g 0)

.PHONY: installable install uninstall package
installable: $(CLI) $(LIBA) $(SHLIB) $(SIMLIB)

# The functions a set of headers declares (comments removed).
declared = for h in $(1); do $(CC) -fpreprocessed -dD -E -P $$h; done | \
	grep -o '\bsf_[a-z0-9_]*[ ]*(' | sed 's/[ (]*$$//' | sort -u
$(DIST)/public.syms: $(PUB_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(call declared,$^) > $@
$(DIST)/sim.syms: $(EMU_HDR)
	@mkdir -p $(dir $@)
	$(Q)$(call declared,$^) > $@
$(DIST)/libsafeflash.map: $(DIST)/public.syms
	$(Q){ echo 'SAFEFLASH_0 {'; echo '  global:'; sed 's/.*/    &;/' $<; \
	      echo '  local: *;'; echo '};'; } > $@

$(SHLIB): $(LIB_OBJS) $(NET_OBJS) $(DIST)/libsafeflash.map
	@[ "$(V)" = 0 ] && echo "  LD  $@" || true
	$(Q)$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script,$(DIST)/libsafeflash.map \
		-Wl,--no-undefined -Wl,--as-needed $(LDFLAGS_ALL) $(LDFLAGS) -o $@ \
		$(LIB_OBJS) $(NET_OBJS) $(LDLIBS_ALL) $(NET_LDLIBS)
	$(Q)ln -sf $(notdir $@) $(DIST)/$(SONAME) && ln -sf $(SONAME) $(DIST)/libsafeflash.so

# The linker picks the library objects the simulators use from copies whose
# public functions are made local (those come from libsafeflash); then every
# global but sf_emu.h's is made local.
$(SIMLIB): $(SIM_OBJS) $(LIB_OBJS) $(NET_OBJS) $(DIST)/public.syms $(DIST)/sim.syms
	@[ "$(V)" = 0 ] && echo "  AR  $@" || true
	$(Q)rm -rf $(DIST)/sim && mkdir -p $(DIST)/sim/priv
	$(Q)for o in $(LIB_OBJS) $(NET_OBJS); do \
		$(OBJCOPY) --localize-symbols=$(DIST)/public.syms $$o \
			$(DIST)/sim/priv/$$(echo "$${o#$(OBJ)/}" | tr / _) || exit 1; done
	$(Q)rm -f $(DIST)/sim/priv.a && ar rcs $(DIST)/sim/priv.a $(DIST)/sim/priv/*.o
	$(Q)$(LD) -r -o $(DIST)/sim/sf_sim.o $(SIM_OBJS) $(DIST)/sim/priv.a
	$(Q)$(OBJCOPY) --keep-global-symbols=$(DIST)/sim.syms $(DIST)/sim/sf_sim.o
	$(Q)rm -f $@ && ar rcs $@ $(DIST)/sim/sf_sim.o

# $(1): the .pc.in, $(2): where it goes.
pc = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@EXEC_PREFIX@|$(patsubst $(PREFIX)%,$${prefix}%,$(EXEC_PREFIX))|' \
	-e 's|@LIBDIR@|$(patsubst $(EXEC_PREFIX)%,$${exec_prefix}%,$(LIBDIR))|' \
	-e 's|@INCLUDEDIR@|$(patsubst $(PREFIX)%,$${prefix}%,$(INCLUDEDIR))|' \
	-e 's|@VERSION@|$(VERSION)|' $(1) > $(2)

install: installable
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
		$(DESTDIR)$(INCLUDEDIR)/safeflash
	install -m 0755 $(CLI) $(DESTDIR)$(BINDIR)/safeflash
	install -m 0644 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libsafeflash.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsafeflash.so
	install -m 0644 $(LIBA) $(SIMLIB) $(DESTDIR)$(LIBDIR)/
	install -m 0644 $(PUB_HDRS) $(EMU_HDR) $(DESTDIR)$(INCLUDEDIR)/safeflash/
	$(call pc,safeflash.pc.in,$(DESTDIR)$(PKGCONFIGDIR)/safeflash.pc)
	$(call pc,safeflash-sim.pc.in,$(DESTDIR)$(PKGCONFIGDIR)/safeflash-sim.pc)
	$(Q)for f in $(MANPAGES); do s=$${f##*.}; \
		echo "install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$$s/"; \
		install -d $(DESTDIR)$(MANDIR)/man$$s && \
		install -m 0644 $$f $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done
ifneq ($(COMPLETION),)
	install -d $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/safeflash
endif
	$(Q)for f in $(ANSIBLE_FILES); do d=$(DESTDIR)$(ANSIBLEDIR)/$${f#ansible/safeflash/firmware/}; \
		install -d $$(dirname $$d) && install -m 0644 $$f $$d || exit 1; done
	install -d -m 0755 $(KEYS_OWNER) $(DESTDIR)$(SYSCONFDIR)/safeflash $(DESTDIR)$(SYSCONFDIR)/safeflash/keys
	$(Q)if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

# Leaves the keys directory when it holds keys.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/safeflash \
		$(DESTDIR)$(LIBDIR)/libsafeflash.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
		$(DESTDIR)$(LIBDIR)/libsafeflash.so $(DESTDIR)$(LIBDIR)/libsafeflash.a \
		$(DESTDIR)$(LIBDIR)/libsafeflash-sim.a \
		$(DESTDIR)$(PKGCONFIGDIR)/safeflash.pc $(DESTDIR)$(PKGCONFIGDIR)/safeflash-sim.pc \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/safeflash/,$(notdir $(PUB_HDRS) $(EMU_HDR))) \
		$(foreach f,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(f)))/$(notdir $(f))) \
		$(DESTDIR)$(BASHCOMPDIR)/safeflash
	rm -rf $(DESTDIR)$(ANSIBLEDIR)
	$(Q)for d in ansible_collections/safeflash ansible_collections collections ""; do \
		rmdir $(DESTDIR)$(DATADIR)/ansible/$$d 2>/dev/null || true; done
	$(Q)rmdir $(DESTDIR)$(INCLUDEDIR)/safeflash 2>/dev/null || true
	$(Q)rmdir $(DESTDIR)$(SYSCONFDIR)/safeflash/keys $(DESTDIR)$(SYSCONFDIR)/safeflash 2>/dev/null || true

# The Debian packages (debian/), built from a copy of the tree (the files
# git knows, or the tree without build/ and .git outside a checkout) so
# that this tree stays clean: the .debs, .buildinfo, .changes, the build
# log and lintian's output in PKGOUT.  Fails on a lintian error.
PKGOUT ?= $(BUILD)/package
package: deps
	$(Q)rm -rf $(PKGOUT) && mkdir -p $(PKGOUT)/src/safeflash
	$(Q)v=$$(dpkg-parsechangelog -l debian/changelog -SVersion); [ "$$v" = "$(VERSION)" ] || \
		{ echo "package: debian/changelog is at $$v, the Makefile at $(VERSION)" >&2; exit 1; }
	$(Q)if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -co --exclude-standard | while IFS= read -r f; do \
			[ -e "$$f" ] && printf '%s\n' "$$f"; done | tar -cf - -T - ; \
	else tar --exclude=./build --exclude=./.git -cf - . ; fi | tar -C $(PKGOUT)/src/safeflash -xf -
	$(Q)rm -rf $(PKGOUT)/src/safeflash/build $(PKGOUT)/src/safeflash/debian/build
	@echo "  DPKG-BUILDPACKAGE  (log: $(PKGOUT)/build.log)"
	$(Q)cd $(PKGOUT)/src/safeflash && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage -us -uc -b > $(abspath $(PKGOUT))/build.log 2>&1 || \
		{ tail -n 40 $(abspath $(PKGOUT))/build.log; exit 1; }
	$(Q)mv $(PKGOUT)/src/*.deb $(PKGOUT)/src/*.buildinfo $(PKGOUT)/src/*.changes $(PKGOUT)/
	$(Q)rm -rf $(PKGOUT)/src
	@echo "  LINTIAN"
	$(Q)rc=0; lintian --fail-on error $(PKGOUT)/*.changes > $(PKGOUT)/lintian.log 2>&1 || rc=$$?; \
		cat $(PKGOUT)/lintian.log; exit $$rc
	@ls -1 $(PKGOUT)/*.deb

deps:
	@scripts/install-deps

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo $(BUILD)

check: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 all
	$(Q)tests/run.sh build/asan

FUZZ_SECONDS ?= 60
fuzz: deps
	$(Q)scripts/fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

# The full fault sweep (every mode x fault kind x command), then random
# multi-fault runs; `make check` runs a quick subset (tests/scenarios/070).
faults: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/faults $(BUILD) full
	$(Q)scripts/killsweep-flash $(BUILD) full
	$(Q)scripts/killsweep-scsi $(BUILD) full
	$(Q)scripts/killsweep-redfish $(BUILD) full

SEED ?= 1
RUNS ?= 200
faults-random: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/faults $(BUILD) random $(SEED) $(RUNS)

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/bench $(BUILD)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# `make -s print-LIB_SRCS` prints a variable (used by scripts/fuzz).
print-%:
	@echo $($*)
