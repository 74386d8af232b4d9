#!/usr/bin/env python3
"""Prints the [[os]] rows of asr-2026 whose kernels a document lists per release and agent version,
from the saved kernel tables: per release the union of every agent's builds and "N and later"
minima, releases with the same rules sharing one row, so a build is accepted only on the releases
the document lists it for.
Usage: gen_rows.py a2a A2A-2026b-kernels.txt[,A2A-2025-kernels.txt]
       gen_rows.py vmw VMW-2026-kernels.txt,VMW-2025-kernels.txt"""
import re
import sys

from gen_rules import stream

NAMES = {"rhel": "Red Hat Enterprise Linux", "ol": "Oracle Linux", "rocky": "Rocky Linux",
         "almalinux": "AlmaLinux", "ubuntu": "Ubuntu", "debian": "Debian",
         "sles": "SUSE Linux Enterprise Server"}
SLES_STOCK = ("{ pattern = '^(3\\.12|4\\.4|4\\.12|5\\.3|5\\.14|6\\.4)\\.\\d+-[0-9.]+-default$', "
              "description = \"SLES 12/15 stock -default kernel: every stock kernel of a listed "
              "service pack (SOURCE)\" }")
OL_UEK = ("{ pattern = '\\.el9uek', confidence = \"verify\", description = \"OL 9 UEK (.el9uek): "
          "accepted by the agent's prerequisite script (AGENT-2023, 2023-12-28) but SOURCE "
          "lists only Red Hat compatible kernels for OL 9 (UEK7 only from 8.7)\" }")
# Per document: its key and ms.date, the scenarios its rows serve, the distributions generated
# (None: every one in the tables), the row note, and the rules every row of a distribution
# carries before and after the listed builds.
PROFILES = {
    "a2a": {"source": "A2A-2026b", "date": "2026-02-27", "scenarios": ["azure-to-azure"], "ids": None,
            "note": "only the kernels A2A-2026b's tables list for the release (agents 9.62-9.66; "
                    "9.60/9.61 from A2A-2025)",
            "before": {"sles": [SLES_STOCK]}, "after": {"ol": [OL_UEK]}},
    "vmw": {"source": "VMW-2026", "date": "2026-04-06",
            "scenarios": ["vmware-to-azure", "physical-to-azure"], "ids": ["rhel", "ol", "rocky", "sles"],
            "note": "modernized appliance only; only the kernels VMW-2026's tables list for the "
                    "release (agents 9.62-9.66; 9.60/9.61 from VMW-2025)",
            "notes": {"sles": "every stock -default kernel of a listed service pack, -azure kernels only as "
                              "VMW-2026's tables list (agents 9.62-9.66; 9.60/9.61 from VMW-2025); 15 SP5 "
                              "to SP7 with the modernized appliance only"},
            "before": {"sles": [SLES_STOCK]}, "after": {"ol": [OL_UEK]}},
}
EL = {"5.14.0": "el9", "6.12.0": "el10"}


def nums(build):
    """The numbers of a Red Hat build after the kernel version: 5.14.0-427.13.1 -> (427, 13, 1)."""
    rel = build.split("-", 1)[1].split(".el")[0]
    return tuple(int(x) for x in rel.split(".") if x.isdigit())


def read(paths):
    per = {}  # (id, release) -> {"builds": {b: agents}, "mins": {base: (min, agents)}}
    lines = [line for p in paths for line in open(p)]
    for line in lines:
        if line.startswith("#") or not line.strip():
            continue
        osid, releases, agents, builds = [p.strip() for p in line.split("|")]
        for agent, rel in ((a, r) for a in agents.split() for r in releases.split()):
            r = per.setdefault((osid, rel), {"builds": {}, "mins": {}})
            for b in builds.split():
                if b.endswith("+"):
                    base = b[:-1].split("-")[0]
                    old = r["mins"].get(base)
                    agents = (old[1] if old else set()) | {agent}
                    low = b[:-1] if not old or nums(b[:-1]) < nums(old[0]) else old[0]
                    r["mins"][base] = (low, agents)
                else:
                    r["builds"].setdefault(b, set()).add(agent)
    return per


def span(agents):
    a = sorted(agents, key=lambda s: tuple(int(x) for x in s.split(".")))
    return a[0] if len(a) == 1 else f"{a[0]}-{a[-1]}"


def rules_for(r):
    """(key, toml) rule lines of one release: minima first, then one exact rule per series."""
    out = []
    for base, (low, agents) in sorted(r["mins"].items()):
        el = EL[base]
        pat = f"^{re.escape(base)}-[^ ]*\\.{el}"
        out.append(((pat, low), f"{{ pattern = '{pat}', min_version = \"{low}\", agent = \"{span(agents)}\", "
                    f"description = \"{base} kernel ({el}) {low} or later (agent {span(agents)})\" }}"))
    series = {}
    for b, agents in r["builds"].items():
        base = b.split("-")[0]
        if base in r["mins"] and ".el" in b and nums(b) >= nums(r["mins"][base][0]):
            continue  # an "and later" minimum of the same release already accepts it
        pat, words = stream(b)
        s = series.setdefault(pat, {"words": words, "builds": [], "agents": set()})
        s["builds"].append(b)
        s["agents"] |= agents
    for pat, s in series.items():
        builds = ", ".join(f'"{b}"' for b in s["builds"])
        out.append(((pat, tuple(s["builds"])), f"{{ pattern = '{pat}', agent = \"{span(s['agents'])}\", "
                    f"builds = [{builds}], description = \"{s['words']}: the builds agent "
                    f"{span(s['agents'])} lists\" }}"))
    return out


def versions(rels):
    """Consecutive minors of one major as a range: 9.0 9.1 9.2 -> 9.0..9.2."""
    out, run = [], []
    for rel in rels:
        if run and "." in rel and rel.split(".")[0] == run[-1].split(".")[0] \
                and int(rel.split(".")[1]) == int(run[-1].split(".")[1]) + 1 and len(rel) == len(run[-1]):
            run.append(rel)
            continue
        if run:
            out.append(run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}")
        run = [rel]
    if run:
        out.append(run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}")
    return out


def main():
    prof = PROFILES[sys.argv[1]]
    per = read(sys.argv[2].split(","))
    ids = []
    for osid, _ in per:
        if osid not in ids and (prof["ids"] is None or osid in prof["ids"]):
            ids.append(osid)
    scen = ", ".join(f'"{s}"' for s in prof["scenarios"])
    fill = lambda rules: [r.replace("SOURCE", prof["source"]) for r in rules]
    for osid in ids:
        rels = sorted((rel for i, rel in per if i == osid),
                      key=lambda v: tuple(int(x) for x in v.split(".")))
        groups = []  # [(keys, lines, [releases])]
        for rel in rels:
            rl = rules_for(per[(osid, rel)])
            keys = [k for k, _ in rl]
            for g in groups:
                if g[0] == keys:
                    g[2].append(rel)
                    break
            else:
                groups.append((keys, [t for _, t in rl], [rel]))
        for _, lines, rs in groups:
            vs = ", ".join(f'"{v}"' for v in versions(rs))
            kernels = fill(prof["before"].get(osid, [])) + lines + fill(prof["after"].get(osid, []))
            print(f'[[os]]\nid = "{osid}"\nname = "{NAMES[osid]}"\nscenarios = [{scen}]\n'
                  f'source = "{prof["source"]}"\nms_date = "{prof["date"]}"\nversions = [{vs}]\n'
                  f'note = "{prof.get("notes", {}).get(osid, prof["note"])}"\nkernels = [')
            for k in kernels:
                print(f"  {k},")
            print("]\n")


if __name__ == "__main__":
    main()
