#!/usr/bin/env bash
# Real /etc/hosts files written by others (reference/test-data.md), downloaded at test time into a
# cache and never committed: the hosts fixtures of insights-core's parser tests (Apache-2.0, from
# PyPI) and of jc (MIT, Debian source package), with jc's own parse of them as JSON.
# Idempotent; prints the directory that holds the files. Used by tests/hosts_corpus.rs.
set -euo pipefail
CACHE="${ASR_TESTDATA:-/var/cache/asr-preflight-testdata}"
OUT="$CACHE/hosts-corpus"
if [ -f "$OUT/.complete" ]; then
    echo "$OUT"
    exit 0
fi
DL="$CACHE/downloads"
mkdir -p "$DL" "$OUT"
# One fetch at a time (test threads and binaries may ask together); re-check after waiting.
exec 9>"$CACHE/.hosts-corpus.lock"
flock 9
if [ -f "$OUT/.complete" ]; then
    echo "$OUT"
    exit 0
fi

# insights-core: module-level HOSTS_* strings of its hosts parser test.
INS=insights_core-3.8.4
if [ ! -f "$DL/$INS.tar.gz" ]; then
    python3 -m pip download -q --no-deps --no-binary :all: insights-core==3.8.4 -d "$DL" >&2
fi
tar -xzf "$DL/$INS.tar.gz" -C "$DL" "$INS/insights/tests/parsers/test_hosts.py"
python3 - "$DL/$INS/insights/tests/parsers/test_hosts.py" "$OUT" <<'PY'
import ast, sys, pathlib
src, out = sys.argv[1], pathlib.Path(sys.argv[2])
tree = ast.parse(open(src).read())
n = 0
for node in tree.body:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        name = node.targets[0].id
        if name.startswith("HOSTS"):
            # The values are string literals with .strip() and concatenation: evaluated with no builtins.
            value = eval(compile(ast.Expression(node.value), src, "eval"), {"__builtins__": {}})
            (out / f"insights-{name}.hosts").write_text(value)
            n += 1
if n == 0:
    sys.exit("no HOSTS_* strings found in " + src)
PY

# jc: hosts fixtures of CentOS 7.7 and Ubuntu 18.04 with jc's expected JSON.
D="$CACHE/aptsrc-hosts-corpus"
mkdir -p "$D/parts" "$D/lists/partial" "$D/cache/archives/partial"
sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$D/parts/src.sources"
A=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$D/parts" -o "Dir::State::Lists=$D/lists" -o "Dir::Cache=$D/cache")
if ! ls "$DL"/jc_*.orig.tar.gz >/dev/null 2>&1; then
    apt-get "${A[@]}" -o APT::Sandbox::User=root -qq update >&2
    (cd "$DL" && apt-get "${A[@]}" -o APT::Sandbox::User=root -qq source --download-only jc >&2)
fi
JC=$(ls "$DL"/jc_*.orig.tar.gz | head -n1)
tar -xzf "$JC" -C "$DL" --wildcards '*/tests/fixtures/*/hosts.out' '*/tests/fixtures/*/hosts.json'
found=0
for f in "$DL"/jc-*/tests/fixtures/*/hosts.out; do
    dist=$(basename "$(dirname "$f")")
    cp "$f" "$OUT/jc-$dist.hosts"
    cp "${f%.out}.json" "$OUT/jc-$dist.json"
    found=1
done
[ "$found" = 1 ] || { echo "no hosts fixtures in $JC" >&2; exit 1; }
touch "$OUT/.complete"
echo "$OUT"
