# faultline: every target a newcomer or CI needs. Go 1.26 or newer.
GO ?= go
BIN := bin
# Seeds the gate sweeps per scenario; sized so that make check stays under
# ten minutes and CI (.ci/run: make test, make check, make mutants-quick)
# well under twenty on two cores: after issue 21's speed-up 20 scenarios x
# 200 seeds took 4m15s of make check's 6m33s here (2026-12-03), so the
# gate went back to 300 seeds (seeds 201-300: 2,000 runs in 2m14s).
CHECK_SEEDS ?= 1-300

# The mutation suite (mutants/): MUTANTS picks a comma-separated subset,
# MUTANT_SEEDS the seeds swept over every scenario per mutant.
MUTANTS ?=
MUTANT_SEEDS ?= 1-10
# CI's quick subset: mutants of different classes that the sweep catches
# on many seeds, swept over a few; one no longer caught fails CI.
MUTANTS_QUICK := commit-without-quorum,limit-ignores-pending-debits,post-after-void,chain-saves-accounts-after-change
MUTANTS_QUICK_SEEDS := 1-3

# Seeds `make coverage` sweeps every scenario over.
COVER_SEEDS ?= 1-20

# The peer benchmark (peerbench/README.md): runs of each implementation,
# interleaved, and the time each run lasts.
PEER_COUNT ?= 5
PEER_BENCHTIME ?= 1s

.PHONY: build test check bench bench-peer demo fmt vet clean mutants mutants-quick coverage lint-examples

build:
	$(GO) build -o $(BIN)/ ./cmd/...

test:
	$(GO) test ./...

# The gate: static checks, the tests with the race detector, and a seed
# sweep of every scenario. Exits non-zero on any violation.
check: vet fmt
	$(GO) test -race -short -count=1 ./...
	$(GO) build -o $(BIN)/ ./cmd/...
	rm -rf $(BIN)/check # a sweep refuses a non-empty --out: start afresh
	./$(BIN)/faultline sweep --scenario all --seeds $(CHECK_SEEDS) --out $(BIN)/check

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# The same replication workload on our ledger/replica and on etcd's raft at
# v3.7.0 and v3.6.0, each a module of its own under peerbench/ (so that the
# main module and CI never depend on etcd), run in turn PEER_COUNT times so
# that a noisy machine slows all three alike; prints the medians per
# committed entry. GOMAXPROCS=1 counts the garbage collector's work in ns/op.
bench-peer:
	mkdir -p $(BIN)/peerbench && rm -f $(BIN)/peerbench/raw.txt
	for i in $$(seq $(PEER_COUNT)); do \
		for m in ours etcd37 etcd36; do \
			dir=peerbench/$$m pkg=.; [ $$m = ours ] && dir=peerbench pkg=./ours; \
			(cd $$dir && GOMAXPROCS=1 $(GO) test -run='^$$' -bench=Replicate -benchmem \
				-benchtime=$(PEER_BENCHTIME) -count=1 $$pkg) >> $(BIN)/peerbench/raw.txt || exit 1; \
		done; \
	done
	cd peerbench && $(GO) run ./cmd/peertable ../$(BIN)/peerbench/raw.txt

demo:
	$(GO) run ./cmd/faultline run

vet:
	$(GO) vet ./...

# The ready-made CI setups lint clean: the Actions workflow with actionlint
# (which runs shellcheck on its scripts when shellcheck is installed) and the
# shell scripts with shellcheck. actionlint is pinned; shellcheck is Debian's.
ACTIONLINT := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
lint-examples:
	@command -v shellcheck >/dev/null || { echo "lint-examples: shellcheck is not installed (apt-get install shellcheck)"; exit 1; }
	$(GO) run $(ACTIONLINT) examples/github-actions/*.yml
	shellcheck .ci/run examples/kubernetes/run.sh

fmt:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

mutants:
	$(GO) run ./cmd/mutants run --seeds $(MUTANT_SEEDS) $(if $(MUTANTS),--only $(MUTANTS))

# Every mutant still applies and builds; the quick subset is still caught.
mutants-quick:
	$(GO) run ./cmd/mutants check
	$(GO) run ./cmd/mutants run --only $(MUTANTS_QUICK) --seeds $(MUTANTS_QUICK_SEEDS) \
		--unit-tests=false --require-caught --out $(BIN)/mutants-quick

# Coverage of the production code reached by simulation alone: a faultline
# built with -cover sweeps the catalog, and simcover prints the statement
# coverage of ledger/ and ledger/replica/ with the blocks no run reached.
coverage:
	rm -rf $(BIN)/coverage && mkdir -p $(BIN)/coverage/raw
	# The main package must be instrumented too: without it go1.26 writes no
	# coverage data at all.
	$(GO) build -cover -coverpkg=./cmd/faultline,./ledger,./ledger/replica -o $(BIN)/coverage/faultline ./cmd/faultline
	GOCOVERDIR=$(BIN)/coverage/raw ./$(BIN)/coverage/faultline sweep --scenario all --seeds $(COVER_SEEDS) \
		--out $(BIN)/coverage/sweep > /dev/null
	$(GO) tool covdata textfmt -i $(BIN)/coverage/raw -o $(BIN)/coverage/profile.txt
	$(GO) run ./cmd/simcover -profile $(BIN)/coverage/profile.txt -pkg ./ledger,./ledger/replica

clean:
	rm -rf $(BIN)
