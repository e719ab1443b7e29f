# Hotline: a thin wrapper over CMake and CTest.
#   make          build build/hotline
#   make run      install what is missing, build, serve on ./var
#   make check    install test dependencies, build with ASan+UBSan, run every test
#   make bench-intake   the intake benchmark (bench/intake)

BUILD ?= build
CHECK_BUILD ?= build-check
DATA ?= ./var
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 15

.PHONY: all build run check fuzz deps deps-check bench-intake bench-console bench-hash bench-match bench-hashlist bench-items bench-mail clean format

all: build

build:
	@command -v cmake >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 || bash scripts/deps.sh run
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j $(JOBS)

deps:
	bash scripts/deps.sh run

deps-check:
	bash scripts/deps.sh check

# geo.sh needs the binary (hotline geo asn-mmdb), hence after build
run: deps build
	HOTLINE_BIN=$(abspath $(BUILD))/hotline bash scripts/geo.sh $(DATA) || echo "geo: no databases; item hosting shows addresses only"
	$(BUILD)/hotline serve --data $(DATA)

check: deps-check
	cmake -S . -B $(CHECK_BUILD) -DCMAKE_BUILD_TYPE=Debug -DHOTLINE_SANITIZE=ON
	cmake --build $(CHECK_BUILD) -j $(JOBS)
	cd $(CHECK_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

# libFuzzer targets (tests/fuzz), FUZZ_SECONDS each: `make fuzz FUZZ_SECONDS=600`
fuzz:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
	  -DHOTLINE_FUZZ=ON -DHOTLINE_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers
	cd $(FUZZ_BUILD) && UBSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -R '^fuzz/'

bench-intake: build
	bash bench/intake/run.sh

bench-console: build
	bash bench/console/run.sh

bench-hash: build
	bash bench/hash/run.sh

bench-match: build
	bash bench/match/run.sh

bench-hashlist: build
	bash bench/hashlist/run.sh

bench-items: build
	bash bench/items/run.sh

bench-mail: build
	bash bench/mail/run.sh

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tools/*.c')

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(FUZZ_BUILD)
