# plumb — one non-recursive Makefile.
#
# Layout conventions (so a new file needs no Makefile edit):
#   <module>/*.c            library code, linked into build/libplumb.a
#   <module>/test-*.c       one cmocka binary each, build/test/<module>-<name>
#   <module>/fuzz-*.c       libFuzzer targets (make fuzz: clang; plain builds link a
#                           replay driver so a corpus runs as a regression test)
#   netctl/*.c              the netctl program (main.c holds main())
#   dns/plumb-dns/*.c       the plumb-dns daemon
#   svc/plumb-svc/*.c       the plumb-svc daemon
#   cni-plugins/lib/*.c     the CNI protocol core (part of libplumb.a)
#   cni-plugins/<name>/*.c  one CNI plugin binary each, build/cni/<name>
# A test-*.c inside a program folder links that program's objects except main.o.

CC       ?= cc
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
CNI_BIN_DIR ?= /opt/cni/bin
DESTDIR  ?=

ifeq ($(FUZZ),1)
# make fuzz: clang + libFuzzer; library code instrumented for coverage.
CC := clang
O ?= build/libfuzzer
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -Wno-unknown-warning-option
else ifeq ($(SAN),1)
O ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
O ?= build
SANFLAGS :=
endif

PKGS := libnl-route-3.0 libnl-3.0 libmnl libnftnl jansson libcurl liburing
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wformat=2 -Wformat-security -Wno-unused-parameter \
	  -Wno-missing-field-initializers -Wno-format-truncation \
	  -fstack-protector-strong -fPIE -pthread
ifneq ($(SAN),1)
CFLAGS += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3
endif
CFLAGS += $(SANFLAGS)
CPPFLAGS += -I. -D_GNU_SOURCE $(PKG_CFLAGS) -MMD -MP
# --as-needed: a CNI plugin that never calls etcd must not load libcurl and its
# ~30 dependencies on every exec (measured: 4x the start-up time).
LDFLAGS += -pie -Wl,-z,relro,-z,now -Wl,--as-needed -pthread $(SANFLAGS)
LDLIBS += $(PKG_LIBS)
# CNI plugins are exec'd once per command, so their start-up is their cost: the
# dynamic loader resolving libnl-route/libnl/libnftnl/jansson and running
# libnl-route's constructors for every link and qdisc type took 1.3 of a
# VERSION call's 3.6 ms CPU here. They link those four from Debian's static
# archives and glibc's, as static PIE (still full RELRO): no dynamic loader at
# all. Debian ships no libmnl.a, so mnl/ implements the part of libmnl's API
# that libnftnl and nat/ use, for the plugins only (0.5-0.8 ms less per exec
# here, mostly page faults on the shared libraries' relocated data).
# Sanitizer and fuzz builds keep the plain shared link.
CNI_STATIC := nl-route-3 nl-3 nftnl jansson
ifeq ($(SANFLAGS),)
CNI_LDLIBS := -Wl,-Bstatic $(addprefix -l,$(CNI_STATIC))
CNI_LDFLAGS := $(subst -pie,-static-pie,$(LDFLAGS))
CNI_OBJS := $(O)/obj/mnl/mnl.o
else
CNI_LDLIBS := $(LDLIBS)
CNI_LDFLAGS := $(LDFLAGS)
CNI_OBJS :=
endif

ifneq ($(V),1)
Q = @
msg = @printf '  %-6s %s\n' $(1) $(2);
else
Q =
msg =
endif

LIB_DIRS := common bridge veth ipam nat dns svc cni-plugins/lib
PROG_DIRS := netctl dns/plumb-dns svc/plumb-svc
CNI_DIRS := $(sort $(filter-out cni-plugins/lib,$(patsubst %/,%,$(dir $(wildcard cni-plugins/*/*.c)))))

# Drop test-*.c, fuzz-*.c (and, for not_special, main.c) from a list of sources.
drop_tests = $(foreach f,$(1),$(if $(filter test-% fuzz-%,$(notdir $(f))),,$(f)))
not_special = $(foreach f,$(1),$(if $(filter test-% fuzz-% main.c,$(notdir $(f))),,$(f)))

LIB_SRCS := $(call not_special,$(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
LIB_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(LIB_SRCS))
LIB := $(O)/libplumb.a

prog_name = $(notdir $(1))
BINS := $(foreach d,$(PROG_DIRS),$(if $(wildcard $(d)/main.c),$(O)/bin/$(call prog_name,$(d))))
CNIS := $(foreach d,$(CNI_DIRS),$(O)/cni/$(notdir $(d)))

# Unit tests: <dir>/test-<name>.c -> $(O)/test/<dir with / as ->-<name>
test_bin = $(O)/test/$(subst /,-,$(patsubst %/,%,$(dir $(1))))-$(patsubst test-%.c,%,$(notdir $(1)))
TEST_SRCS := $(wildcard $(addsuffix /test-*.c,$(LIB_DIRS) $(PROG_DIRS) $(CNI_DIRS) mnl))
TESTS := $(foreach t,$(TEST_SRCS),$(call test_bin,$(t)))

# Fuzz targets: <dir>/fuzz-<name>.c. With FUZZ=1 they are libFuzzer binaries in
# $(O)/fuzz/; otherwise they link tools/fuzz-replay.c and replay a corpus.
fuzz_bin = $(O)/fuzz/$(subst /,-,$(patsubst %/,%,$(dir $(1))))-$(patsubst fuzz-%.c,%,$(notdir $(1)))
FUZZ_SRCS := $(wildcard $(addsuffix /fuzz-*.c,$(LIB_DIRS) $(PROG_DIRS) $(CNI_DIRS)))
FUZZERS := $(foreach f,$(FUZZ_SRCS),$(call fuzz_bin,$(f)))
# "binary=corpus-dir" pairs: make check replays <dir>/corpus/<name>/ through each.
FUZZ_REPLAYS := $(foreach f,$(FUZZ_SRCS),$(call fuzz_bin,$(f))=$(dir $(f))corpus/$(patsubst fuzz-%.c,%,$(notdir $(f))))

all: $(LIB) $(BINS) $(CNIS) $(TESTS) $(FUZZERS)

$(O)/obj/%.o: %.c
	$(call msg,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Objects of a program folder, main.o included.
prog_objs = $(patsubst %.c,$(O)/obj/%.o,$(call drop_tests,$(wildcard $(1)/*.c)))

# PROG_RULE dir target [LDLIBS-var LDFLAGS-var extra-objects]
define PROG_RULE
$(2): $(call prog_objs,$(1)) $(LIB) $(5)
	$$(call msg,LD,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$($(or $(4),LDFLAGS)) -o $$@ $$^ $$($(or $(3),LDLIBS))
endef
$(foreach d,$(PROG_DIRS),$(if $(wildcard $(d)/main.c),$(eval $(call PROG_RULE,$(d),$(O)/bin/$(call prog_name,$(d))))))
$(foreach d,$(CNI_DIRS),$(eval $(call PROG_RULE,$(d),$(O)/cni/$(notdir $(d)),CNI_LDLIBS,CNI_LDFLAGS,$(CNI_OBJS))))

define TEST_RULE
$(call test_bin,$(1)): $(patsubst %.c,$(O)/obj/%.o,$(1)) $(filter-out %/main.o,$(if $(filter $(PROG_DIRS) $(CNI_DIRS),$(patsubst %/,%,$(dir $(1)))),$(call prog_objs,$(patsubst %/,%,$(dir $(1)))))) $(if $(filter mnl/%,$(1)),$(O)/obj/mnl/mnl.o) $(LIB)
	$$(call msg,LD,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS) -lcmocka
endef
$(foreach t,$(TEST_SRCS),$(eval $(call TEST_RULE,$(t))))

ifeq ($(FUZZ),1)
FUZZ_MAIN :=
FUZZ_LINK := -fsanitize=fuzzer
else
FUZZ_MAIN := $(O)/obj/tools/fuzz-replay.o
FUZZ_LINK :=
endif

define FUZZ_RULE
$(call fuzz_bin,$(1)): $(patsubst %.c,$(O)/obj/%.o,$(1)) $(FUZZ_MAIN) $(filter-out %/main.o,$(if $(filter $(PROG_DIRS) $(CNI_DIRS),$(patsubst %/,%,$(dir $(1)))),$(call prog_objs,$(patsubst %/,%,$(dir $(1)))))) $(LIB)
	$$(call msg,LD,$$@)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS) $(FUZZ_LINK) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach f,$(FUZZ_SRCS),$(eval $(call FUZZ_RULE,$(f))))

fuzz:
	$(Q)$(MAKE) --no-print-directory FUZZ=1 all

# --- Debian packages the build, the tests, the demo and the benchmarks need ---
DEB_BUILD := gcc make pkg-config libnl-3-dev libnl-route-3-dev libmnl-dev \
	libnftnl-dev libjansson-dev libcmocka-dev libcurl4-openssl-dev liburing-dev
DEB_TEST  := iproute2 nftables iptables iputils-ping procps psmisc util-linux \
	dnsutils busybox-static etcd-server etcd-client containernetworking-plugins \
	podman runc dnsmasq-base valgrind clang libclang-rt-14-dev jq curl
DEB_PKGS  := $(DEB_BUILD) $(DEB_TEST) $(DEB_EXTRA)

deps:
	$(Q)tools/deps $(DEB_PKGS)

unit: $(TESTS) $(FUZZERS)
	$(Q)tools/run-unit $(TESTS) $(if $(filter 1,$(FUZZ)),,$(FUZZ_REPLAYS))

netns: all
	$(Q)PLUMB_BUILD=$(abspath $(O)) netns-tests/run

check: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PLUMB_BUILD=$(abspath $(O)) tools/check $(TESTS) $(FUZZ_REPLAYS)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PLUMB_BUILD=$(abspath $(O)) examples/demo.sh

# The same network built by hand, one netctl command at a time.
lab: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)PLUMB_BUILD=$(abspath $(O)) examples/lab-netctl.sh

install: $(BINS) $(CNIS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(CNI_BIN_DIR)
	$(if $(BINS),install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/)
	$(if $(CNIS),install -m 0755 $(CNIS) $(DESTDIR)$(CNI_BIN_DIR)/)

clean:
	rm -rf build

format:
	clang-format -i $(shell git ls-files '*.c' '*.h')

.PHONY: all deps unit netns check demo lab install clean format fuzz
.DELETE_ON_ERROR:

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
