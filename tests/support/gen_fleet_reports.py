#!/usr/bin/env python3
"""Writes N host reports for fleet tests and benchmarks, varied from one real report.

Usage: gen_fleet_reports.py TEMPLATE.json N DIR [SEED]

TEMPLATE is a real `asr-preflight check --format json` report: every generated report keeps its
check ids, titles and references (so it stays valid against schema/report.schema.json) and
varies the host name, distribution, kernel, scenario and the statuses. Deterministic for a seed.
Prints one JSON line with what it wrote: hosts, ready, not_ready, and hosts per problem check id,
so a test can compare a fleet report against the input without reading the reports again.
"""
import copy
import json
import os
import random
import sys

OSES = [("centos", "6.5", "2.6.32-431.el6.x86_64"), ("centos", "7.2", "3.10.0-327.el7.x86_64"),
        ("rhel", "7.9", "3.10.0-1160.el7.x86_64"), ("ol", "6.5", "3.8.13-16.2.1.el6uek.x86_64"),
        ("sles", "11.3", "3.0.76-0.11-default"), ("ubuntu", "16.04", "4.4.0-21-generic"),
        ("rhel", "8.6", "4.18.0-372.9.1.el8.x86_64"), ("debian", "11", "5.10.0-20-amd64")]
SCENARIOS = ["vmware-to-azure"] * 6 + ["physical-to-azure"] * 3 + ["hyperv-to-azure"]
# Check ids that fail, error or warn, with how often (per mille): a long-tailed distribution.
PROBLEMS = {"ssh.autostart": ("fail", 300), "trust.root-cas": ("fail", 180),
            "agent.c-locale": ("warn", 250), "net.proxy": ("warn", 120),
            "disk.install-space": ("fail", 60), "time.sync-service": ("error", 40),
            "os.supported": ("fail", 30)}


def main():
    template, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 22)
    base = json.load(open(template))
    os.makedirs(out, exist_ok=True)
    ready = 0
    per_check = {}
    for i in range(n):
        r = copy.deepcopy(base)
        osid, ver, kernel = OSES[rng.randrange(len(OSES))]
        host = "host-%05d.example.com" % i
        if i == 7:
            # A hostile host: its name must come out escaped in every view.
            host = "<img src=x onerror=alert(1)>&\"'"
        r["system"]["hostname"] = host
        r["system"]["os"] = {"id": osid, "version": ver, "name": "%s %s" % (osid, ver)}
        r["system"]["kernel"]["release"] = kernel
        r["scenario"] = SCENARIOS[i % len(SCENARIOS)]
        summary = {"pass": 0, "warn": 0, "fail": 0, "skip": 0, "error": 0}
        blocking = False
        for c in r["checks"]:
            status = "pass"
            if c["id"] in PROBLEMS:
                bad, per_mille = PROBLEMS[c["id"]]
                if rng.randrange(1000) < per_mille:
                    status = bad
            elif c["status"] == "skip":
                status = "skip"
            c["status"] = status
            c.pop("waived", None)
            c.pop("findings", None)
            summary[status] += 1
            if status in ("fail", "error"):
                blocking = True
            if status in ("warn", "fail", "error"):
                per_check[c["id"]] = per_check.get(c["id"], 0) + 1
        r.pop("waivers", None)
        r["summary"] = summary
        r["ready"] = not blocking
        ready += r["ready"]
        with open(os.path.join(out, "host-%05d.json" % i), "w") as f:
            json.dump(r, f)
    print(json.dumps({"hosts": n, "ready": ready, "not_ready": n - ready, "problems": per_check}))


main()
