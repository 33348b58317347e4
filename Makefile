# Targets:
#   make test   install/build what the tests need (hack/setup.sh), then run every test
#   make lab    start the whole seeded lab in the foreground (ctrl+c stops it)
#   make build  build the console binary (./console)
#   make cross  build the console for darwin (a release target)
GO ?= go

.PHONY: test lab build setup cross

setup:
	hack/setup.sh

test: setup cross
	$(GO) test -timeout 60m -p 2 ./...

# cross builds the console for the release targets that differ from
# this machine (.goreleaser.yaml builds linux and darwin, amd64 and arm64).
cross:
	GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/console

lab: setup
	$(GO) run ./e2e/cmd/lab

build:
	$(GO) build ./...
	$(GO) build -o console ./cmd/console
