# Insights — make targets for people and CI alike.
GO        ?= go
BIN       := bin/insights
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)
ECHARTS   := static/vendor/echarts.min.js

.PHONY: all generate assets build run demo test test-go test-browser bench bench-scale bench-forecast bench-webhooks bench-hostile lint test-race fmt clean

all: build

## generate: regenerate templ components (the generated *_templ.go files are committed)
generate:
	$(GO) tool templ generate

## assets: copy echarts from the pinned npm package into static/vendor (served from our own origin)
assets: $(ECHARTS)

$(ECHARTS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor
	cp web/node_modules/echarts/dist/echarts.min.js $(ECHARTS)

## build: the insights binary
build: assets
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/insights

## run: the dashboard on 127.0.0.1:8080 with an SQLite file under data/ (demo data unless credentials are configured)
run: build
	./$(BIN) serve

## test: every test (PostgreSQL ones too when INSIGHTS_TEST_POSTGRES is set; browser tests need chromium)
test: assets
	$(GO) vet ./...
	@[ -n "$$INSIGHTS_TEST_POSTGRES" ] || echo "make test: INSIGHTS_TEST_POSTGRES is not set: the PostgreSQL runs of the database tests are skipped (SQLite only)"
	@command -v "$${INSIGHTS_CHROMIUM:-chromium}" >/dev/null 2>&1 || echo "make test: chromium not found: the browser and PDF tests are skipped (apt-get install -y chromium poppler-utils)"
	$(GO) test -count=1 -timeout 15m ./...

## bench: the Go benchmarks recorded in BENCHMARKS.md
bench: assets
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 10x ./internal/...

## bench-scale: pages on 10,000 channels × 1 year (opt-in: seeding takes minutes per database,
## the SQLite file is cached in the temp directory; PostgreSQL too when INSIGHTS_TEST_POSTGRES is set)
bench-scale: assets
	INSIGHTS_BENCH_10K=1 $(GO) test -run '^$$' -bench '^BenchmarkScale10k$$' -benchtime 20x -timeout 3h ./internal/server/

## bench-forecast: month-end forecast backtest on simulator data (MAPE on day 7, 14, 21 vs the naive baseline),
## figures written to /tmp/forecast-backtest.txt for BENCHMARKS.md
bench-forecast:
	$(GO) test -count=1 -run '^TestBacktest$$' ./internal/forecast
	@cat /tmp/forecast-backtest.txt

## bench-webhooks: webhook receiver under load over loopback with SQLite: events/s, p50/p99, ratio to a no-op handler,
## exactly-once check, SIGKILL/restart check (1 and 10 events per delivery; report in $(BENCH_WEBHOOKS_OUT))
BENCH_WEBHOOKS_OUT ?= /tmp/bench-webhooks.txt
bench-webhooks:
	rm -f $(BENCH_WEBHOOKS_OUT)
	$(GO) build -o bin/webhookload ./cmd/webhookload
	./bin/webhookload -duration 10s -concurrency 64 -events 1 -out $(BENCH_WEBHOOKS_OUT)
	./bin/webhookload -duration 10s -concurrency 64 -events 10 -out $(BENCH_WEBHOOKS_OUT)

## bench-hostile: the worst requests a share-link holder can build, against a real server (CPU-seconds, peak RSS)
bench-hostile: build
	.ci/bench-hostile $(BIN)

## lint: fails on unformatted Go files, go vet or staticcheck findings
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## test-race: the packages with concurrency (store, poller, the server's webhook receiver) under the race detector
test-race: assets
	$(GO) test -count=1 -race -timeout 15m ./internal/store/ ./internal/poller/
	$(GO) test -count=1 -race -timeout 15m -run 'Webhook' ./internal/server/

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin static/vendor/*.js web/node_modules
