# The python `distro` sdist: real release files of ~45 distributions and the library itself,
# used as the oracle for distribution detection (tests/suite/distro_corpus.rs).
corpus=/var/cache/asr-preflight-testdata/distro-1.9.0
if [ ! -d "$corpus/tests/resources/distros" ]; then
    mkdir -p /var/cache/asr-preflight-testdata
    tmp=$(mktemp -d)
    python3 -m pip download -q --no-deps --no-binary :all: distro==1.9.0 -d "$tmp"
    tar xzf "$tmp"/distro-1.9.0.tar.gz -C /var/cache/asr-preflight-testdata
    rm -rf "$tmp"
fi
