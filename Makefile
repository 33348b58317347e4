# Targets:
#   make test           install/build what the tests need (hack/setup.sh), then run every test
#                       under the race detector (the lab kubelet's module too), then the
#                       fuzz targets (make fuzz)
#   make fuzz           run each fuzz target for a fixed number of executions (FUZZTIME=30s overrides)
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

# fuzz runs every fuzz target on top of its committed corpus (one
# package per run, as go test -fuzz requires); the corpora are in each
# package's testdata/fuzz. Each target's budget is a number of
# executions, sized to about ten seconds here, not a duration: with a
# duration, go test can fail with a bare "context deadline exceeded"
# when the deadline falls while a worker is still running or minimising
# an input (golang/go#75804, fixed in go1.27), which is what a loaded CI
# machine hit on FuzzRedact. Minimisation is bounded by count too.
# FUZZTIME=30s (or 1000000x) runs every target for that instead.
FUZZTIME ?=
FUZZ_TARGETS = ./config:FuzzParse:100000 ./actions:FuzzParseAudit:200000 \
	./actions:FuzzRedact:15000 ./internal/sanitize:FuzzLine:200000 \
	./internal/sanitize:FuzzEncodeJSON:150000 ./traces:FuzzParse:200000 \
	./providers/schedule:FuzzParse:200000
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; rest=$${t#*:}; name=$${rest%%:*}; budget=$${rest#*:}x; \
		if [ -n "$(FUZZTIME)" ]; then budget=$(FUZZTIME); fi; \
		echo "fuzz $$name in $$pkg for $$budget"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $$budget -fuzzminimizetime 500x "$$pkg"; \
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
