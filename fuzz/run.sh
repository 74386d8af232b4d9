#!/usr/bin/env bash
# Runs fuzz targets with libFuzzer through cargo-fuzz (nightly toolchain).
#   fuzz/run.sh smoke            every target briefly (CI: keeps them building and running)
#   fuzz/run.sh TARGET SECONDS   one target for SECONDS, corpus kept in fuzz/corpus/TARGET
# Seeds come from fuzz/seeds/TARGET, keywords from fuzz/dicts/TARGET.dict when there is one;
# fuzz/curve.sh LOG shows how coverage grew over a run. Crashes land in fuzz/artifacts/TARGET and become
# regression fixtures under fuzz/regressions/ before they are fixed.
set -euo pipefail
cd "$(dirname "$0")"
targets() { sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^asr-preflight-fuzz$'; }
run_one() {
    local target=$1; shift
    mkdir -p "corpus/$target"
    local seeds=()
    [ -d "seeds/$target" ] && seeds+=("seeds/$target")
    [ -d "regressions/$target" ] && seeds+=("regressions/$target")
    # The formats' keywords, so mutations reach the grammar sooner.
    local dict=()
    [ -f "dicts/$target.dict" ] && dict+=("-dict=dicts/$target.dict")
    cargo +nightly fuzz run -O "$target" "corpus/$target" "${seeds[@]}" -- "${dict[@]}" "$@"
}
if [ "${1:-}" = smoke ]; then
    cargo +nightly fuzz build -O
    for t in $(targets); do
        echo "fuzz smoke: $t"
        run_one "$t" -runs=20000 -max_total_time=20 2>&1 | tail -n 2
    done
else
    t=${1:?target}; secs=${2:-300}
    run_one "$t" -max_total_time="$secs" -print_final_stats=1
fi
