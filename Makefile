# `make test` is the whole test suite on a fresh machine: install what the tests need, then test.
.PHONY: test build static fuzz

test:
	tests/install-deps.sh
	cargo test --all-targets
	fuzz/run.sh smoke

build:
	cargo build --release

static:
	dist/build-static.sh
