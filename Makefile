# sealpost — plain GNU make. `make` builds src/sealpost; `make check` runs
# every test (unit, fuzz-corpus replay, integration against a private
# Postfix + Dovecot), then the unit and integration tests again under
# ASan+UBSan. See README.md.

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
SPOOLDIR   ?= /var/spool/sealpost
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := gnutls gnutls-dane libgsasl inih libunbound
VERSION    := 0.1.0

# Output directory for objects and binaries: src (the default build), or
# build/<name> for the test and sanitizer builds.
O ?= src

WARN := -Wall -Wextra -Wpedantic -Wformat=2 -Wshadow -Wpointer-arith -Wcast-qual \
	-Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
	-Wold-style-definition -Wvla -Wwrite-strings -Wimplicit-fallthrough -fno-common
# CI (CI=true in the environment) turns warnings into errors.
ifeq ($(CI),true)
WERROR ?= 1
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif

ifneq ($(SANITIZE),)
OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
HARDEN_LD := -fsanitize=$(SANITIZE)
else
OPT := -O2 -g -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
HARDEN_LD := -pie -Wl,-z,relro,-z,now
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

CPPFLAGS += -D_DEFAULT_SOURCE -D_GNU_SOURCE -DSEALPOST_VERSION='"$(VERSION)"' \
	-DSYSCONFDIR='"$(SYSCONFDIR)"' -DSPOOLDIR='"$(SPOOLDIR)"' $(TEST_CPPFLAGS) $(PKG_CFLAGS)
CFLAGS  ?=
CFLAGS  += -std=c17 $(OPT) $(WARN) -MMD -MP
LDFLAGS += $(HARDEN_LD)
LDLIBS  += $(PKG_LIBS) -lresolv

SRCS := $(wildcard src/*.c)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
OBJS := $(SRCS:src/%.c=$(O)/%.o)
LIB_OBJS := $(LIB_SRCS:src/%.c=$(O)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all install-perms check-system check-package bench check check-deps check-unit unit-bins check-fuzz check-fault check-integration check-asan \
	fuzz fuzz-bin lint install install-sendmail-links uninstall clean deps demo deb \
	harness-selftest

all: check-deps $(O)/sealpost

check-deps:
	@$(PKG_CONFIG) --exists $(PKGS) || { echo "missing build dependencies:" \
	  "$$($(PKG_CONFIG) --print-errors --exists $(PKGS) 2>&1 | head -n 3)"; \
	  echo "run 'make deps' (as root) to install them"; exit 1; }

$(O)/sealpost: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(O)/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS) $(CMOCKA_LIBS)

# test_spool interposes on flock() to remove an entry between open and lock.
$(O)/tests/test_spool: LDFLAGS += -Wl,--wrap=flock

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)

# The full test run, as CI runs it. Each step prints its own summary and
# the time since the start; the builds use every core ($(JOBS)), the
# suites run one at a time.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
STEP = @sh tests/lib/elapsed.sh
check:
	@$(PKG_CONFIG) --exists cmocka || { echo "cmocka missing: run 'make deps'"; exit 1; }
	@mkdir -p build && date +%s > build/.check-start
	$(MAKE) --no-print-directory -j$(JOBS) all
	$(MAKE) --no-print-directory check-doc lint check-import
	$(MAKE) --no-print-directory -j$(JOBS) O=build/test TEST_CPPFLAGS=-DSEALPOST_TEST unit-bins
	$(MAKE) --no-print-directory O=build/test TEST_CPPFLAGS=-DSEALPOST_TEST check-unit
	$(STEP) unit
	$(MAKE) --no-print-directory -j$(JOBS) fuzz
	$(MAKE) --no-print-directory check-fuzz
	$(STEP) fuzz
	$(MAKE) --no-print-directory check-fault SEALPOST_BIN=$(CURDIR)/src/sealpost
	$(STEP) fault
	$(MAKE) --no-print-directory check-integration SEALPOST_BIN=$(CURDIR)/src/sealpost
	$(STEP) integration
	$(MAKE) --no-print-directory check-system
	$(STEP) system
	$(MAKE) --no-print-directory check-package
	$(STEP) package
	$(MAKE) --no-print-directory check-asan
	$(STEP) asan
	@echo "make check: all test suites passed"

unit-bins: $(UNIT_BINS)

check-unit: $(UNIT_BINS)
	@sh tests/unit/run.sh $(UNIT_BINS)

check-asan:
	$(MAKE) --no-print-directory -j$(JOBS) O=build/asan SANITIZE=address,undefined \
	  TEST_CPPFLAGS=-DSEALPOST_TEST build/asan/sealpost unit-bins
	$(MAKE) --no-print-directory O=build/asan SANITIZE=address,undefined \
	  TEST_CPPFLAGS=-DSEALPOST_TEST check-unit
	@# ASan keeps 256 MB of freed memory in quarantine by default, which the
	@# 200 MB test's peak-RSS bound would measure instead of sealpost.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:quarantine_size_mb=16 \
	  UBSAN_OPTIONS=print_stacktrace=1 RSS_LIMIT_KB=65536 \
	  $(MAKE) --no-print-directory check-fault check-integration \
	  SEALPOST_BIN=$(CURDIR)/build/asan/sealpost

SEALPOST_BIN ?= $(CURDIR)/src/sealpost
check-integration:
	@bash tests/integration/run.sh $(SEALPOST_BIN)

# The set-group-ID system mode with two real users (needs root).
check-system:
	@# One system-mode run at a time per machine: it shares users and a group.
	@flock /tmp/sealpost-system.lock bash tests/system/run.sh

# make install's layout and install-sendmail-links into a DESTDIR; then, as
# root on Debian only (else it says why it skipped), the package: built,
# installed, used by two users, its timer's service run, purged.
check-package:
	@bash tests/package/run.sh

# The scripted hostile-server scenarios and the kill -9 tests (tests/fault).
check-fault:
	@bash tests/fault/run.sh $(SEALPOST_BIN)
	@bash tests/fault/kill.sh $(SEALPOST_BIN)
	@bash tests/fault/dnssrv_selftest.sh

# libFuzzer targets. `make fuzz` builds them; check-fuzz replays each
# corpus once (and fails on any crash or sanitizer report).
# The library is compiled once (with fuzzer coverage but without
# libFuzzer's main), and each target links against those objects.
FUZZ_CC ?= clang
FUZZ_DIR := build/fuzz
FUZZ_CFLAGS := -std=c17 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-D_DEFAULT_SOURCE -D_GNU_SOURCE -Isrc $(PKG_CFLAGS)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LIB_OBJS := $(LIB_SRCS:src/%.c=$(FUZZ_DIR)/obj/%.o)

$(FUZZ_DIR)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -o $@ $< $(FUZZ_LIB_OBJS) \
	  $(PKG_LIBS) -lresolv

-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_BINS:=.d)

fuzz: $(FUZZ_BINS)

check-fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/replay.sh $(FUZZ_DIR) $(FUZZ_BINS)

# Banned functions: each has a bounded replacement (snprintf, buf_addf,
# parse_uint). And no include circles among the modules in src/.
BANNED := strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|sscanf|alarm|setjmp|longjmp|system|popen
lint:
	@! grep -nE '(^|[^_a-z0-9])($(BANNED))[[:space:]]*\(' src/*.c src/*.h \
	  || { echo "lint: banned function used (see BANNED in the Makefile)"; exit 1; }
	@sh tests/lint/include-cycles.sh src
	@echo "lint: ok"

install: all install-doc install-systemd
	install -D -m 0755 $(O)/sealpost $(DESTDIR)$(SBINDIR)/sealpost

# System mode (doc/architecture.md, Privilege model): the binary becomes
# set-group-ID $(SEALPOST_GROUP), the queue and the configuration belong to
# that group and are closed to other users. Needs root; run after install.
SEALPOST_GROUP ?= sealpost
# The log file for `log = $(LOGFILE)` in system mode: root's, appendable by
# the group (a set-group-ID process writes it as the group), closed to
# others. sealpost never creates it there.
LOGFILE ?= /var/log/sealpost.log
install-perms:
	getent group $(SEALPOST_GROUP) >/dev/null || groupadd --system $(SEALPOST_GROUP)
	chown root:$(SEALPOST_GROUP) $(DESTDIR)$(SBINDIR)/sealpost
	chmod 2755 $(DESTDIR)$(SBINDIR)/sealpost
	install -d -o root -g $(SEALPOST_GROUP) -m 2770 $(DESTDIR)$(SPOOLDIR) \
	  $(DESTDIR)$(SPOOLDIR)/q $(DESTDIR)$(SPOOLDIR)/tmp $(DESTDIR)$(SPOOLDIR)/corrupt
	if [ -f $(DESTDIR)$(SYSCONFDIR)/sealpost.conf ]; then \
	  chown root:$(SEALPOST_GROUP) $(DESTDIR)$(SYSCONFDIR)/sealpost.conf && \
	  chmod 0640 $(DESTDIR)$(SYSCONFDIR)/sealpost.conf; fi
	[ -f $(DESTDIR)$(LOGFILE) ] || install -D -m 0660 -o root -g $(SEALPOST_GROUP) \
	  /dev/null $(DESTDIR)$(LOGFILE)
	chown root:$(SEALPOST_GROUP) $(DESTDIR)$(LOGFILE)
	chmod 0660 $(DESTDIR)$(LOGFILE)

# The names other programs call: $(SBINDIR)/sendmail, $(BINDIR)/mailq and
# $(BINDIR)/newaliases, and the fixed paths cron, mailx and PHP use
# ($(SENDMAIL_PATHS)). A name that already leads to sealpost is renewed; one
# that holds another MTA's binary (or a link to it) is left alone and the
# target fails, unless FORCE=1 (which replaces it). SENDMAIL_PATHS= skips
# the fixed paths.
SENDMAIL_PATHS ?= /usr/sbin/sendmail /usr/lib/sendmail
install-sendmail-links:
	@DESTDIR='$(DESTDIR)' FORCE='$(FORCE)' sh tools/sendmail-links.sh install \
	  '$(SBINDIR)/sealpost' '$(SBINDIR)/sendmail' '$(BINDIR)/mailq' \
	  '$(BINDIR)/newaliases' $(SENDMAIL_PATHS)

uninstall: uninstall-doc uninstall-systemd
	rm -f $(DESTDIR)$(SBINDIR)/sealpost
	@DESTDIR='$(DESTDIR)' sh tools/sendmail-links.sh remove '$(SBINDIR)/sealpost' \
	  '$(SBINDIR)/sendmail' '$(BINDIR)/mailq' '$(BINDIR)/newaliases' $(SENDMAIL_PATHS)

# The Debian package sealpost_$(VERSION)_<arch>.deb (debian/), built with
# debhelper in a copy of the source under build/deb (so that neither the
# tree nor the other builds are touched) with a debian/changelog written
# for $(VERSION); then lintian, when installed, which must report no error.
# Needs dpkg-dev and debhelper (sh tests/deps.sh package); not root.
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB_FILE = sealpost_$(VERSION)_$(DEB_ARCH).deb
DEB_TREE = build/deb/sealpost-$(VERSION)
deb:
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
	  { echo "make deb: needs dpkg-dev and debhelper: run 'sh tests/deps.sh package' as root"; exit 1; }
	rm -rf build/deb && mkdir -p $(DEB_TREE)/src
	cp -R Makefile LICENSE README.md doc completions tools debian $(DEB_TREE)/
	cp src/*.c src/*.h $(DEB_TREE)/src/
	@when=$$(git log -1 --format=%ct 2>/dev/null || date +%s); \
	  { echo "sealpost ($(VERSION)) unstable; urgency=medium"; echo; \
	    echo "  * sealpost $(VERSION), built from its source tree with make deb."; echo; \
	    echo " -- $$(sed -n 's/^Maintainer: //p' debian/control)  $$(LC_ALL=C date -R -u -d @$$when)"; \
	  } > $(DEB_TREE)/debian/changelog
	cd $(DEB_TREE) && dpkg-buildpackage -b --no-sign > ../build.log 2>&1 || \
	  { tail -n 40 ../build.log; echo "make deb: dpkg-buildpackage failed (log: build/deb/build.log)"; exit 1; }
	cp build/deb/$(DEB_FILE) $(DEB_FILE)
	@if command -v lintian >/dev/null; then \
	  lintian --fail-on error $(DEB_FILE) || exit 1; \
	  else echo "make deb: lintian not installed, not run"; fi
	@echo "built $(DEB_FILE)"

# Installs (as root, only what is missing) the Debian packages for the
# build and every test.
deps:
	sh tests/deps.sh all

# Installs what is missing, builds, starts a private Postfix + Dovecot on
# loopback, sends a message through sealpost with TLS and AUTH, shows it
# arriving, and stops the servers.
demo: 
	sh tests/deps.sh demo
	$(MAKE) --no-print-directory all
	bash tests/demo.sh $(CURDIR)/src/sealpost

# sealpost vs msmtp on the same local server, as ratios (not a test).
bench:
	sh tests/deps.sh bench
	$(MAKE) --no-print-directory all
	bash tests/bench/run.sh $(CURDIR)/src/sealpost

harness-selftest:
	bash tests/harness/mta.sh selftest
	bash tests/harness/dnssec.sh selftest

clean:
	rm -rf build src/*.o src/*.d src/sealpost sealpost_*.deb

# --- documentation (doc/, completions/) ---
# Where each shell looks: bash-completion and fish search
# <dir>/bash-completion/completions and <dir>/fish/vendor_completions.d for
# each <dir> of $XDG_DATA_DIRS (by default /usr/local/share:/usr/share). zsh
# searches /usr/local/share/zsh/site-functions, and on Debian
# /usr/share/zsh/vendor-completions for packages, but not
# /usr/share/zsh/site-functions.
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ifeq ($(PREFIX),/usr)
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
else
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
endif
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# systemd reads units from /etc/systemd/system, /usr/local/lib/systemd/system
# and /usr/lib/systemd/system (Debian 12's packages: /lib/systemd/system).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
UNITS := sealpost-queue.service sealpost-queue.timer sealpost-flush.service

.PHONY: install-doc uninstall-doc check-doc check-import install-systemd uninstall-systemd

# Man pages and shell completions. bash-completion loads a file named
# after the command, so the bash file is installed as "sealpost".
install-doc:
	install -D -m 0644 doc/sealpost.8 $(DESTDIR)$(MANDIR)/man8/sealpost.8
	install -D -m 0644 doc/sealpost.conf.5 $(DESTDIR)$(MANDIR)/man5/sealpost.conf.5
	install -D -m 0644 completions/sealpost.bash $(DESTDIR)$(BASHCOMPDIR)/sealpost
	install -D -m 0644 completions/_sealpost $(DESTDIR)$(ZSHCOMPDIR)/_sealpost
	install -D -m 0644 completions/sealpost.fish $(DESTDIR)$(FISHCOMPDIR)/sealpost.fish

# The queue timer and its service, and the boot flush (doc/operations.md),
# with ExecStart= naming $(SBINDIR)/sealpost. Installed, not enabled: as
# root, `systemctl daemon-reload && systemctl enable --now
# sealpost-queue.timer`.
install-systemd:
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	for u in $(UNITS); do \
	  sed 's|^ExecStart=[^ ]*/sealpost |ExecStart=$(SBINDIR)/sealpost |' doc/$$u \
	    > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp && \
	  chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp && \
	  mv $(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
	done

uninstall-systemd:
	for u in $(UNITS); do rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; done

uninstall-doc:
	rm -f $(DESTDIR)$(MANDIR)/man8/sealpost.8 $(DESTDIR)$(MANDIR)/man5/sealpost.conf.5 \
	  $(DESTDIR)$(BASHCOMPDIR)/sealpost $(DESTDIR)$(ZSHCOMPDIR)/_sealpost \
	  $(DESTDIR)$(FISHCOMPDIR)/sealpost.fish

# Both man pages must render without a single groff warning, and the bash
# completion must parse.
check-doc: $(O)/sealpost
	@python3 tests/lint/doc-coverage.py $(O)/sealpost
	@for p in doc/sealpost.8 doc/sealpost.conf.5; do \
	  out=$$(groff -man -Tutf8 -ww -z $$p 2>&1) || { echo "$$out"; exit 1; }; \
	  if [ -n "$$out" ]; then echo "$$p:"; echo "$$out"; exit 1; fi; \
	done
	bash -n completions/sealpost.bash
	@echo "check-doc: ok"

# sealpost --import end to end (exit statuses, --check-config on its output,
# no password printed, msmtp -P's view of each account), and every ```ini
# recipe of doc/providers.md through sealpost --check-config.
check-import: $(O)/sealpost
	@bash tests/import/run.sh $(O)/sealpost
	@sh tests/doc/providers.sh $(O)/sealpost
