# One command to run the server, one to run every test (see README.md).
SWIFT ?= swift
APT_PACKAGES := libmicrohttpd-dev libjansson-dev libjemalloc-dev pkg-config

.PHONY: deps build release run test bench-http fuzz-http lint-docker clean

# Installs the C libraries when missing (Debian/Ubuntu; needs root or sudo).
deps:
	@if ! pkg-config --exists libmicrohttpd jansson jemalloc 2>/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends $(APT_PACKAGES); \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product heliosd

# Serves on 127.0.0.1:8080 (pass flags with ARGS="--port 9000").
run: release
	.build/release/heliosd serve $(ARGS)

# Unit tests, then integration tests that start the real binary over HTTP.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench-http: deps
	Benchmarks/http/run.sh

lint-docker:
	hadolint Docker/Dockerfile

clean:
	rm -rf .build
