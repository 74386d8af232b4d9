#!/bin/sh
# asr-preflight installer: downloads the static x86_64 binary, verifies its SHA-256 against the
# release's SHA256SUMS, and installs it atomically, or (--run) runs it once without installing.
#
#   curl -fsSL URL/install.sh | sh                          install to /usr/local/bin
#   curl -fsSL URL/install.sh | sh -s -- --run [OPTIONS]    run once: download, verify, run the
#                                                           check with OPTIONS, print the report,
#                                                           remove the binary, exit with its code
#   wget -qO- URL/install.sh | sh                           where there is no curl
#
# Settings (environment):
#   ASR_PREFLIGHT_URL      where the release assets are (the directory holding install.sh,
#                          asr-preflight-linux-x86_64 and SHA256SUMS); "{version}" in it is
#                          replaced by ASR_PREFLIGHT_VERSION
#   ASR_PREFLIGHT_DIR      where to install (default /usr/local/bin)
#   ASR_PREFLIGHT_VERSION  the version wanted (e.g. 0.1.0); the binary must report it, or
#                          nothing is installed (default: whatever ASR_PREFLIGHT_URL holds)
#
# Exit codes: 0 installed; 2 nothing installed (download failed, checksum mismatch, wrong
# machine...). With --run: the tool's own code (0 ready, 1 not ready, 2 could not run).
#
# Written for every guest's shell: POSIX sh (dash, busybox sh, bash 3.2 and later), curl 7.19
# (only -f -s -S -L -o) or wget, sha256sum or openssl. The whole script is one function called on
# the very last line, inside braces so that even a cut inside that line is a syntax error: a
# download cut short runs nothing at all.

asr_preflight_installer() {
    asr_url=${ASR_PREFLIGHT_URL:-}
    asr_dir=${ASR_PREFLIGHT_DIR:-/usr/local/bin}
    asr_version=${ASR_PREFLIGHT_VERSION:-}
    # dist/package.sh writes the release's own location here.
    asr_default_url=""
    asr_asset=asr-preflight-linux-x86_64
    asr_run=""
    asr_tmp=""
    asr_part=""

    asr_say() {
        echo "asr-preflight installer: $*" >&2
    }
    asr_cleanup() {
        if [ -n "$asr_tmp" ]; then
            rm -rf "$asr_tmp"
            asr_tmp=""
        fi
        if [ -n "$asr_part" ]; then
            rm -f "$asr_part"
            asr_part=""
        fi
        trap - INT TERM HUP
    }
    # Cleans up and gives up; nothing is installed at this point.
    asr_die() {
        asr_say "$*"
        asr_say "nothing was installed"
        asr_cleanup
        return 2
    }
    asr_usage() {
        cat <<'EOF'
Usage: sh install.sh [--run [ASR-PREFLIGHT OPTIONS]]
  (no option)  install asr-preflight into $ASR_PREFLIGHT_DIR (default /usr/local/bin)
  --run        download to a temporary directory, run it once with the options that follow,
               print the report, remove it, and exit with its exit code
Environment: ASR_PREFLIGHT_URL, ASR_PREFLIGHT_DIR, ASR_PREFLIGHT_VERSION
EOF
    }
    # asr_fetch URL FILE: download with curl (options of curl 7.19 only) or wget.
    asr_fetch() {
        if command -v curl >/dev/null 2>&1; then
            curl -f -s -S -L -o "$2" "$1" </dev/null
        elif command -v wget >/dev/null 2>&1; then
            wget -q -O "$2" "$1" </dev/null
        else
            asr_say "neither curl nor wget is installed"
            return 1
        fi
    }
    # asr_sha256 FILE: prints the file's SHA-256 in lower-case hex.
    asr_sha256() {
        if command -v sha256sum >/dev/null 2>&1; then
            sha256sum "$1" | awk '{ print $1 }'
        elif command -v openssl >/dev/null 2>&1; then
            openssl dgst -sha256 "$1" | awk '{ print $NF }'
        elif command -v shasum >/dev/null 2>&1; then
            shasum -a 256 "$1" | awk '{ print $1 }'
        else
            return 1
        fi
    }

    case "${1:-}" in
    --run)
        asr_run=1
        shift
        ;;
    -h | --help)
        asr_usage
        return 0
        ;;
    "") ;;
    *)
        asr_say "unknown option '$1'"
        asr_usage >&2
        return 2
        ;;
    esac

    asr_version=${asr_version#v}
    [ -n "$asr_url" ] || asr_url=$asr_default_url
    if [ -z "$asr_url" ]; then
        asr_die "set ASR_PREFLIGHT_URL to where the release assets are"
        return 2
    fi
    case "$asr_url" in
    *"{version}"*)
        if [ -z "$asr_version" ]; then
            asr_die "ASR_PREFLIGHT_URL contains {version}: set ASR_PREFLIGHT_VERSION"
            return 2
        fi
        asr_url=$(echo "$asr_url" | sed "s/{version}/$asr_version/g")
        ;;
    esac
    asr_url=${asr_url%/}

    asr_machine=$(uname -m)
    if [ "$asr_machine" != x86_64 ]; then
        asr_die "this machine is $asr_machine; asr-preflight is built for x86_64 only"
        return 2
    fi

    # A private temporary directory for the download (mktemp may be missing on old systems).
    asr_tmp=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/asr-preflight.XXXXXX" 2>/dev/null) || asr_tmp=""
    if [ -z "$asr_tmp" ]; then
        asr_tmp="${TMPDIR:-/tmp}/asr-preflight.$$"
        if ! (umask 077 && mkdir "$asr_tmp"); then
            asr_tmp=""
            asr_die "cannot create a temporary directory in ${TMPDIR:-/tmp}"
            return 2
        fi
    fi
    trap 'asr_cleanup; exit 130' INT
    trap 'asr_cleanup; exit 143' TERM
    trap 'asr_cleanup; exit 129' HUP

    asr_say "downloading $asr_url/$asr_asset"
    if ! asr_fetch "$asr_url/SHA256SUMS" "$asr_tmp/SHA256SUMS"; then
        asr_die "cannot download $asr_url/SHA256SUMS"
        return 2
    fi
    if ! asr_fetch "$asr_url/$asr_asset" "$asr_tmp/$asr_asset"; then
        asr_die "cannot download $asr_url/$asr_asset"
        return 2
    fi
    asr_expected=$(awk -v f="$asr_asset" '$2 == f || $2 == "*" f { print $1; exit }' "$asr_tmp/SHA256SUMS")
    if [ -z "$asr_expected" ]; then
        asr_die "SHA256SUMS has no line for $asr_asset"
        return 2
    fi
    if ! asr_actual=$(asr_sha256 "$asr_tmp/$asr_asset") || [ -z "$asr_actual" ]; then
        asr_die "cannot compute a SHA-256: install sha256sum (coreutils) or openssl"
        return 2
    fi
    asr_expected=$(echo "$asr_expected" | tr 'A-F' 'a-f')
    if [ "$asr_actual" != "$asr_expected" ]; then
        asr_die "checksum mismatch for $asr_asset: expected $asr_expected, got $asr_actual (download corrupted or tampered with)"
        return 2
    fi
    chmod 755 "$asr_tmp/$asr_asset"

    # The binary is verified: ask it which version it is.
    if ! asr_reported=$("$asr_tmp/$asr_asset" version </dev/null); then
        asr_die "the downloaded binary does not run on this machine"
        return 2
    fi
    asr_got=$(echo "$asr_reported" | awk '{ print $2; exit }')
    if [ -n "$asr_version" ] && [ "$asr_got" != "$asr_version" ]; then
        asr_die "$asr_url has version $asr_got, not the requested $asr_version"
        return 2
    fi

    if [ -n "$asr_run" ]; then
        asr_say "running asr-preflight $asr_got once"
        "$asr_tmp/$asr_asset" "$@" </dev/null
        asr_code=$?
        asr_cleanup
        return $asr_code
    fi

    if [ ! -d "$asr_dir" ] && ! mkdir -p "$asr_dir"; then
        asr_die "cannot create $asr_dir"
        return 2
    fi
    # Atomic install: a temporary file in the destination directory, then a rename over the old
    # binary, so a running copy or an interrupted install never leaves a half-written file.
    asr_part="$asr_dir/.asr-preflight.part.$$"
    if ! cp "$asr_tmp/$asr_asset" "$asr_part" 2>/dev/null; then
        asr_die "cannot write to $asr_dir (run as root, or set ASR_PREFLIGHT_DIR)"
        return 2
    fi
    if ! chmod 755 "$asr_part" || ! mv -f "$asr_part" "$asr_dir/asr-preflight"; then
        asr_die "cannot install $asr_dir/asr-preflight"
        return 2
    fi
    asr_part=""
    asr_cleanup
    asr_say "installed asr-preflight $asr_got as $asr_dir/asr-preflight"
    asr_say "run it with: $asr_dir/asr-preflight"
    return 0
}

{ asr_preflight_installer "$@"; }
