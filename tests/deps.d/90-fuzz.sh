# cargo-fuzz for the fuzz smoke run of `make test` (the nightly toolchain is on the machine).
if ! command -v cargo-fuzz >/dev/null 2>&1 && ! [ -x "$HOME/.cargo/bin/cargo-fuzz" ]; then
    echo "install-deps: cargo install cargo-fuzz"
    cargo install -q --locked cargo-fuzz
fi
