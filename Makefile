# Makefile: builds the FastCGI program, the voice worker, the job runner and the unit tests.
#   make run    install what is missing, build, start the whole stack with a demo business
#   make test   the same set-up on throwaway servers, then every test
#   make check  the static checks only (layers, templates, file length); no server
#   make bench  the speed figures of the README
#   make SAN=1  build with AddressSanitizer and UBSan

CC ?= cc
CXX ?= c++
BUILD := build
PKGS := libpq jansson libcurl openssl libjwt libctemplate speexdsp pocketsphinx icu-i18n icu-uc libical \
	liboath libqrencode
LATEST_MIGRATION := $(basename $(notdir $(lastword $(sort $(wildcard sql/[0-9]*.sql)))))

# pkg-config runs the first time a compile or link needs its answer, and only then: make run
# and make test install the packages before they build, so a fresh machine sees no errors.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $$(PKGS)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $$(shell pkg-config --libs $$(PKGS)))$(PKG_LIBS)
# Each object lists the headers it read in a .d file beside it (-MMD); -MP keeps a deleted
# header from breaking the build.
DEPFLAGS := -MMD -MP
CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
	-D_GNU_SOURCE -Ilib -Icgi $(PKG_CFLAGS)
CXXFLAGS = -std=c++17 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Ilib $(PKG_CFLAGS)
# flite ships no pkg-config file: its voice, lexicon and language libraries, in link order.
FLITE_LIBS := -lflite_cmu_us_kal -lflite_usenglish -lflite_cmulex -lflite -lm
LDLIBS = $(PKG_LIBS) -lfcgi -lpthread $(FLITE_LIBS)
ifeq ($(SAN),1)
# UBSan's checks make GCC see a possibly null format in every vsnprintf(NULL, 0, ...).
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1 -Wno-format-truncation
CXXFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
endif

LIB_C := $(wildcard lib/*/*.c)
LIB_OBJ := $(LIB_C:%.c=$(BUILD)/%.o) $(BUILD)/lib/infra/tpl.o
CGI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard cgi/*.c))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BINS := $(BUILD)/bin/switchboard-fcgi $(BUILD)/bin/switchboard-jobs $(BUILD)/bin/switchboard-voice
BINS += $(BUILD)/bin/switchboard-chat
BINS += $(BUILD)/bin/switchboard-rotate-keys
BINS += $(BUILD)/bin/switchboard-live

.PHONY: all deps run test check bench fuzz clean
all: $(BINS) $(UNIT_BIN)

deps:
	@scripts/install-deps

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run

test: deps
	@$(MAKE) --no-print-directory all
	@scripts/test

check:
	@tests/static/run.sh

# Each libFuzzer harness of tests/fuzz/ for FUZZ_SECONDS; make test runs a 10 s pass of each.
FUZZ_SECONDS ?= 600
fuzz: deps
	@tests/fuzz/run all $(FUZZ_SECONDS)

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/run

$(BUILD)/%.o: %.c | $(BUILD)/dirs
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# The readiness check compares the database with the newest migration of this build.
$(BUILD)/cgi/page-health.o: cgi/page-health.c $(wildcard sql/[0-9]*.sql) | $(BUILD)/dirs
	$(CC) $(CFLAGS) $(DEPFLAGS) -DLATEST_MIGRATION='"$(LATEST_MIGRATION)"' -c -o $@ $<

$(BUILD)/lib/infra/tpl.o: lib/infra/tpl.cc | $(BUILD)/dirs
	$(CXX) $(CXXFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/lib/libswitchboard.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/bin/switchboard-fcgi: $(CGI_OBJ) $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/switchboard-jobs: $(BUILD)/worker/jobs.o $(BUILD)/worker/jobs_table.o $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/switchboard-chat: $(BUILD)/worker/chat.o $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/switchboard-rotate-keys: $(BUILD)/worker/rotate_keys.o $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/switchboard-live: $(BUILD)/worker/live.o $(BUILD)/worker/live_stream.o $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lwebsockets

VOICE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard worker/voice*.c))
$(BUILD)/bin/switchboard-voice: $(VOICE_OBJ) $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lwebsockets

# The voice load generator of tests/bench/run (voice-scale); make bench builds it.
bench: $(BUILD)/bench/callload
CALLLOAD_OBJ := $(BUILD)/bench/callload.o $(BUILD)/bench/callload_proc.o \
	$(BUILD)/bench/callload_stt.o $(BUILD)/bench/callload_wire.o
$(CALLLOAD_OBJ): $(BUILD)/bench/%.o: tests/bench/%.c | $(BUILD)/dirs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/bench/callload: $(CALLLOAD_OBJ) $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lwebsockets -lev

# The open-loop load of signed Twilio webhooks (tests/bench/run webhook).
bench: $(BUILD)/bench/hookload
$(BUILD)/bench/hookload.o: tests/bench/hookload.c | $(BUILD)/dirs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/bench/hookload: $(BUILD)/bench/hookload.o
	$(CC) $(LDFLAGS) -o $@ $^ -lcrypto

# The receptionist's CPU time per turn and a practice run's wall time (tests/bench/run brain).
bench: $(BUILD)/bench/brainbench
$(BUILD)/bench/brainbench.o: tests/bench/brainbench.c | $(BUILD)/dirs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/bench/brainbench: $(BUILD)/bench/brainbench.o $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Availability's speed with a busy business (tests/bench/run availability).
bench: $(BUILD)/bench/availbench
$(BUILD)/bench/availbench.o: tests/bench/availbench.c | $(BUILD)/dirs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<
$(BUILD)/bench/availbench: $(BUILD)/bench/availbench.o $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the library and every cgi object but main.o.
$(BUILD)/tests/%.o: tests/unit/%.c | $(BUILD)/dirs
	$(CC) $(CFLAGS) $(DEPFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/lib/libswitchboard.a $(filter-out $(BUILD)/cgi/main.o,$(CGI_OBJ))
	$(CXX) $(LDFLAGS) -o $@ $< $(filter-out $(BUILD)/cgi/main.o,$(CGI_OBJ)) \
		$(BUILD)/lib/libswitchboard.a $(LDLIBS) -lcmocka

$(BUILD)/dirs:
	@mkdir -p $(BUILD)/lib/infra $(BUILD)/lib/audio $(BUILD)/lib/provider $(BUILD)/lib/domain \
		$(BUILD)/cgi $(BUILD)/worker $(BUILD)/bin $(BUILD)/tests $(BUILD)/bench
	@touch $@

# Keep the unit tests' objects: their .d files name them, and relinking is all a change needs.
.SECONDARY: $(UNIT_OBJ)

-include $(wildcard $(BUILD)/*/*.d $(BUILD)/*/*/*.d)

clean:
	rm -rf $(BUILD)
