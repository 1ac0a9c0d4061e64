# bank-callback: `make` builds ./bank-callback; `make check` runs every test.

PKGS     = libpq libcrypto libsodium hiredis
# libpq and hiredis are loaded at run time by db/libs.c, only once a
# request needs them; these are the sonames it loads.
soname          = $(shell objdump -p $$($(CC) -print-file-name=$(1)) 2>/dev/null | awk '/SONAME/ { print $$2 }')
LOAD_PQ_SONAME      := $(call soname,libpq.so)
LOAD_HIREDIS_SONAME := $(call soname,libhiredis.so)
VERSION  = 0.1
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-missing-field-initializers
CPPFLAGS += -I. -D_GNU_SOURCE -DVERSION='"$(VERSION)"' \
            $(if $(LOAD_PQ_SONAME),-DLOAD_PQ_SONAME='"$(LOAD_PQ_SONAME)"') \
            $(if $(LOAD_HIREDIS_SONAME),-DLOAD_HIREDIS_SONAME='"$(LOAD_HIREDIS_SONAME)"') \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
            -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
HARDEN   = -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDHARDEN = -pie -Wl,-z,relro,-z,now
LDLIBS  += $(shell pkg-config --libs libcrypto libsodium 2>/dev/null) -ldl

# Install locations; `make install PREFIX=/usr DESTDIR=/tmp/pkg`.
# Units go under PREFIX unless SYSTEMDUNITDIR names another place, e.g.
# SYSTEMDUNITDIR=$$(pkg-config --variable=systemdsystemunitdir systemd).
PREFIX        ?= /usr/local
DESTDIR       ?=
BINDIR         = $(PREFIX)/bin
MAN8DIR        = $(PREFIX)/share/man/man8
SQLDIR         = $(PREFIX)/share/bank-callback/sql
DOCDIR         = $(PREFIX)/share/doc/bank-callback
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR    ?= /etc
UNITS          = systemd/bank-callback.socket systemd/bank-callback@.service \
                 systemd/bank-callback-refresh.service systemd/bank-callback-refresh.timer
# The shipped files name /usr/local/bin/bank-callback; install points
# them at BINDIR.
SET_BINDIR     = sed 's|/usr/local/bin/bank-callback|$(BINDIR)/bank-callback|'
# The man page's paths follow PREFIX too.
SET_PREFIX     = sed 's|/usr/local/|$(PREFIX)/|g'

# `make SANITIZE=1` builds ./bank-callback with ASan and UBSan.  Each
# mode keeps its objects apart, and build/mode relinks on a switch.
MODE = release
ifeq ($(SANITIZE),1)
MODE     = sanitize
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
HARDEN   = -fPIE
endif

# The tree is the layers: lib/ the byte-level primitives (they include
# only each other), bank/ the bank's protocol, db/ PostgreSQL and Redis,
# handlers/ one file per flow or CmdId table.
SRCS = bank-callback.c client.c config.c conn.c deadline.c http.c logstats.c selfcheck.c \
       lib/buf.c lib/form.c lib/hex.c lib/json.c lib/readfile.c lib/slice.c lib/utf8.c \
       bank/callback.c bank/chkvalue.c bank/keyfile.c bank/shapes.c bank/walk.c \
       db/audit.c db/cache.c db/check.c db/libs.c db/pg.c db/verdict.c \
       db/redis_address.c db/signatures.c db/support.c \
       handlers/background.c handlers/ctx.c handlers/corpregister.c \
       handlers/health.c handlers/netsave.c handlers/page.c \
       handlers/refreshredis.c handlers/register.c handlers/orders.c \
       handlers/unverifiable.c handlers/bindcard.c handlers/tender.c \
       handlers/loans.c handlers/transfer.c handlers/freeze.c handlers/cash.c \
       handlers/bidinfo.c
OBJS = $(SRCS:%.c=build/$(MODE)/%.o)

all: bank-callback

bank-callback: $(OBJS) build/mode
	$(CC) $(LDFLAGS) $(LDHARDEN) -o $@ $(OBJS) $(LDLIBS)

build/mode: FORCE
	@mkdir -p build
	@[ "$$(cat $@ 2>/dev/null)" = $(MODE) ] || echo $(MODE) >$@

build/$(MODE)/%.o: %.c $(wildcard *.h lib/*.h bank/*.h db/*.h handlers/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(HARDEN) -c -o $@ $<

# Test tool: jsmn reads back what json.c wrote.
JSONCHECK_SRCS = lib/buf.c lib/slice.c lib/hex.c
tests/jsoncheck: tests/jsoncheck.c tests/json_unescape.h $(JSONCHECK_SRCS) $(wildcard lib/*.h)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ tests/jsoncheck.c $(JSONCHECK_SRCS)

# Test tool: a LISTEN client for tests/notify.bats.
tests/listen: tests/listen.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ tests/listen.c -lpq

# Test tool: signs generated callbacks and every other cutting of them,
# and runs the real callback_check() on each (see tests/recut.c).
RECUT_OBJS = $(filter-out build/$(MODE)/bank-callback.o,$(OBJS))
tests/recut: tests/recut.c $(RECUT_OBJS) build/mode
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(HARDEN) $(LDFLAGS) $(LDHARDEN) \
	  -o $@ tests/recut.c $(RECUT_OBJS) $(LDLIBS)

# Both install any missing Debian package first (scripts/packages), then
# build in a fresh make that sees the newly installed pkg-config files.
check:
	./scripts/deps
	$(MAKE) bank-callback tests/jsoncheck tests/recut tests/listen
	tests/run

# The Debian package, installed, upgraded, removed and purged on this
# machine (tests/package/package.bats): CI runs it last.
check-package:
	./scripts/deps
	$(MAKE) bank-callback tests/jsoncheck tests/listen
	tests/run tests/package/package.bats

# The tests that feed requests on stdin, each handler under valgrind:
# any memory error or leak fails the test.
VALGRIND_TESTS = tests/register.bats tests/netsave.bats tests/corpregister.bats \
                 tests/page.bats tests/signature.bats tests/refresh.bats \
                 tests/audit.bats tests/logging.bats tests/keys.bats \
                 tests/errors.bats tests/config.bats tests/realmoney.bats
check-valgrind:
	./scripts/deps
	$(MAKE) bank-callback tests/jsoncheck
	VALGRIND=1 tests/run $(VALGRIND_TESTS)

run:
	./scripts/deps
	$(MAKE) bank-callback
	./scripts/run-local

# The Debian package, lintian-clean, in build/deb/ (scripts/make-deb).
deb:
	./scripts/deps
	./scripts/make-deb

install: bank-callback
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN8DIR) $(DESTDIR)$(SQLDIR) \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/xinetd.d $(DESTDIR)$(DOCDIR)
	install -m 0755 bank-callback $(DESTDIR)$(BINDIR)/bank-callback
	$(SET_PREFIX) man/bank-callback.8 >$(DESTDIR)$(MAN8DIR)/bank-callback.8
	chmod 0644 $(DESTDIR)$(MAN8DIR)/bank-callback.8
	install -m 0644 sql/*.sql $(DESTDIR)$(SQLDIR)/
	install -m 0644 README.md SECURITY.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 etc/bank-callback.conf $(DESTDIR)$(DOCDIR)/bank-callback.conf.example
	@# The bank's key and the tokens go here: for root alone.
	[ -d $(DESTDIR)$(SYSCONFDIR)/bank-callback ] || \
	  install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/bank-callback
	for u in $(UNITS); do \
	  $(SET_BINDIR) $$u >$(DESTDIR)$(SYSTEMDUNITDIR)/$${u#systemd/} || exit 1; \
	  chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$${u#systemd/}; \
	done
	$(SET_BINDIR) xinetd/bank-callback >$(DESTDIR)$(SYSCONFDIR)/xinetd.d/bank-callback
	chmod 0644 $(DESTDIR)$(SYSCONFDIR)/xinetd.d/bank-callback
	@# An operator's configuration is never overwritten.  Not world-
	@# readable: it may come to hold a PGPASSWORD or the like.
	[ -e $(DESTDIR)$(SYSCONFDIR)/bank-callback.conf ] || \
	  install -m 0640 etc/bank-callback.conf $(DESTDIR)$(SYSCONFDIR)/bank-callback.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/bank-callback $(DESTDIR)$(MAN8DIR)/bank-callback.8 \
	  $(DESTDIR)$(SYSCONFDIR)/xinetd.d/bank-callback
	for u in $(UNITS); do rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/$${u#systemd/}; done
	for f in sql/*.sql; do rm -f $(DESTDIR)$(SQLDIR)/$${f#sql/}; done
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/SECURITY.md \
	  $(DESTDIR)$(DOCDIR)/bank-callback.conf.example
	-rmdir $(DESTDIR)$(SQLDIR) $(DESTDIR)$(PREFIX)/share/bank-callback \
	  $(DESTDIR)$(DOCDIR) 2>/dev/null
	@# The keys in it stay; an empty directory goes.
	-rmdir $(DESTDIR)$(SYSCONFDIR)/bank-callback 2>/dev/null
	@# Only the untouched example goes; an edited configuration stays.
	if cmp -s etc/bank-callback.conf $(DESTDIR)$(SYSCONFDIR)/bank-callback.conf; then \
	  rm -f $(DESTDIR)$(SYSCONFDIR)/bank-callback.conf; fi

# Fuzzing: make fuzz, make fuzz-run (rules in fuzz/fuzz.mk).
-include fuzz/fuzz.mk

# clang-tidy prints its findings on stdout; stderr only counts the
# warnings it suppressed in system headers.
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr -D_GNU_SOURCE -I. $(SRCS) tests/jsoncheck.c
	clang-tidy --quiet $(SRCS) -- $(CPPFLAGS) 2>/dev/null

clean:
	rm -rf bank-callback tests/jsoncheck tests/recut tests/listen build

.PHONY: all check check-valgrind check-package deb run install uninstall lint clean FORCE
