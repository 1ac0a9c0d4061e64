# fuzz/fuzz.mk: libFuzzer targets, included by the Makefile.  See fuzz/README.md.
#
#   make fuzz                         build build/fuzz/fuzz_<name> for every name
#   make fuzz-run [FUZZ_SECONDS=60]   run each for FUZZ_SECONDS; non-zero on any finding
#   make fuzz-run-<name>              one target (http form keyfile pem json config
#                                     redis_address)
#   make fuzz-coverage                line coverage of the project sources by each corpus
#   make fuzz-clean                   remove build/fuzz (built targets, corpora, findings)
#
# Every variable here starts with FUZZ_ or fuzz_ so as not to touch the
# normal build; no rule here is named all, check or clean.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_NAMES   ?= http form keyfile pem json config redis_address
FUZZ_OUT     ?= build/fuzz
FUZZ_CFLAGS  ?= -g -O1 -fno-omit-frame-pointer
FUZZ_SAN      = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CPPFLAGS = $(CPPFLAGS)
# The project's warnings, but a new clang warning must not stop fuzzing.
FUZZ_WARN     = $(filter-out -Werror,$(WARN))
# Extra libFuzzer options for fuzz-run, e.g. FUZZ_ARGS=-jobs=2 or -seed=1.
FUZZ_ARGS    ?=
# Options every run gets: a hang is a finding; the summary and the
# statistics (exec/s, coverage) go to the end of the log.
FUZZ_RUNOPTS  = -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

# Per target: the project sources it links, extra libraries, -max_len.
fuzz_http_SRCS    = http.c lib/buf.c lib/slice.c lib/hex.c
fuzz_http_MAXLEN  = 20000
fuzz_form_SRCS    = lib/form.c lib/buf.c lib/slice.c lib/hex.c
fuzz_form_MAXLEN  = 65536
fuzz_keyfile_SRCS = bank/keyfile.c lib/readfile.c lib/buf.c lib/slice.c lib/hex.c
fuzz_keyfile_LIBS = -lcrypto -lsodium
fuzz_keyfile_MAXLEN = 16384
fuzz_pem_SRCS     = bank/keyfile.c lib/readfile.c lib/buf.c lib/slice.c lib/hex.c
fuzz_pem_LIBS     = -lcrypto -lsodium
fuzz_pem_MAXLEN   = 16384
fuzz_json_SRCS    = lib/json.c lib/utf8.c lib/buf.c lib/slice.c lib/hex.c
fuzz_json_MAXLEN  = 8192
fuzz_config_SRCS  = config.c bank/shapes.c lib/readfile.c lib/slice.c
fuzz_config_MAXLEN = 65536
fuzz_redis_address_SRCS   = db/redis_address.c lib/buf.c lib/slice.c lib/hex.c
fuzz_redis_address_MAXLEN = 4096

fuzz: $(FUZZ_NAMES:%=$(FUZZ_OUT)/fuzz_%)

fuzz-run: $(FUZZ_NAMES:%=fuzz-run-%)

fuzz-coverage: $(FUZZ_NAMES:%=fuzz-coverage-%)

fuzz-clean:
	rm -rf $(FUZZ_OUT)

FUZZ_PROFDATA ?= llvm-profdata
FUZZ_LLVMCOV  ?= llvm-cov

# $(1): target name.  The run works on build/fuzz/corpus/<name>, a copy
# of fuzz/corpus/<name> (kept between runs, so coverage accumulates;
# fuzz/ never changes).  Findings go to build/fuzz/findings/<name>/.
define FUZZ_TARGET
$(FUZZ_OUT)/fuzz_$(1): fuzz/fuzz_$(1).c fuzz/fuzz.h tests/json_unescape.h $(fuzz_$(1)_SRCS) $(wildcard *.h lib/*.h bank/*.h db/*.h) fuzz/fuzz.mk
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CPPFLAGS) $$(FUZZ_CFLAGS) $$(FUZZ_WARN) $$(FUZZ_SAN) \
	  -o $$@ fuzz/fuzz_$(1).c $(fuzz_$(1)_SRCS) $(fuzz_$(1)_LIBS)

fuzz-run-$(1): $(FUZZ_OUT)/fuzz_$(1)
	@mkdir -p $(FUZZ_OUT)/corpus/$(1) $(FUZZ_OUT)/findings/$(1)
	@cp -R fuzz/corpus/$(1)/. $(FUZZ_OUT)/corpus/$(1)/
	@echo "fuzz_$(1): $$(FUZZ_SECONDS) s, log in $(FUZZ_OUT)/fuzz_$(1).log"
	@if $(FUZZ_OUT)/fuzz_$(1) -max_total_time=$$(FUZZ_SECONDS) \
	  -max_len=$(fuzz_$(1)_MAXLEN) $$(FUZZ_RUNOPTS) \
	  $(if $(wildcard fuzz/dict/$(1).dict),-dict=fuzz/dict/$(1).dict) \
	  -artifact_prefix=$(FUZZ_OUT)/findings/$(1)/ $$(FUZZ_ARGS) \
	  $(FUZZ_OUT)/corpus/$(1) >$(FUZZ_OUT)/fuzz_$(1).log 2>&1; then \
	  grep -E '^#[0-9]+[[:space:]]+DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
	    $(FUZZ_OUT)/fuzz_$(1).log | sed 's/^/fuzz_$(1): /'; \
	else \
	  tail -n 80 $(FUZZ_OUT)/fuzz_$(1).log; \
	  echo "fuzz_$(1): FAILED; the input is in $(FUZZ_OUT)/findings/$(1)/;" \
	    "replay it with $(FUZZ_OUT)/fuzz_$(1) FILE" >&2; \
	  exit 1; \
	fi

# Coverage: the same harness built with clang's source-based coverage,
# replaying build/fuzz/corpus/<name> (after a fuzz-run) or else the seeds.
$(FUZZ_OUT)/cov/fuzz_$(1): fuzz/fuzz_$(1).c fuzz/fuzz.h tests/json_unescape.h $(fuzz_$(1)_SRCS) $(wildcard *.h lib/*.h bank/*.h db/*.h) fuzz/fuzz.mk
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_CPPFLAGS) -g -O0 -fsanitize=fuzzer \
	  -fprofile-instr-generate -fcoverage-mapping \
	  -o $$@ fuzz/fuzz_$(1).c $(fuzz_$(1)_SRCS) $(fuzz_$(1)_LIBS)

fuzz-coverage-$(1): $(FUZZ_OUT)/cov/fuzz_$(1)
	@d=$(FUZZ_OUT)/corpus/$(1); [ -d $$$$d ] || d=fuzz/corpus/$(1); \
	  echo "fuzz_$(1): coverage of $(fuzz_$(1)_SRCS) by $$$$d"; \
	  rm -f $(FUZZ_OUT)/cov/$(1).profraw; \
	  LLVM_PROFILE_FILE=$(FUZZ_OUT)/cov/$(1).profraw \
	    $(FUZZ_OUT)/cov/fuzz_$(1) -runs=0 $$$$d >$(FUZZ_OUT)/cov/$(1).log 2>&1 || \
	    { tail -n 20 $(FUZZ_OUT)/cov/$(1).log; exit 1; }
	@$$(FUZZ_PROFDATA) merge -sparse -o $(FUZZ_OUT)/cov/$(1).profdata $(FUZZ_OUT)/cov/$(1).profraw
	@$$(FUZZ_LLVMCOV) report $(FUZZ_OUT)/cov/fuzz_$(1) \
	  -instr-profile=$(FUZZ_OUT)/cov/$(1).profdata $(fuzz_$(1)_SRCS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_TARGET,$(n))))

.PHONY: fuzz fuzz-run fuzz-coverage fuzz-clean $(FUZZ_NAMES:%=fuzz-run-%) \
        $(FUZZ_NAMES:%=fuzz-coverage-%)
