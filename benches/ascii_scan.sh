#!/usr/bin/env bash
# Benchmark of the ascii.system-paths walk against what a user would run instead and against
# the floor (benches/floor_walker.c: a single-threaded getdents64 walk that does nothing else).
#
#   benches/ascii_scan.sh            # /usr and /etc, then the synthetic million-entry tree
#   RUNS=20 benches/ascii_scan.sh    # more runs per command (default 10)
#   SKIP_SYNTHETIC=1 / SKIP_BUILD=1  # leave out the synthetic tree / the release build
#
# Timing: by default the commands of one table are interleaved (run 1 of each, then run 2 of
# each...), timed by python3 with wall time and the child's CPU time (user + system from wait4),
# so that a shared machine's changing load falls on all of them alike. HYPERFINE=1 uses hyperfine
# instead (apt-get install hyperfine), one command after the other. fd (apt-get install fd-find)
# is measured when installed. Every command runs once untimed first, so all see a warm cache.
# Figures are printed, never asserted: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
WORK=${BENCH_DIR:-/tmp/asr-ascii-bench}
mkdir -p "$WORK"

FLOOR="$WORK/floor_walker"
cc -O2 -o "$FLOOR" benches/floor_walker.c
if [ -z "${SKIP_BUILD:-}" ]; then
    cargo build --release --quiet
fi
BIN="${CARGO_TARGET_DIR:-target}/release/asr-preflight"
[ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 2; }
FD=$(command -v fdfind || command -v fd || true)
HF=$(command -v hyperfine || true)

# The commands of the current table: labels and shell-word command lines.
LABELS=()
CMDS=()
measure() { LABELS+=("$1"); CMDS+=("$2"); }

# run_table: times the queued commands and prints "label mean min cpu /floor" (the first is the floor).
run_table() {
    if [ -n "${HYPERFINE:-}" ] && [ -n "$HF" ]; then
        local i
        for i in "${!CMDS[@]}"; do
            "$HF" -N --warmup 1 --runs "$RUNS" --style none -i --export-json "$WORK/hf-$i.json" -- "${CMDS[$i]}" >/dev/null 2>&1
        done
    fi
    python3 - "$RUNS" "${HYPERFINE:+$HF}" "$WORK" "${#CMDS[@]}" "${LABELS[@]}" "${CMDS[@]}" <<'PY'
import json, os, shlex, subprocess, sys, time
runs, hf, work, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
labels, cmds = sys.argv[5:5 + n], sys.argv[5 + n:5 + 2 * n]
def once(cmd):
    t0 = time.perf_counter()
    p = subprocess.Popen(shlex.split(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime
stats = []
if hf:
    for i in range(n):
        r = json.load(open(os.path.join(work, "hf-%d.json" % i)))["results"][0]
        stats.append((r["mean"], r["min"], r["user"] + r["system"]))
else:
    for c in cmds:
        once(c)
    samples = [[] for _ in cmds]
    for _ in range(runs):
        for i, c in enumerate(cmds):
            samples[i].append(once(c))
    for s in samples:
        walls = [w for w, _ in s]
        stats.append((sum(walls) / len(walls), min(walls), sum(c for _, c in s) / len(s)))
floor = stats[0][0]
for label, (mean, mn, cpu) in zip(labels, stats):
    print("%-66s %8.3f %8.3f %8.3f %6.2fx" % (label, mean, mn, cpu, mean / floor))
PY
    LABELS=()
    CMDS=()
}

header() {
    echo
    echo "== $1 ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each, $([ -n "${HYPERFINE:-}" ] && [ -n "$HF" ] && echo 'hyperfine' || echo 'interleaved'))"
    printf '%-66s %8s %8s %8s %7s\n' "command" "mean s" "min s" "cpu s" "/floor"
}

# bench_dirs TITLE SHORT DIR...: SHORT names the directories in the labels.
bench_dirs() {
    local title="$1" short="$2"; shift 2
    local dirs="$*" scans=""
    for d in "$@"; do scans="$scans --scan $d"; done
    header "$title: $("$FLOOR" "$@")"
    measure "floor: getdents64 walker in C, 1 thread" "$FLOOR $dirs"
    measure "LC_ALL=C find $short -xdev -name '*[! -~]*'" "env LC_ALL=C find $dirs -xdev -name '*[! -~]*'"
    if [ -n "$FD" ]; then
        measure "fd -HI --one-file-system '[^\\x20-\\x7e]' $short" "$FD -HI --one-file-system '[^\\x20-\\x7e]' $dirs"
    fi
    measure "asr-preflight check --only ascii.system-paths, --scan each: $short" "$BIN check --only ascii.system-paths --format json$scans"
    measure "  the same, ASR_PREFLIGHT_SCAN_THREADS=1" "env ASR_PREFLIGHT_SCAN_THREADS=1 $BIN check --only ascii.system-paths --format json$scans"
    run_table
    if [ -x /usr/bin/time ]; then
        # Peak memory must not grow with the tree (GNU time's %M, in KiB).
        local rss_tool rss_floor rss_find
        rss_tool=$( { /usr/bin/time -f %M "$BIN" check --only ascii.system-paths --format json $scans >/dev/null || true; } 2>&1 | tail -1)
        rss_floor=$( { /usr/bin/time -f %M "$FLOOR" "$@" >/dev/null || true; } 2>&1 | tail -1)
        rss_find=$( { LC_ALL=C /usr/bin/time -f %M find "$@" -xdev -name '*[! -~]*' >/dev/null || true; } 2>&1 | tail -1)
        echo "peak RSS: asr-preflight ${rss_tool} KiB, floor ${rss_floor} KiB, find ${rss_find} KiB"
    fi
}

bench_dirs "this machine's /usr and /etc" "/usr /etc" /usr /etc

if [ -z "${SKIP_SYNTHETIC:-}" ]; then
    # 10 top directories x 100 x 10 directories x 100 files: 1,011,100 entries, a few of them
    # non-ASCII. Made once; kept for later runs.
    SYN="$WORK/synthetic"
    if [ ! -e "$SYN/.complete" ]; then
        echo "making the synthetic tree under $SYN (once, about a minute)..."
        rm -rf "$SYN"
        python3 - "$SYN" <<'PY'
import os, sys
base = sys.argv[1]
for t in range(10):
    for d in range(100):
        for e in range(10):
            p = os.path.join(base, "s%d" % t, "d%02d" % d, "e%d" % e)
            os.makedirs(p)
            for f in range(100):
                open(os.path.join(p, "file%03d" % f), "w").close()
    os.makedirs(os.path.join(base, "s%d" % t, "r\u00e9pertoire-%d" % t))
    open(os.path.join(base.encode(), b"s%d" % t, b"d00", b"latin\xe9"), "w").close()
open(os.path.join(base, ".complete"), "w").close()
PY
    fi
    bench_dirs "synthetic, 1 of 10 parts" "S/s0" "$SYN/s0"
    bench_dirs "synthetic, 5 of 10 parts" "S/s0..s4" "$SYN/s0" "$SYN/s1" "$SYN/s2" "$SYN/s3" "$SYN/s4"
    bench_dirs "synthetic, all (S=$SYN)" "S" "$SYN"
fi
