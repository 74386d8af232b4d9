#!/usr/bin/env bash
# Prints the size of the static binary and what takes the space, per crate: builds an unstripped
# copy with `dist/build-static.sh --keep-symbols` and sums the sizes nm reports per crate (the
# first path segment of each demangled Rust symbol; ring's C and assembly is one group, the zstd C
# library another, the other C symbols (musl, libunwind) a third). cargo-bloat (`cargo install cargo-bloat`) gives a similar table of .text only.
set -euo pipefail
cd "$(dirname "$0")/.."
stripped=$(dist/build-static.sh | tail -n 1)
symbols=$(dist/build-static.sh --keep-symbols | tail -n 1)
bytes=$(stat -c %s "$stripped")
echo "stripped static binary: $stripped"
echo "  $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.2f MiB", b / 1048576 }'))"
for s in .text .rodata .eh_frame .data.rel.ro; do
    hex=$(readelf -S -W "$stripped" | sed 's/^ *\[ *[0-9]*\] *//' | awk -v s="$s" '$1 == s { print $5 }')
    echo "  section $s: $((16#${hex:-0})) bytes"
done
echo
echo "biggest contributors (code and data symbols of the unstripped build):"
nm --size-sort -S -C -t d "$symbols" | awk '
    $3 ~ /^[tTrRdDbB]$/ {
        size = $2 + 0
        name = $0
        sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
        if (name ~ /ring_core_|nistz256|^GFp_/) {
            crate = "ring (C and assembly)"
        } else if (name ~ /^(ZSTD|HUF_|FSE_|HIST_)/) {
            crate = "[C: zstd]"
        } else if (name !~ /::/) {
            crate = "[C: musl, libunwind]"
        } else {
            # <regex_automata::X as core::fmt::Debug>::fmt and <&mut serde_json::Y as ...>
            # count for the crate of the type.
            gsub(/^([<&*_ ]|mut |dyn |const )+/, "", name)
            crate = match(name, /^[A-Za-z_][A-Za-z0-9_]*/) ? substr(name, 1, RLENGTH) : "[other]"
        }
        total[crate] += size
        all += size
    }
    END {
        for (c in total) printf "%10d  %5.1f%%  %s\n", total[c], 100 * total[c] / all, c
    }' | sort -rn | head -n 20
