# Targets:
#   make test           install/build what the tests need (hack/setup.sh), then run every test
#                       under the race detector (the lab kubelet's module too), then the
#                       fuzz targets (make fuzz)
#   make fuzz           run each fuzz target for FUZZTIME (20s) on top of its committed corpus
#   make lint           golangci-lint (.golangci.yml; built by hack/setup.sh from hack/tools/lint)
#   make check-release  build the console for every release target that differs from this machine
#   make lab            start the whole seeded lab in the foreground (ctrl+c stops it)
#   make build          build the console binary (./console)
#   make release-snapshot  build every release artefact in dist/ (goreleaser, snapshot)
#   make release-check     goreleaser check (.goreleaser.yaml)
#   make release-install-test  dpkg -i the snapshot's .deb, run it, remove it (root)
# CI (.ci/run) runs test, lint and check-release.
GO ?= go
# Not ?=: a LINT variable in the environment must not replace the pinned binary.
GOLANGCI_LINT = $(CURDIR)/.cache/bin/golangci-lint

.PHONY: test fuzz lint lab build setup check-release cross

setup:
	hack/setup.sh

test: setup
	$(GO) test -race -timeout 60m -p 2 ./...
	cd e2e/kubelet && $(GO) test -race -timeout 10m ./...
	$(MAKE) fuzz

# fuzz runs every fuzz target for a bounded time (one package per run, as
# go test -fuzz requires); the corpora are in each package's testdata/fuzz.
FUZZTIME ?= 20s
FUZZ_TARGETS = ./config:FuzzParse ./actions:FuzzParseAudit ./actions:FuzzRedact \
	./internal/sanitize:FuzzLine ./internal/sanitize:FuzzEncodeJSON ./traces:FuzzParse \
	./providers/schedule:FuzzParse
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

lint: setup
	$(GOLANGCI_LINT) run ./...

# check-release builds the console for the release targets that differ
# from this machine (.goreleaser.yaml builds linux and darwin, amd64 and
# arm64), so a target that stops compiling fails CI. It is not part of
# `make test`, so a newcomer's first test run compiles everything once.
check-release:
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/console

cross: check-release

lab: setup
	$(GO) run ./e2e/cmd/lab

build:
	$(GO) build ./...
	$(GO) build -o console ./cmd/console

# --- release (goreleaser, pinned in hack/tools/release; built on first use
# by hack/tools/release/goreleaser.sh, not by hack/setup.sh: it is heavy and
# the tests do not need it) ---------------------------------------------------
.PHONY: release-snapshot release-check release-install-test

release-check:
	hack/tools/release/goreleaser.sh check

release-snapshot:
	hack/tools/release/goreleaser.sh release --snapshot --clean

release-install-test:
	hack/tools/release/install-test.sh
