# gproot: see README.md.
#
#   make build   static bin/gproot
#   make test    go vet, -race on the packages without ptrace, then every test
#                (builds the Debian test rootfs first when root)
#   make demo    a few commands in the Debian rootfs under gproot
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
RACE_PKGS ?= ./fakeid ./pathfs ./syscalls ./arch ./bench/cmd/table

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

vet:
	$(GO) vet ./...

test: vet
	$(GO) test -race -count=1 $(RACE_PKGS)
	@$(ROOTFS_SETUP); \
	echo "GPROOT_ROOTFS=$${GPROOT_ROOTFS:-(unset: the end-to-end tests skip)}"; \
	echo "$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./..."; \
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) ./...

# demo runs gproot the way a user would: as uid 65534 when make runs as root.
demo: build
	@set -u; \
	rootfs=$$(sh testdata/mkrootfs.sh) || exit 1; \
	bin=$(CURDIR)/bin/gproot; as=; who="$$(id -un)"; \
	if [ "$$(id -u)" = 0 ]; then \
		as="setpriv --reuid=65534 --regid=65534 --clear-groups"; who="uid 65534 (via setpriv)"; \
		if ! $$as test -x "$$bin"; then \
			tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; chmod 755 "$$tmp"; \
			cp "$$bin" "$$tmp/"; bin=$$tmp/gproot; \
		fi; \
	fi; \
	echo "== gproot demo: rootfs $$rootfs, running as $$who"; \
	fail=0; \
	run() { \
		printf '\n$$ bin/gproot -R %s' "$$rootfs"; \
		for a in "$$@"; do case $$a in *[!A-Za-z0-9_./=-]*) printf " '%s'" "$$a";; *) printf ' %s' "$$a";; esac; done; \
		echo; \
		$$as "$$bin" -R "$$rootfs" "$$@" || { echo "(exit status $$?)"; fail=1; }; \
	}; \
	run cat /etc/debian_version; \
	run sh -c 'id; uname -a; ls /'; \
	run apt-cache policy bash; \
	run -0 -k 3.10 sh -c 'id; uname -r'; \
	exit $$fail

bench: build
	@set -o pipefail; $(ROOTFS_SETUP); \
	$(GO) test -run '^$$' -bench . $(BENCHFLAGS) ./bench | tee bin/bench.txt; \
	if [ -d bench/cmd/table ]; then $(GO) run ./bench/cmd/table < bin/bench.txt; fi

fuzz:
	$(GO) test -run '^$$' -fuzz=FuzzResolve -fuzztime=$(FUZZTIME) ./pathfs

clean:
	rm -rf bin
