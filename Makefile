# Every command carries the sqlite_fts5 build tag: go-sqlite3 compiles SQLite's FTS5
# module only with it, and the search index needs FTS5.
TAGS    := sqlite_fts5
GO      ?= go
DB      ?= paperboy.db
PKGS    ?= ./...

.PHONY: run build test vet fuzz bench tidy

run:   ## run the bot on the embedded defaults (SQLite file, terminal chat)
	$(GO) run -tags $(TAGS) ./cmd/paperboy run --db $(DB)

build:
	$(GO) build -tags $(TAGS) -o bin/paperboy ./cmd/paperboy

test:  ## unit, integration and end-to-end tests, fuzz seeds included (offline)
	$(GO) test -tags $(TAGS) -count=1 $(PKGS)

vet:
	$(GO) vet -tags $(TAGS) $(PKGS)

FUZZTIME ?= 20s
fuzz:  ## run every fuzz target for FUZZTIME each
	@for pkg in $$($(GO) list -tags $(TAGS) ./...); do \
	  for f in $$($(GO) test -tags $(TAGS) -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -tags $(TAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s $$pkg || exit 1; \
	  done; \
	done

BENCH ?= .
bench: ## benchmarks (see BENCHMARKS.md for the recorded figures)
	$(GO) test -tags $(TAGS) -run '^$$' -bench '$(BENCH)' -benchmem $(PKGS)
