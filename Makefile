# Targets:
#   make test   install/build what the tests need (hack/setup.sh), then run every test
#   make lab    start the whole seeded lab in the foreground (ctrl+c stops it)
#   make build  build the console binary (./console)
GO ?= go

.PHONY: test lab build setup

setup:
	hack/setup.sh

test: setup
	$(GO) test -timeout 60m -p 2 ./...

lab: setup
	$(GO) run ./e2e/cmd/lab

build:
	$(GO) build ./...
	$(GO) build -o console ./cmd/console
