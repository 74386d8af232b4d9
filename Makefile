# `make test` is the whole test suite on a fresh machine: install what the tests need, then test.
.PHONY: test build static

test:
	tests/install-deps.sh
	cargo test --all-targets

build:
	cargo build --release

static:
	dist/build-static.sh
