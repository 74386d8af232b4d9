#!/usr/bin/env bash
# Installs what the test suite needs on a fresh machine of this kind (Debian, root): every
# tests/deps.d/*.sh in order. Each piece installs only what is missing, so a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# apt_need PKG...: install the Debian packages not yet installed (one `apt-get update` per run).
apt_updated=""
apt_need() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ -z "$apt_updated" ]; then
        apt-get update -qq
        apt_updated=1
    fi
    echo "install-deps: apt-get install ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# pip_need MODULE SPEC: pip-install SPEC when python3 cannot import MODULE.
pip_need() {
    python3 -c "import $1" 2>/dev/null && return 0
    echo "install-deps: pip install $2"
    python3 -m pip install -q "$2"
}

for f in tests/deps.d/*.sh; do
    # shellcheck source=/dev/null
    . "$f"
done
echo "install-deps: done"
