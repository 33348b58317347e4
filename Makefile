# Targets:
#   make test           install/build what the tests need (hack/setup.sh), then run every test
#   make lint           golangci-lint (.golangci.yml; built by hack/setup.sh from hack/tools/lint)
#   make check-release  build the console for every release target that differs from this machine
#   make lab            start the whole seeded lab in the foreground (ctrl+c stops it)
#   make build          build the console binary (./console)
# CI (.ci/run) runs test, lint and check-release.
GO ?= go
LINT ?= .cache/bin/golangci-lint

.PHONY: test lint lab build setup check-release cross

setup:
	hack/setup.sh

test: setup
	$(GO) test -timeout 60m -p 2 ./...

lint: setup
	$(LINT) run ./...

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
