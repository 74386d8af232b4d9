#!/usr/bin/env python3
"""Prints the exact-build kernel rules of asr-2026 from a kernel table file (VMW-2026-kernels.txt):
one rule per distribution, kernel stream and flavor, so that a build after the newest listed one
of its stream is "newer than the matrix" rather than unsupported. FILES is one table file or several
joined by commas (VMW-2026-kernels.txt,VMW-2025-kernels.txt). Usage: gen_rules.py FILES ID [RELEASE]"""
import re
import sys


def stream(build):
    """(regex prefix, words) identifying the series a build belongs to."""
    m = re.match(r"^(\d+\.\d+\.\d+)-(\d+)\.[0-9.]+\.(el\d+)", build)
    if m:  # RHEL family: 5.14.0-427.13.1.el9_4, Oracle's .0.N component allowed
        v, s, el = m.groups()
        return (rf"^{re.escape(v)}-{s}\.[0-9.]+\.{el}", f"{v}-{s}.* ({el})")
    m = re.match(r"^(\d+\.\d+\.\d+)-(0\.deb\d+\.)?\d+-(amd64|cloud-amd64)$", build)
    if m:  # Debian, with its backports (6.1.0-0.deb11.N)
        v, bpo, fl = m.groups()
        b = re.escape(bpo or "")
        return (rf"^{re.escape(v)}-{b}\d+-{fl}$", f"{v}-{bpo or ''}N-{fl}")
    m = re.match(r"^(\d+\.\d+\.\d+)-(\d+)-(generic|azure)$", build)
    if m:  # Ubuntu: one series per kernel version and flavor (HWE kernels are their own series)
        v, _, fl = m.groups()
        return (rf"^{re.escape(v)}-\d+-{fl}$", f"{v}-N-{fl}")
    m = re.match(r"^(\d+\.\d+\.\d+)-(\d+)[0-9.]*-azure$", build)
    if m:  # SLES -azure: the 1506xx stream names the service pack
        v, s = m.groups()
        return (rf"^{re.escape(v)}-{s}[0-9.]*-azure$", f"{v}-{s}.*-azure")
    sys.exit(f"no stream for {build}")


def main():
    path, want = sys.argv[1], sys.argv[2]
    release = sys.argv[3] if len(sys.argv) > 3 else None
    rules = {}
    lines = [line for p in path.split(",") for line in open(p)]
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        osid, _releases, agent, builds = [p.strip() for p in line.split("|")]
        if osid != want or (release and release not in _releases.split()):
            continue
        for b in builds.split():
            pat, words = stream(b)
            r = rules.setdefault(pat, {"words": words, "builds": [], "agents": set()})
            if b not in r["builds"]:
                r["builds"].append(b)
            r["agents"].update(agent.split())
    for pat, r in rules.items():
        agents = sorted(r["agents"])
        span = agents[0] if len(agents) == 1 else f"{agents[0]}-{agents[-1]}"
        builds = ", ".join(f'"{b}"' for b in r["builds"])
        print(f"  {{ pattern = '{pat}', agent = \"{span}\", builds = [{builds}], "
              f"description = \"{r['words']}: the builds agent {span} lists\" }},")


if __name__ == "__main__":
    main()
