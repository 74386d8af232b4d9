# `make test` is the whole test suite on a fresh machine: install what the tests need, then test.
.PHONY: test build static fuzz package

# One clean build: incremental state would only double the target directory's size.
test: export CARGO_INCREMENTAL = 0
test:
	tests/install-deps.sh
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo test --all-targets
	fuzz/run.sh smoke

build:
	cargo build --release

static:
	dist/build-static.sh

# The release assets (install.sh, the static binary, SHA256SUMS, man page, completions).
package:
	dist/package.sh target/release-assets
