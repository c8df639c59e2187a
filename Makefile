# faultline: every target a newcomer or CI needs. Go 1.26 or newer.
GO ?= go
BIN := bin
# Seeds the gate sweeps per scenario; sized so `make check` stays well
# under ten minutes on two cores.
CHECK_SEEDS ?= 1-200

.PHONY: build test check bench demo fmt vet clean

build:
	$(GO) build -o $(BIN)/ ./cmd/...

test:
	$(GO) test ./...

# The gate: static checks, the tests with the race detector, and a seed
# sweep of every scenario. Exits non-zero on any violation.
check: vet fmt
	$(GO) test -race -count=1 ./...
	./scripts/sweep-selfcheck.sh $(CHECK_SEEDS)

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

demo:
	$(GO) run ./cmd/faultline run

vet:
	$(GO) vet ./...

fmt:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

clean:
	rm -rf $(BIN)
