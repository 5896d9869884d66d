# Kinetic — build, run and test. `make run` and `make test` do all set-up on
# a fresh Debian machine (as root they install system packages themselves).
SHELL := /bin/bash
GO ?= go
# Builds never rewrite go.mod or go.sum (the go command's default,
# -mod=readonly): a dependency added without `go get` fails the build, and
# `make modcheck` fails when go.mod/go.sum are not exactly what `go mod tidy`
# would write. A -mod setting in the caller's GOFLAGS is overridden.
export GOFLAGS := $(strip $(filter-out -mod=%,$(GOFLAGS)) -mod=readonly)
CACHE ?= $(or $(KINETIC_CACHE),$(HOME)/.cache/kinetic)
STATICCHECK_VERSION := v0.7.0
STATICCHECK := $(CACHE)/tools/staticcheck-$(STATICCHECK_VERSION)
BIN := bin/kinetic
# LocalNet's directory is fixed here so the keyring wrapper (which changes
# XDG_DATA_HOME) and every test package agree on it.
export KINETIC_LOCALNET_DIR ?= $(or $(XDG_DATA_HOME),$(HOME)/.local/share)/kinetic/localnet
FUZZTIME ?= 15s
# A fuzz target that runs fewer executions than this in $(FUZZTIME) fails
# the build: it stalled. A target may set its own floor as PKG:Target:MIN.
FUZZ_MIN_EXECS ?= 2000
# Every fuzz target `make test` runs, as PKG:Target[:MIN]; append yours.
FUZZ_TARGETS := ./proof/:FuzzDecodeVerify
FUZZ_TARGETS += ./wallet/:FuzzKeystoreDecrypt
FUZZ_TARGETS += ./compute/:FuzzParseSpec
FUZZ_TARGETS += ./compute/:FuzzValidateInputArchive
FUZZ_TARGETS += ./contracts/:FuzzDecodeProvider
FUZZ_TARGETS += ./contracts/:FuzzDecodeReputation
FUZZ_TARGETS += ./contracts/:FuzzDecodeJob
FUZZ_TARGETS += ./market/x402/:FuzzDecodePaymentPayload

.PHONY: run test build modcheck windows deps docker localnet localnet-down lint vet staticcheck unit fuzz bench clean

## run: install packages (root), build, bring LocalNet up, open the app
run: deps build docker
	$(BIN) localnet up
	$(BIN)

## test: every real component started, then vet, staticcheck, race tests, fuzz
test: deps build modcheck windows docker localnet lint unit fuzz

build:
	$(GO) build -o $(BIN) .

## modcheck: go.mod and go.sum are tidy and complete (run after the build)
modcheck: build
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result" >&2; exit 1; }

## windows: every package builds for windows/amd64 (the app with cgo, mingw-w64)
windows: deps
	GO=$(GO) bash scripts/cross-windows.sh

deps:
	@bash scripts/deps.sh

docker:
	@bash scripts/dockerd.sh --test-image

localnet: build
	$(BIN) localnet up

localnet-down: build
	$(BIN) localnet down

lint: vet staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

$(STATICCHECK):
	@mkdir -p $(dir $@)
	GOBIN=$(CACHE)/tools/tmp $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(CACHE)/tools/tmp/staticcheck $@

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

unit:
	@# -p 1: packages share one LocalNet (DevMode block time is global) and
	@# one Docker engine (start-up sweeps remove expired job containers), so
	@# they run one package at a time; on 2 cores this costs about a minute.
	bash scripts/with-keyring.sh $(GO) test -race -p 1 -count=1 -timeout 40m ./...

## fuzz: each of $(FUZZ_TARGETS) for $(FUZZTIME), with a floor of executions
fuzz:
	GO=$(GO) bash scripts/fuzz.sh $(FUZZTIME) $(FUZZ_MIN_EXECS) $(FUZZ_TARGETS)

## bench: performance benchmarks (real LocalNet and Docker where they need them)
bench: deps build docker localnet
	bash scripts/with-keyring.sh $(GO) test -run='^$$' -bench=. -benchmem -count=1 -timeout 20m ./...
	GO=$(GO) bash scripts/startup-bench.sh

clean:
	rm -rf bin
