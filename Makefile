# Makefile: builds the FastCGI program, the voice worker, the job runner and the unit tests.
#   make run    install what is missing, build, start the whole stack with a demo business
#   make test   the same set-up on throwaway servers, then every test
#   make bench  the speed figures of the README
#   make SAN=1  build with AddressSanitizer and UBSan

CC ?= cc
CXX ?= c++
BUILD := build
PKGS := libpq jansson libcurl openssl libjwt libctemplate speexdsp pocketsphinx icu-i18n icu-uc
LATEST_MIGRATION := $(basename $(notdir $(lastword $(sort $(wildcard sql/[0-9]*.sql)))))

CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
	-D_GNU_SOURCE -Ilib -Icgi $(shell pkg-config --cflags $(PKGS))
CXXFLAGS := -std=c++17 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Ilib \
	$(shell pkg-config --cflags libctemplate)
# flite ships no pkg-config file: its voice, lexicon and language libraries, in link order.
FLITE_LIBS := -lflite_cmu_us_kal -lflite_usenglish -lflite_cmulex -lflite -lm
LDLIBS := $(shell pkg-config --libs $(PKGS)) -lfcgi -lpthread $(FLITE_LIBS)
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
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BINS := $(BUILD)/bin/switchboard-fcgi $(BUILD)/bin/switchboard-jobs $(BUILD)/bin/switchboard-voice
BINS += $(BUILD)/bin/switchboard-chat

.PHONY: all deps run test bench clean
all: $(BINS) $(UNIT_BIN)

deps:
	@scripts/install-deps

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run

test: deps
	@$(MAKE) --no-print-directory all
	@scripts/test

bench: deps
	@$(MAKE) --no-print-directory all
	@tests/bench/run

$(BUILD)/%.o: %.c $(wildcard lib/*/*.h cgi/*.h worker/*.h) | $(BUILD)/dirs
	$(CC) $(CFLAGS) -c -o $@ $<

# The readiness check compares the database with the newest migration of this build.
$(BUILD)/cgi/page-health.o: cgi/page-health.c $(wildcard sql/[0-9]*.sql) | $(BUILD)/dirs
	$(CC) $(CFLAGS) -DLATEST_MIGRATION='"$(LATEST_MIGRATION)"' -c -o $@ $<

$(BUILD)/lib/infra/tpl.o: lib/infra/tpl.cc lib/infra/tpl.h | $(BUILD)/dirs
	$(CXX) $(CXXFLAGS) -c -o $@ $<

$(BUILD)/lib/libswitchboard.a: $(LIB_OBJ)
	ar rcs $@ $^

$(BUILD)/bin/switchboard-fcgi: $(CGI_OBJ) $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/switchboard-jobs: $(BUILD)/worker/jobs.o $(BUILD)/worker/jobs_table.o $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/switchboard-chat: $(BUILD)/worker/chat.o $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

VOICE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(wildcard worker/voice*.c))
$(BUILD)/bin/switchboard-voice: $(VOICE_OBJ) $(BUILD)/lib/libswitchboard.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lwebsockets

# The voice load generator of tests/bench/run (voice-scale); make bench builds it.
bench: $(BUILD)/bench/callload
$(BUILD)/bench/callload: tests/bench/callload.c $(BUILD)/lib/libswitchboard.a | $(BUILD)/dirs
	@mkdir -p $(BUILD)/bench
	$(CC) $(CFLAGS) -c -o $@.o $<
	$(CXX) $(LDFLAGS) -o $@ $@.o $(BUILD)/lib/libswitchboard.a $(LDLIBS) -lwebsockets

# Unit tests link the library and every cgi object but main.o.
$(BUILD)/tests/%.o: tests/unit/%.c $(wildcard lib/*/*.h cgi/*.h) | $(BUILD)/dirs
	$(CC) $(CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/lib/libswitchboard.a $(filter-out $(BUILD)/cgi/main.o,$(CGI_OBJ))
	$(CXX) $(LDFLAGS) -o $@ $< $(filter-out $(BUILD)/cgi/main.o,$(CGI_OBJ)) \
		$(BUILD)/lib/libswitchboard.a $(LDLIBS) -lcmocka

$(BUILD)/dirs:
	@mkdir -p $(BUILD)/lib/infra $(BUILD)/lib/audio $(BUILD)/lib/provider $(BUILD)/lib/domain $(BUILD)/cgi $(BUILD)/worker $(BUILD)/bin $(BUILD)/tests
	@touch $@

clean:
	rm -rf $(BUILD)
