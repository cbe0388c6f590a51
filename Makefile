# isoaudit — build, run and test.
#
#   make run     build, start the local Docker daemon if needed, audit this host
#   make test    install/start the daemons the live tests use, then run every test
#   make unit    tests without touching daemons (live tests skip)
#   make bench   Go benchmarks of the engine (see bench/ for end-to-end scripts)
#   make fuzz    run every fuzz target for FUZZTIME seconds (default 10)

GO       ?= go
BIN      := bin/isoaudit
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/isoaudit/isoaudit/internal/version.Version=$(VERSION)
export CGO_ENABLED ?= 0
# Trivy (pkg/imagescan, the only package importing it) needs encoding/json/v2.
# Without this experiment pkg/imagescan builds a stand-in that reports every
# image as not scanned, so plain `go build ./...` still works.
export GOEXPERIMENT ?= jsonv2

.PHONY: build run test unit vet bench fuzz live-env clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/isoaudit

live-env:
	bash scripts/live-env.sh

run: build live-env
	./$(BIN) scan --all

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

test: live-env vet
	$(GO) test -count=1 ./...

unit: vet
	$(GO) test -count=1 ./...

fuzz:
	bash scripts/fuzz.sh $(or $(FUZZTIME),10)

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./checks/ ./pkg/engine/
	$(GO) test -run '^$$' -bench LiveScan100 -benchtime 3x ./pkg/imagescan/

clean:
	rm -rf bin
