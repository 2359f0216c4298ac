# gproot and junest: see README.md.
#
#   make build   static bin/gproot and bin/junest
#   make test    go vet, -race on the packages without ptrace, then every test
#                (builds the Debian test rootfs first when root)
#   make demo    JuNest's flow on an image of the Debian rootfs: setup, a
#                package installed under fake root, run; then gproot itself
#   make bench   benchmarks, then a table of them
#   make fuzz    fuzz the path resolver for a minute
#   make clean   remove bin/

SHELL := /bin/bash
GO ?= go
TEST_TIMEOUT ?= 30m
FUZZTIME ?= 60s
# Extra flags, e.g. make test TESTFLAGS='-run TestBindings -v'
TESTFLAGS ?=
BENCHFLAGS ?=
# Packages without ptrace code, also tested with the race detector.
RACE_PKGS ?= ./fakeid ./pathfs ./syscalls ./arch ./bench/cmd/table ./junest

ifeq ($(shell id -u),0)
# As root, keep the rootfs cache where uid 65534 (the user the tests and the
# demo run gproot as) can reach it: $HOME/.cache is under /root, mode 0700.
export GPROOT_CACHE ?= /var/cache/gproot
endif

# ROOTFS_SETUP sets and exports GPROOT_ROOTFS, unless it is already set, to
# the rootfs printed by testdata/mkrootfs.sh. Without root that script can
# only reuse a cached rootfs, so it is not run: the end-to-end tests skip.
ROOTFS_SETUP = if [ -z "$${GPROOT_ROOTFS:-}" ] && [ "$$(id -u)" = 0 ]; then \
		GPROOT_ROOTFS=$$(sh testdata/mkrootfs.sh) || exit 1; \
		export GPROOT_ROOTFS; \
	fi

.PHONY: all build vet test demo bench fuzz clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -o bin/gproot ./cmd/gproot
	CGO_ENABLED=0 $(GO) build -o bin/junest ./cmd/junest

vet:
	$(GO) vet ./...

test: vet
	$(GO) test -race -count=1 $(RACE_PKGS)
	@$(ROOTFS_SETUP); \
	echo "GPROOT_ROOTFS=$${GPROOT_ROOTFS:-(unset: the end-to-end tests skip)}"; \
	echo "$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./..."; \
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./...

# demo runs junest and gproot the way a user would: as uid 65534 when make
# runs as root (testdata/demo.sh).
demo: build
	@rootfs=$$(sh testdata/mkrootfs.sh) && debs=$$(sh testdata/mkdebs.sh) && \
	sh testdata/demo.sh "$(CURDIR)/bin" "$$rootfs" "$$debs"

bench: build
	@set -o pipefail; $(ROOTFS_SETUP); \
	$(GO) test -run '^$$' -bench . $(BENCHFLAGS) ./bench | tee bin/bench.txt; \
	if [ -d bench/cmd/table ]; then $(GO) run ./bench/cmd/table < bin/bench.txt; fi

fuzz:
	$(GO) test -run '^$$' -fuzz=FuzzResolve -fuzztime=$(FUZZTIME) ./pathfs

clean:
	rm -rf bin
