#!/usr/bin/python3
"""Probe netplan's generator for the keys each mapping of its configuration accepts.

How src/parse/netplan_keys.rs was built (netplan 0.106, Debian 12's netplan.io): for every
candidate key (the names in libnetplan's strings and their tails, found in netplan's own
documentation too) and every mapping (the top level, `network:`, each device type, and the
nested mappings), write a one-file tree with the key set to a scalar, a sequence and a
mapping, run `/usr/libexec/netplan/generate --root-dir TREE` and record netplan's words:
"unknown key 'K'" means the key is not accepted there; "expected scalar/sequence/mapping"
gives the value's node kind; "invalid boolean value" or "invalid unsigned int value" for the
scalar `zzz` gives the scalar's kind. Prints one line per mapping and key:

    CONTEXT KEY KIND :: what netplan said of the scalar value

Run: python3 tests/support/netplan_probe.py [CONTEXT...]   (about 4 minutes for all)
The generator only writes into the temporary trees; nothing is applied.
"""
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

GEN = "/usr/libexec/netplan/generate"
LIB = "/usr/lib/x86_64-linux-gnu/libnetplan.so.0.0"
DOC = "/usr/share/doc/netplan/netplan.html"


def run(text):
    with tempfile.TemporaryDirectory() as d:
        os.makedirs(d + "/etc/netplan")
        p = d + "/etc/netplan/50.yaml"
        with open(p, "w") as f:
            f.write(text)
        os.chmod(p, 0o600)
        r = subprocess.run([GEN, "--root-dir", d], capture_output=True, text=True)
        for line in r.stderr.splitlines():
            if "Error in network definition: " in line:
                return line.split("Error in network definition: ", 1)[1]
        return r.stderr.strip().splitlines()[0] if r.stderr.strip() else ""


def candidates():
    """Key-like names in the library (whole strings and their tails: the linker shares the
    tail of a longer string) that also appear in netplan's documentation."""
    out = subprocess.run(["strings", "-n", "2", LIB], capture_output=True, text=True).stdout
    words = set(re.findall(r"[a-z][a-z0-9-]*", open(DOC).read()))
    names = set()
    for s in out.split():
        for i in range(len(s)):
            t = s[i:]
            if re.fullmatch(r"[a-z][a-z0-9-]{1,40}", t):
                names.add(t)
    # The two top-level names are not in the library as strings of their own.
    return sorted((names & words) | {"network", "version"})


KINDS = ["ethernets", "bonds", "bridges", "vlans", "wifis", "tunnels", "vrfs", "modems", "nm-devices"]


def device(kind, body):
    return f"network:\n  version: 2\n  {kind}:\n    dev0:\n{body}"


CONTEXTS = {k: (lambda kind: lambda key, v: device(kind, f"      {key}: {v}\n"))(k) for k in KINDS}
CONTEXTS["network"] = lambda key, v: f"network:\n  version: 2\n  {key}: {v}\n"
CONTEXTS["root"] = lambda key, v: f"network:\n  version: 2\n{key}: {v}\n"
NESTED = {
    "match": ("ethernets", "      match:\n        {k}: {v}\n"),
    "nameservers": ("ethernets", "      nameservers:\n        {k}: {v}\n"),
    "dhcp4-overrides": ("ethernets", "      dhcp4-overrides:\n        {k}: {v}\n"),
    "routes": ("ethernets", "      routes:\n        - {k}: {v}\n"),
    "routing-policy": ("ethernets", "      routing-policy:\n        - {k}: {v}\n"),
    "bond-parameters": ("bonds", "      parameters:\n        {k}: {v}\n"),
    "bridge-parameters": ("bridges", "      parameters:\n        {k}: {v}\n"),
    "auth": ("ethernets", "      auth:\n        {k}: {v}\n"),
    "access-point": ("wifis", "      access-points:\n        ssid:\n          {k}: {v}\n"),
    "networkmanager": ("ethernets", "      networkmanager:\n        {k}: {v}\n"),
    "openvswitch": ("ethernets", "      openvswitch:\n        {k}: {v}\n"),
    "address-options": ("ethernets", "      addresses:\n        - 198.51.100.1/24:\n            {k}: {v}\n"),
    "tunnel-keys": ("tunnels", "      keys:\n        {k}: {v}\n"),
    "wireguard-peer": ("tunnels", "      peers:\n        - {k}: {v}\n"),
    "wireguard-peer-keys": ("tunnels", "      peers:\n        - keys:\n            {k}: {v}\n"),
}
for name, (kind, body) in NESTED.items():
    CONTEXTS[name] = (lambda kind, body: lambda k, v: device(kind, body.format(k=k, v=v)))(kind, body)


def node_kind(scalar, seq, mapping):
    if "expected scalar" in seq and "expected scalar" in mapping:
        return "scalar"
    if "expected sequence" in scalar and "expected sequence" in mapping:
        return "seq"
    if "expected mapping" in scalar and "expected mapping" in seq:
        return "map"
    return "any"


def main():
    names = candidates()
    pool = ThreadPoolExecutor(4)
    for ctx in sys.argv[1:] or list(CONTEXTS):
        make = CONTEXTS[ctx]

        def probe(key):
            scalar = run(make(key, "zzz"))
            if f"unknown key '{key}'" in scalar:
                return None
            return key, scalar, run(make(key, "[zzz]")), run(make(key, "{zzz: 1}"))

        for found in pool.map(probe, names):
            if found:
                key, scalar, seq, mapping = found
                print(ctx, key, node_kind(scalar, seq, mapping), "::", scalar, flush=True)


if __name__ == "__main__":
    main()
