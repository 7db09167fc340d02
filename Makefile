# Two commands do everything: `make run` (the whole flow) and `make test` (all tests).
# Every target builds or installs what it needs first. The first run downloads the Go modules
# (Go module proxy), the first `make test` also the npm test driver and, as root, Debian
# packages; after that both work offline.
SHELL := /bin/bash
GO    ?= go
ROOT  := $(CURDIR)
BUILD := canister/build
TOOLS := $(ROOT)/canister/build/bin
WASM  := $(BUILD)/stripe_backend.wasm.gz
# LOCAL is the local network's state and logs (dfx's layout), at the repository root: `make
# run` and `make replica` share it, so a replica started either way sees the same canisters.
LOCAL ?= .dfx/local
FRONTEND ?= frontend
# Extra flags for localnet (`make run`) and the replica (`make replica`), e.g. other ports.
LOCALNET_FLAGS ?=
REPLICA_FLAGS ?=

# Debian packages the tests use: wasm-validate (wabt), a real Redis, nginx for the proxy
# benchmark baseline, Chromium for the browser tests, Node.js/npm for the test driver.
DEBS := wabt:wasm-validate redis-server:redis-server nginx:nginx chromium:chromium nodejs:node npm:npm

.PHONY: all canister examples system-canisters icwasm binaries test bench run replica replica-bin proxy deps gomod tools frontend-deps client-deps fmt vet clean

all: canister

## canister: build the IC module at canister/build/stripe_backend.wasm.gz
canister: icwasm
	@mkdir -p $(BUILD)
	@echo "==> compiling canister/cmd/stripe_backend (GOOS=wasip1)"
	cd canister && GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared \
		-o build/stripe_backend.go.wasm ./cmd/stripe_backend
	@echo "==> post-linking into an IC module"
	$(BUILD)/icwasm link -candid canister/stripe_backend.did \
		-o $(WASM) $(BUILD)/stripe_backend.go.wasm
	$(BUILD)/icwasm validate $(WASM)
	@ls -l $(WASM)

## examples: build the example canisters (canister/examples; the template for your own) at
## canister/build/<name>.wasm.gz
examples: icwasm
	@mkdir -p $(BUILD)
	@echo "==> compiling canister/examples/invoices (GOOS=wasip1)"
	cd canister && GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared \
		-o build/invoices.go.wasm ./examples/invoices
	$(BUILD)/icwasm link -candid canister/examples/invoices/invoices.did \
		-o $(BUILD)/invoices.wasm.gz $(BUILD)/invoices.go.wasm
	$(BUILD)/icwasm validate $(BUILD)/invoices.wasm.gz

## system-canisters: the local network's cycles ledger, CMC and ICP ledger (one Go program,
## linked once per canister with its Candid interface), which the replica installs at start
SYSTEM := $(BUILD)/system
system-canisters: icwasm
	@mkdir -p $(SYSTEM)
	@echo "==> compiling canister/cmd/system_canisters (GOOS=wasip1)"
	cd canister && GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared \
		-o build/system/system_canisters.go.wasm ./cmd/system_canisters
	for c in cycles_ledger cmc icp_ledger; do \
	  $(BUILD)/icwasm link -candid canister/cmd/system_canisters/$$c.did \
	    -o $(SYSTEM)/$$c.wasm.gz $(SYSTEM)/system_canisters.go.wasm || exit 1; \
	done

icwasm: gomod
	@mkdir -p $(BUILD)
	cd canister && $(GO) build -o build/icwasm ./cmd/icwasm

## deps: install the Debian packages the tests need (as root), or say what to install
deps:
	@missing=""; for d in $(DEBS); do command -v $${d#*:} >/dev/null || missing="$$missing $${d%%:*}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing tools:$$missing -- install them with: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi

## gomod: download the Go modules into the module cache (the one step of a Go build that
## needs the network; it does nothing when the cache already has them)
gomod:
	@# Per module (GOWORK=off): in workspace mode go mod download fetches every module of the
	@# graph, needed or not, and rewrites go.work.sum.
	@for m in canister proxy; do \
	  out=$$(cd $$m && GOWORK=off $(GO) mod download 2>&1) || { echo "$$out" | head -n 3 >&2; \
	  echo "make: downloading the Go modules of $$m/ failed. The first build fetches them from the Go" >&2; \
	  echo "  module proxy (GOPROXY=$$($(GO) env GOPROXY)) into the module cache ($$($(GO) env GOMODCACHE));" >&2; \
	  echo "  later builds need no network. Check the connection or point GOPROXY at a reachable proxy, then retry." >&2; \
	  exit 1; }; \
	done

## tools: Go-built test tools (stripe-mock, pinned as a tool dependency of proxy/go.mod)
tools: gomod
	@mkdir -p $(TOOLS)
	@echo "==> building stripe-mock"
	cd proxy && $(GO) build -o $(TOOLS)/stripe-mock github.com/stripe/stripe-mock

## test: every test (unit, fuzz corpus replay, wasm, replica, proxy, browser)
test: deps canister examples binaries tools vet frontend-deps client-deps
	@echo "==> go test (canister, proxy)"
	PATH="$(TOOLS):$$PATH" $(GO) test -count=1 -timeout 40m ./canister/... ./proxy/...
	@echo "==> browser tests (the page alone, then the whole stack, headless Chromium)"
	cd frontend && npm test && npm run test:flow

# npm-ci DIR WHAT: installs DIR's pinned npm packages (package-lock.json) unless what is
# installed already matches them: the first run, and again after the lock changes, needs the
# npm registry; later runs work offline. `npm ls` is the check (it reads no network).
define npm-ci
	@if ! (cd $(1) && npm ls --all >/dev/null 2>&1); then \
	  echo "==> npm ci in $(1) ($(2))"; \
	  (cd $(1) && npm ci --no-audit --no-fund) || { \
	    echo "make: npm ci failed in $(1). It installs $(2) from the npm registry" >&2; \
	    echo "  ($$(npm config get registry)) on the first run and after $(1)/package-lock.json changes;" >&2; \
	    echo "  later runs need no network. Check the connection or set npm_config_registry to a" >&2; \
	    echo "  reachable registry, then retry." >&2; \
	    exit 1; }; \
	fi
endef

## client-deps: DFINITY's own clients the e2e tests run unmodified (icp-cli, agent-js, ic-wasm),
## pinned in canister/e2e/clients/package.json
CLIENTS := canister/e2e/clients
client-deps:
	$(call npm-ci,$(CLIENTS),icp-cli and agent-js and ic-wasm for the client tests)

## frontend-deps: the browser tests' driver (playwright-core) and response verification,
## pinned in frontend/package.json
frontend-deps:
	$(call npm-ci,$(FRONTEND),the browser test driver and response verification)

vet:
	@echo "==> gofmt / go vet"
	@unformatted=$$(gofmt -l canister proxy); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted" >&2; exit 1; fi
	$(GO) vet ./canister/... ./proxy/...

## bench: the measured figures each issue names
bench: deps canister examples binaries tools frontend-deps
	set -o pipefail; PATH="$(TOOLS):$$PATH" $(GO) test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 40m ./canister/... ./proxy/... | tee $(BUILD)/bench.txt
	@echo "==> end-to-end payment in the browser (time from the redirect back to Paid)"
	set -o pipefail; cd frontend && npm run test:flow 2>&1 | grep -E "redirect back|^# (pass|fail)" | tee -a ../$(BUILD)/bench.txt

## replica: the local IC replica in the foreground, on `make run`'s state ($(LOCAL)/replica)
## (exec'd: make's child is the replica itself; unlike localnet it does not watch make, so
## a signal sent to make's process alone does not stop it - Ctrl-C in the terminal does)
replica: replica-bin
	exec $(TOOLS)/replica -state $(LOCAL)/replica $(REPLICA_FLAGS)

replica-bin: gomod system-canisters
	@mkdir -p $(TOOLS)
	cd canister && $(GO) build -o $(TOOLS)/replica ./cmd/replica

## proxy: the idempotent proxy in the foreground
proxy:
	cd proxy && $(GO) run ./cmd/idempotent-proxy

## binaries: the replica, proxy, sandbox and the local-network runner
binaries: gomod system-canisters
	@mkdir -p $(TOOLS)
	@echo "==> building replica, idempotent-proxy, stripe-sandbox, localnet"
	cd canister && $(GO) build -o $(TOOLS)/replica ./cmd/replica && $(GO) build -o $(TOOLS)/localnet ./cmd/localnet
	cd proxy && $(GO) build -o $(TOOLS)/idempotent-proxy ./cmd/idempotent-proxy && $(GO) build -o $(TOOLS)/stripe-sandbox ./cmd/stripe-sandbox

## run: the whole flow offline (replica, proxy, Stripe sandbox, canister, page). exec: make's
## child is localnet itself, which stops the stack when make is signalled or dies.
run: canister binaries
	exec $(TOOLS)/localnet -bin $(TOOLS) -module $(WASM) -state $(LOCAL) $(LOCALNET_FLAGS)

fmt:
	gofmt -w canister proxy

clean:
	rm -rf canister/build proxy/build
