# safeflash - one non-recursive Makefile.
#
#   make            build/safeflash, build/libsafeflash-emu.so (and tests)
#   make demo       install Debian deps, build, list/show the emulated JBOD
#   make check      install deps, build under ASan+UBSan, run the whole suite
#   make fuzz       libFuzzer on every decoder (FUZZ_SECONDS each, default 60)
#   make bench      performance comparisons (see README)
#   make faults     the full fault sweep; make faults-random SEED=n RUNS=m
#
# BUILD selects the output directory, SAN=1 the sanitizer build.

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
	src/util/sf_err.c src/util/sf_file.c \
	src/proto/sf_cdb.c src/proto/sf_sense.c src/proto/sf_inquiry.c src/proto/sf_ses.c \
	src/proto/sf_wbuf.c src/proto/sf_slot.c src/proto/sf_redfish.c \
	src/transport/sf_transport.c src/transport/sf_sgio.c src/transport/sf_scsi.c \
	src/transport/sf_flash.c \
	src/engine/sf_encl.c src/engine/sf_discover.c \
	src/engine/sf_sesdl.c src/engine/sf_install.c src/engine/sf_install_plan.c src/engine/sf_drive.c src/engine/sf_wbdl.c \
	src/engine/sf_flashup.c \
	src/engine/sf_ctx.c src/engine/sf_update.c src/engine/sf_plan.c src/engine/sf_request.c \
	src/engine/sf_run.c src/engine/sf_show.c \
	src/engine/sf_journal.c src/engine/sf_what.c src/engine/sf_class_flash.c src/engine/sf_class_scsi.c src/engine/sf_class_redfish.c \
	src/engine/sf_api_device.c src/engine/sf_api_package.c src/engine/sf_api_history.c \
	src/pkg/sf_crypto.c src/pkg/sf_manifest.c src/pkg/sf_pkg.c \
	src/state/sf_history.c src/state/sf_lock.c
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
	src/cli/sf_cli_opts.c src/cli/sf_cli_text.c
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
all: $(CLI) $(PRELOAD) $(SFEMU) $(SFBMC) $(SGLOG) $(KILLNET) $(EXAMPLE) tests
tests: $(UNIT) $(REPLAYS)

$(OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 0 ] && echo "  CC  $<" || true
	$(Q)$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) $(CFLAGS) -MMD -MP -c $< -o $@

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
