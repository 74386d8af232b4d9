# Release assets, installer, Ansible role, Packer/CI example, man page and completions:
# the shells guests have (dash, busybox sh, bash), curl and wget, sha256sum/openssl, shellcheck,
# groff for the man page, zsh and fish to load their completions, ansible-core (the role is
# tested against localhost) and junitparser (a real JUnit consumer of --format junit).
apt_need shellcheck busybox dash bash curl wget openssl coreutils groff-base zsh fish python3
pip_need ansible ansible-core
pip_need junitparser junitparser
