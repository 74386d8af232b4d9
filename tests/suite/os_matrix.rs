//! The distribution and kernel checks against a fake root for every row of the seed's support
//! matrix and for the near misses around it, in `--root` mode, with a snapshot of each whole
//! JSON report (tests/snapshots/).

use crate::common;
use std::path::PathBuf;

use crate::common::{check, check_root, repo, status};
use serde_json::Value;

fn fixture(case: &str) -> PathBuf {
    repo().join("fixtures/os").join(case)
}

/// (case, os.supported, os.kernel, matrices that would accept it instead) under asr-2016.
const EXPECTED: &[(&str, &str, &str, Option<&str>)] = &[
    ("rhel-6.7", "pass", "pass", None),
    ("rhel-7.1", "pass", "pass", None),
    ("rhel-7.2", "pass", "pass", None),
    ("centos-6.5", "pass", "pass", None),
    ("centos-6.6", "pass", "pass", None),
    ("centos-6.7", "pass", "pass", None),
    ("centos-7.0", "pass", "pass", None),
    ("centos-7.1", "pass", "pass", None),
    ("centos-7.2", "pass", "pass", None),
    ("ol-6.4-rhck", "pass", "pass", None),
    ("ol-6.4-uek3", "pass", "pass", None),
    ("ol-6.5-rhck", "pass", "pass", None),
    ("ol-6.5-uek3", "pass", "pass", None),
    ("sles-11-sp3", "pass", "pass", None),
    ("rhel-6.5", "fail", "skip", Some("asr-2026")),
    // VMW-2026 dropped CentOS, so asr-2026 no longer offers itself for CentOS.
    ("centos-6.4", "fail", "skip", None),
    ("centos-7.3", "fail", "skip", None),
    ("ol-6.4-uek2", "pass", "fail", None),
    ("ol-6.5-uek4", "pass", "fail", Some("asr-2026")),
    ("ol-6.6-rhck", "fail", "skip", Some("asr-2026")),
    ("sles-11-sp2", "fail", "skip", None),
    ("sles-11-sp4", "fail", "skip", Some("asr-2026")),
    ("ubuntu-16.04", "fail", "skip", Some("asr-2026")),
    ("debian-8", "fail", "skip", Some("asr-2026")),
];

fn os_report(case: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["--only", "os.arch,os.supported,os.kernel"];
    args.extend_from_slice(extra);
    check_root(&fixture(case), &args)
}

/// Every seed row passes, every near miss fails on the right check, exit codes follow, and a
/// failure names the other matrix that would accept the system.
#[test]
fn seed_rows_and_near_misses() {
    for (case, supported, kernel, elsewhere) in EXPECTED {
        let (code, v) = os_report(case, &[]);
        assert_eq!(status(&v, "os.arch"), "pass", "{case}");
        assert_eq!(status(&v, "os.supported"), *supported, "{case}: {v:#}");
        assert_eq!(status(&v, "os.kernel"), *kernel, "{case}: {v:#}");
        let ready = *supported == "pass" && *kernel == "pass";
        assert_eq!(code, if ready { 0 } else { 1 }, "{case}");
        assert_eq!(v["ready"], ready, "{case}");
        let failing = if *supported == "fail" {
            "os.supported"
        } else {
            "os.kernel"
        };
        let hint = check(&v, failing)["details"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d.as_str().unwrap().contains("asr-2026 matrix would accept"));
        if !ready {
            assert_eq!(hint, elsewhere.is_some(), "{case}: hint: {v:#}");
            // The way out is in the summary's first line too.
            let summary = check(&v, failing)["summary"].as_str().unwrap().to_string();
            assert_eq!(
                summary.contains("the asr-2026 matrix accepts it (--matrix asr-2026)"),
                elsewhere.is_some(),
                "{case}: {summary}"
            );
        }
    }
}

/// The report's system block carries the SPEC's normalised values for representative images.
#[test]
fn system_facts_are_normalised() {
    for (case, id, version, kernel, flavor) in [
        (
            "centos-7.1",
            "centos",
            "7.1",
            "3.10.0-229.el7.x86_64",
            "rhck",
        ),
        (
            "ol-6.5-uek3",
            "ol",
            "6.5",
            "3.8.13-35.3.1.el6uek.x86_64",
            "uek3",
        ),
        (
            "sles-11-sp3",
            "sles",
            "11.3",
            "3.0.76-0.11-default",
            "default",
        ),
        (
            "ubuntu-16.04",
            "ubuntu",
            "16.04",
            "4.4.0-210-generic",
            "generic",
        ),
        ("debian-8", "debian", "8.11", "3.16.0-11-amd64", "amd64"),
    ] {
        let (_, v) = os_report(case, &[]);
        let s = &v["system"];
        assert_eq!(s["os"]["id"], id, "{case}");
        assert_eq!(s["os"]["version"], version, "{case}");
        assert_eq!(s["kernel"]["release"], kernel, "{case}");
        assert_eq!(s["kernel"]["flavor"], flavor, "{case}");
        assert_eq!(s["arch"], "x86_64", "{case}");
        assert_eq!(v["mode"], "root");
    }
}

/// The image's /etc/os-release is an absolute link to /usr/lib/os-release: the image's file is
/// read (Debian 8), never the host's, whatever the host runs.
#[test]
fn absolute_link_reads_the_image_not_the_host() {
    let (_, v) = os_report("debian-8", &[]);
    assert_eq!(v["system"]["os"]["name"], "Debian GNU/Linux 8 (jessie)");
}

/// Hyper-V scenarios defer to Azure's list: a skip, never a pass. Azure-to-Azure has no list in
/// the seed's matrix but has one in asr-2026.
#[test]
fn scenarios_without_a_list_skip() {
    let (_, v) = os_report("centos-6.5", &["--scenario", "hyperv-to-azure"]);
    assert_eq!(status(&v, "os.supported"), "skip");
    assert_eq!(v["scenario_source"], "option");
    let (_, v) = os_report("centos-6.5", &["--scenario", "azure-to-azure"]);
    assert_eq!(status(&v, "os.supported"), "skip");
    let (_, v) = os_report(
        "rhel-6.7",
        &["--scenario", "azure-to-azure", "--matrix", "asr-2026"],
    );
    assert_eq!(status(&v, "os.supported"), "pass");
    assert_eq!(status(&v, "os.kernel"), "pass");
    // A2A-2026b no longer lists CentOS: a failure that names the document, not a pass.
    let (_, v) = os_report(
        "centos-6.5",
        &["--scenario", "azure-to-azure", "--matrix", "asr-2026"],
    );
    assert_eq!(status(&v, "os.supported"), "fail");
    let f = check(&v, "os.supported");
    assert!(
        f["summary"].as_str().unwrap().contains("A2A-2026b"),
        "{f:#}"
    );
}

/// asr-2026 applies the agent's own kernel rules: UEK R4 on OL 6.5 passes, UEK R2 fails.
#[test]
fn asr_2026_kernel_rules_on_images() {
    let (_, v) = os_report("ol-6.5-uek4", &["--matrix", "asr-2026"]);
    assert_eq!(status(&v, "os.kernel"), "pass", "{v:#}");
    let (_, v) = os_report("ol-6.4-uek2", &["--matrix", "asr-2026"]);
    assert_eq!(status(&v, "os.kernel"), "fail", "{v:#}");
    // VMW-2026 lists 4.4.0-21-generic to 4.4.0-210-generic for 16.04.
    let (_, v) = os_report("ubuntu-16.04", &["--matrix", "asr-2026"]);
    assert_eq!(status(&v, "os.kernel"), "pass", "{v:#}");
}

/// A user's matrix file is loaded, and its errors point to the field.
#[test]
fn user_matrix_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("mine.toml");
    std::fs::write(
        &good,
        "name='mine'\ndescription='only CentOS 6.4'\nsource='ours'\n[scenarios.physical-to-azure]\npolicy='listed'\nsource='ours'\n[[os]]\nid='centos'\nname='CentOS'\nversions=['6.4']\n",
    )
    .unwrap();
    let (code, v) = os_report("centos-6.4", &["--matrix", good.to_str().unwrap()]);
    assert_eq!(v["matrix"], "mine");
    assert_eq!(status(&v, "os.supported"), "pass");
    assert_eq!(code, 0);
    let json = dir.path().join("mine.json");
    std::fs::write(&json, "{\"name\": \"j\", \"description\": \"d\", \"source\": \"s\", \"scenarios\": {\"physical-to-azure\": {\"policy\": \"listed\", \"source\": \"s\"}}, \"os\": [{\"id\": \"centos\", \"name\": \"C\", \"versions\": [\"6.5\"], \"kernels\": [{\"flavor\": \"rhck\", \"descripton\": \"typo\"}]}]}").unwrap();
    let r = common::run([
        "--root",
        fixture("centos-6.5").to_str().unwrap(),
        "--matrix",
        json.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("descripton"), "{}", r.stderr);

    // The README's example row: exact builds with a source and date; a later build warns.
    let rows = dir.path().join("rows.toml");
    std::fs::write(
        &rows,
        "name='rows'\ndescription='d'\nsource='s'\n[scenarios.vmware-to-azure]\npolicy='listed'\nsource='s'\n[[os]]\nid='ubuntu'\nname='Ubuntu'\nversions=['24.04']\nsource='MY-DOC'\nms_date='2026-04-06'\nkernels=[{pattern='^6\\.8\\.0-\\d+-generic$', builds=['6.8.0-87-generic', '6.8.0-88-generic'], description='6.8.0 generic as listed'}]\n",
    )
    .unwrap();
    let args = [
        "--matrix",
        rows.to_str().unwrap(),
        "--scenario",
        "vmware-to-azure",
    ];
    let (_, v) = os_report("ubuntu-24.04-newer", &args);
    assert_eq!(status(&v, "os.supported"), "pass");
    assert!(
        check(&v, "os.supported")
            .to_string()
            .contains("MY-DOC, ms.date 2026-04-06")
    );
    assert_eq!(status(&v, "os.kernel"), "warn");
    let summary = check(&v, "os.kernel")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        summary.contains("newer than the matrix of 2026-04-06"),
        "{summary}"
    );
    let (_, v) = os_report("ubuntu-24.04-generic", &args);
    assert_eq!(status(&v, "os.kernel"), "pass");
}

/// A matrix from a pipe is read (`--matrix <(curl ...)`); a device, a directory or a file over
/// the size cap is refused at once with exit 2 and the reason, never read forever.
#[test]
fn matrix_from_a_pipe_and_hostile_paths() {
    let root = fixture("centos-6.5");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("matrix.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let writer = {
        let fifo = fifo.clone();
        let text = std::fs::read(common::repo().join("src/matrix/data/asr-2016.toml")).unwrap();
        std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
    };
    let (code, v) = check_root(
        &root,
        &["--matrix", fifo.to_str().unwrap(), "--only", "os.supported"],
    );
    writer.join().unwrap();
    assert_eq!(v["matrix"], "asr-2016");
    assert_eq!(code, 0);

    let big = dir.path().join("big.toml");
    std::fs::write(&big, "#".repeat(5 << 20)).unwrap();
    for (path, why) in [
        ("/dev/zero", "is a device"),
        (dir.path().to_str().unwrap(), "is a directory"),
        (big.to_str().unwrap(), "larger than 4 MiB"),
    ] {
        let r = common::run(["--root", root.to_str().unwrap(), "--matrix", path]);
        assert_eq!(r.code, 2, "{path}: {}", r.stderr);
        assert!(r.stderr.contains(why), "{path}: {}", r.stderr);
    }
}

/// A snapshot of every fixture's whole JSON report (all checks), with the temporary-free root.
#[test]
fn whole_report_snapshots() {
    for (case, ..) in EXPECTED {
        let (_, mut v) = check_root(&fixture(case), &[]);
        v["root"] = Value::String(format!("fixtures/os/{case}"));
        v["tool"]["version"] = Value::String("[version]".into());
        // The snapshots keep the names and the place they had when this file was its own test
        // binary (tests/snapshots/os_matrix__*.snap).
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_json_snapshot!(format!("os_matrix__report-{case}"), v);
        });
    }
}

/// The next build after `b` in its series: the build number after the Red Hat stream
/// (`427.37.1` -> `427.38.1`), else the last number before the flavor (`6.8.0-88-generic` ->
/// `6.8.0-89-generic`, `6.4.0-150600.8.52-azure` -> `...8.53-azure`).
fn next_build(b: &str) -> String {
    if let Some(at) = b.find(".el") {
        let (head, tail) = b.split_at(at);
        let mut parts: Vec<String> = head.split('.').map(String::from).collect();
        let i = parts.len() - 2;
        parts[i] = (parts[i].parse::<u64>().unwrap() + 1).to_string();
        return format!("{}{tail}", parts.join("."));
    }
    let flavor_at = b
        .find("-generic")
        .or_else(|| b.find("-azure"))
        .or_else(|| b.find("-cloud-amd64"))
        .or_else(|| b.find("-amd64"))
        .unwrap_or_else(|| panic!("no flavor in {b}"));
    let (head, tail) = b.split_at(flavor_at);
    let start = head.rfind(|c: char| !c.is_ascii_digit()).unwrap() + 1;
    let n: u64 = head[start..].parse().unwrap();
    format!("{}{}{tail}", &head[..start], n + 1)
}

/// One saved kernel table file (tests/data/matrix-2026): its header names the document.
struct Tables {
    file: &'static str,
    key: &'static str,
    commit: &'static str,
    ms_date: &'static str,
    scenarios: &'static [asr_preflight::scenario::Scenario],
    /// The document (key, ms.date) of the rows that take the builds: the file's own, or the
    /// newer one whose rows the older agents' builds were added to.
    rows_from: (&'static str, &'static str),
}

/// The Red Hat build just before `b` (`5.14.0-611.5.1` -> `5.14.0-611.4.1`).
fn previous_build(b: &str) -> String {
    let mut parts: Vec<String> = b.split('.').map(String::from).collect();
    let i = parts.len() - 2;
    parts[i] = (parts[i].parse::<u64>().unwrap() - 1).to_string();
    parts.join(".")
}

/// `uname -r` of a document's "N and later" build: the release's `.elX` tag added.
fn and_later_uname(b: &str) -> String {
    let el = if b.starts_with("6.12.0-") {
        "el10"
    } else {
        "el9"
    };
    format!("{b}.{el}.x86_64")
}

/// Every listed build of every listed release is accepted in the file's scenarios, the build
/// after the newest one of each series is "newer than the matrix", an "N and later" build is
/// accepted and the build just below a release's lowest "and later" minimum is not.
/// Returns (accepted, newer, below) counts.
fn check_tables(t: &Tables) -> (usize, usize, usize) {
    use asr_preflight::matrix::lookup::{KernelVerdict, OsVerdict, newest_build};
    use asr_preflight::parse::kernel_release::flavor;
    use std::collections::BTreeMap;

    let text = std::fs::read_to_string(repo().join("tests/data/matrix-2026").join(t.file)).unwrap();
    assert!(
        text.contains(&format!("commit: {}", t.commit)),
        "{}",
        t.file
    );
    assert!(
        text.contains(&format!("ms.date: {}", t.ms_date)),
        "{}",
        t.file
    );
    assert!(text.contains(&format!("key: {}", t.key)), "{}", t.file);
    let m = asr_preflight::matrix::load("asr-2026").unwrap();
    let (mut accepted, mut newer) = (0, 0);
    // (id, release) -> the lowest "and later" minimum of each kernel base.
    let mut lowest: BTreeMap<(String, String), BTreeMap<String, String>> = BTreeMap::new();
    let judge = |row: usize, uname: &str| {
        let v = m.kernel_verdict(row, uname, flavor(uname).as_deref());
        format!("{v:?}")
    };
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('|').map(str::trim).collect();
        let [id, releases, _agent, builds] = cols[..] else {
            panic!("bad line {line}")
        };
        for &scenario in t.scenarios {
            for rel in releases.split_whitespace() {
                let OsVerdict::Listed(row, entry) = m.os_verdict(scenario, id, rel) else {
                    panic!("{id} {rel} not listed for {scenario:?}")
                };
                assert_eq!(entry.source.as_deref(), Some(t.rows_from.0), "{id} {rel}");
                assert_eq!(entry.ms_date.as_deref(), Some(t.rows_from.1), "{id} {rel}");
                for b in builds.split_whitespace() {
                    if let Some(min) = b.strip_suffix('+') {
                        let uname = and_later_uname(min);
                        let KernelVerdict::Supported(rule) =
                            m.kernel_verdict(row, &uname, flavor(&uname).as_deref())
                        else {
                            panic!(
                                "{id} {rel}: {uname} ({b} and later) not accepted: {}",
                                judge(row, &uname)
                            )
                        };
                        assert!(rule.min_version.is_some(), "{id} {rel} {uname}: {rule:?}");
                        let base = min.split('-').next().unwrap().to_string();
                        let slot = lowest.entry((id.into(), rel.into())).or_default();
                        let keep = slot.get(&base).is_some_and(|old| {
                            asr_preflight::parse::version::compare(old, min).is_le()
                        });
                        if !keep {
                            slot.insert(base, min.to_string());
                        }
                        accepted += 1;
                        continue;
                    }
                    let uname = if b.contains(".el") {
                        format!("{b}.x86_64")
                    } else {
                        b.to_string()
                    };
                    let KernelVerdict::Supported(rule) =
                        m.kernel_verdict(row, &uname, flavor(&uname).as_deref())
                    else {
                        panic!(
                            "{id} {rel}: listed build {uname} not accepted: {}",
                            judge(row, &uname)
                        )
                    };
                    accepted += 1;
                    // "N and later" rules accept every later build by design.
                    let Some(newest) = newest_build(rule) else {
                        continue;
                    };
                    if newest != b {
                        continue;
                    }
                    let next = next_build(&uname);
                    match m.kernel_verdict(row, &next, flavor(&next).as_deref()) {
                        KernelVerdict::Newer(_, n) => assert_eq!(n, b),
                        other => panic!("{id} {rel}: {next} after the newest {b}: {other:?}"),
                    }
                    newer += 1;
                }
            }
        }
    }
    let mut below = 0;
    for ((id, rel), mins) in &lowest {
        for &scenario in t.scenarios {
            let OsVerdict::Listed(row, _) = m.os_verdict(scenario, id, rel) else {
                unreachable!()
            };
            for min in mins.values() {
                let uname = and_later_uname(&previous_build(min));
                let v = m.kernel_verdict(row, &uname, flavor(&uname).as_deref());
                assert!(
                    !matches!(v, KernelVerdict::Supported(_)),
                    "{id} {rel}: {uname} below the lowest minimum {min} accepted: {v:?}"
                );
                below += 1;
            }
        }
    }
    (accepted, newer, below)
}

/// The kernel tables of VMW-2026 as saved in tests/data/matrix-2026 (with their source), in both
/// VMware and physical scenarios.
#[test]
fn vmw_2026_kernel_tables_are_encoded() {
    use asr_preflight::scenario::Scenario;
    let (accepted, newer, _) = check_tables(&Tables {
        file: "VMW-2026-kernels.txt",
        key: "VMW-2026",
        commit: "c10ae0a8ad8ac3a8db2fd0fbdfbde85c7104448d",
        ms_date: "2026-04-06",
        scenarios: &[Scenario::VmwareToAzure, Scenario::PhysicalToAzure],
        rows_from: ("VMW-2026", "2026-04-06"),
    });
    eprintln!(
        "VMW-2026 kernel tables: {accepted} listed builds accepted, {newer} series-newest successors newer"
    );
    // Not vacuous: the saved tables hold hundreds of builds and dozens of series.
    assert!(
        accepted > 1000 && newer > 100,
        "accepted {accepted}, newer {newer}"
    );
}

/// The 9.60 and 9.61 tables of VMW-2025 (VMW-2026 starts at 9.62), as saved in
/// tests/data/matrix-2026: their builds are accepted by the VMW-2026 rows too, and the build
/// after the newest of a series only those agents list (5.19.0, 6.2.0, 162.*) is "newer".
#[test]
fn vmw_2025_agent_9_60_and_9_61_tables_are_encoded() {
    use asr_preflight::scenario::Scenario;
    let (accepted, newer, _) = check_tables(&Tables {
        file: "VMW-2025-kernels.txt",
        key: "VMW-2025",
        commit: "3a7dfe4f89dc811ca52e931fbe5c6543bc20703d",
        ms_date: "2025-08-29",
        scenarios: &[Scenario::VmwareToAzure, Scenario::PhysicalToAzure],
        rows_from: ("VMW-2026", "2026-04-06"),
    });
    eprintln!(
        "VMW-2025 9.60/9.61 kernel tables: {accepted} listed builds accepted, {newer} series-newest successors newer"
    );
    assert!(
        accepted > 600 && newer > 10,
        "accepted {accepted}, newer {newer}"
    );
}

/// The kernel tables of A2A-2026b (Azure-to-Azure, agents 9.62-9.66) as saved in
/// tests/data/matrix-2026: exact builds, "and later" minima, and nothing below them.
#[test]
fn a2a_2026_kernel_tables_are_encoded() {
    use asr_preflight::scenario::Scenario;
    let (accepted, newer, below) = check_tables(&Tables {
        file: "A2A-2026b-kernels.txt",
        key: "A2A-2026b",
        commit: "2be556b20f3a0ed36af8c8bb9ccd155fc3210552",
        ms_date: "2026-02-27",
        scenarios: &[Scenario::AzureToAzure],
        rows_from: ("A2A-2026b", "2026-02-27"),
    });
    eprintln!(
        "A2A-2026b kernel tables: {accepted} listed builds accepted, {newer} series-newest successors newer, {below} builds below a minimum refused"
    );
    assert!(
        accepted > 700 && newer > 80 && below > 30,
        "accepted {accepted}, newer {newer}, below {below}"
    );
}

/// The 9.60 and 9.61 tables of A2A-2025 (A2A-2026b starts at 9.62), as saved in
/// tests/data/matrix-2026: their builds are accepted by the A2A-2026b rows, and the build after
/// the newest of a series only those agents list (5.19.0, 6.2.0, 162.*) is "newer".
#[test]
fn a2a_2025_agent_9_60_and_9_61_tables_are_encoded() {
    use asr_preflight::scenario::Scenario;
    let (accepted, newer, _) = check_tables(&Tables {
        file: "A2A-2025-kernels.txt",
        key: "A2A-2025",
        commit: "029667695b5cbc050f4cd2d8c3839d05c24d2d32",
        ms_date: "2025-09-09",
        scenarios: &[Scenario::AzureToAzure],
        rows_from: ("A2A-2026b", "2026-02-27"),
    });
    eprintln!(
        "A2A-2025 9.60/9.61 kernel tables: {accepted} listed builds accepted, {newer} series-newest successors newer"
    );
    assert!(
        accepted > 400 && newer > 10,
        "accepted {accepted}, newer {newer}"
    );
}

/// Every build and "and later" minimum the saved tables of one scenario list, per (id, release):
/// (exact builds, minima).
type PerRelease = std::collections::BTreeMap<(String, String), (Vec<String>, Vec<String>)>;

fn per_release(files: &[&str]) -> PerRelease {
    let mut per = PerRelease::new();
    for file in files {
        let text =
            std::fs::read_to_string(repo().join("tests/data/matrix-2026").join(file)).unwrap();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let cols: Vec<&str> = line.split('|').map(str::trim).collect();
            for rel in cols[1].split_whitespace() {
                let slot = per.entry((cols[0].into(), rel.into())).or_default();
                for b in cols[3].split_whitespace() {
                    match b.strip_suffix('+') {
                        Some(min) => slot.1.push(min.to_string()),
                        None => slot.0.push(b.to_string()),
                    }
                }
            }
        }
    }
    per
}

/// Each listed build is accepted only on the releases the tables list it for (or whose "and
/// later" minimum covers it): on every other release of the same distribution it is refused.
/// Returns how many (build, other release) pairs were refused.
fn check_only_listed_releases(
    files: &[&str],
    scenarios: &[asr_preflight::scenario::Scenario],
) -> usize {
    use asr_preflight::matrix::lookup::{KernelVerdict, OsVerdict};
    use asr_preflight::parse::kernel_release::flavor;
    use asr_preflight::parse::version::compare;
    let per = per_release(files);
    let m = asr_preflight::matrix::load("asr-2026").unwrap();
    let uname = |b: &str| {
        if b.contains(".el") {
            format!("{b}.x86_64")
        } else {
            b.to_string()
        }
    };
    let mut refused = 0;
    for ((id, rel), (builds, _)) in &per {
        for ((other_id, other), (listed, mins)) in &per {
            if other_id != id || other == rel {
                continue;
            }
            for b in builds.iter().filter(|b| !listed.contains(b)) {
                let base = b.split('-').next().unwrap();
                let covered = mins
                    .iter()
                    .any(|min| min.starts_with(&format!("{base}-")) && compare(b, min).is_ge());
                if covered {
                    continue;
                }
                for &scenario in scenarios {
                    let OsVerdict::Listed(row, _) = m.os_verdict(scenario, id, other) else {
                        panic!("{id} {other} not listed for {scenario:?}")
                    };
                    let u = uname(b);
                    let v = m.kernel_verdict(row, &u, flavor(&u).as_deref());
                    assert!(
                        !matches!(v, KernelVerdict::Supported(_)),
                        "{id}: {b} is listed for {rel}, not {other}, but {other} accepts it: {v:?}"
                    );
                    refused += 1;
                }
            }
        }
    }
    refused
}

/// VMware/physical: a build VMW-2026 or VMW-2025 lists for some minor releases only is refused on
/// the others (a 9.0-9.3 build on a 9.7 image), in both scenarios.
#[test]
fn vmw_builds_only_on_their_releases() {
    use asr_preflight::scenario::Scenario;
    let refused = check_only_listed_releases(
        &["VMW-2026-kernels.txt", "VMW-2025-kernels.txt"],
        &[Scenario::VmwareToAzure, Scenario::PhysicalToAzure],
    );
    eprintln!(
        "VMW-2026/VMW-2025: {refused} builds refused on releases the tables do not list them for"
    );
    assert!(refused > 1000, "refused {refused}");
}

/// Azure-to-Azure: the same for the A2A tables.
#[test]
fn a2a_builds_only_on_their_releases() {
    use asr_preflight::scenario::Scenario;
    let refused = check_only_listed_releases(&A2A_FILES, &[Scenario::AzureToAzure]);
    eprintln!("A2A: {refused} builds refused on releases the tables do not list them for");
    assert!(refused > 1000, "refused {refused}");
}

/// The saved Azure-to-Azure tables (A2A-2026b, agents 9.62-9.66; A2A-2025, 9.60 and 9.61).
const A2A_FILES: [&str; 2] = ["A2A-2026b-kernels.txt", "A2A-2025-kernels.txt"];

/// (case, os.supported and os.kernel on VMware, the same on Azure-to-Azure) under asr-2026: a row
/// of the 2026 documents or a near miss each (fixtures/os/generate.py CASES_2026).
const EXPECTED_2026: &[(&str, [&str; 2], [&str; 2])] = &[
    ("rhel-8.10", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-9.0", ["pass", "pass"], ["pass", "pass"]),
    // Agent 9.60 lists 70.13.1, 162.6.1 and 362.8.1 (VMW-2025 and A2A-2025; the 2026 documents
    // start at 9.62).
    ("rhel-9.0-ga", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-9.1", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-9.2", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-9.3", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-9.4", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-9.4-newer", ["pass", "warn"], ["pass", "pass"]),
    ("rhel-9.5", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-9.6", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-9.7", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-10.0", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-10.1", ["pass", "pass"], ["pass", "pass"]),
    ("rhel-10.2", ["fail", "skip"], ["fail", "skip"]),
    ("rocky-8.10", ["fail", "skip"], ["fail", "skip"]),
    ("rocky-9.4", ["pass", "pass"], ["pass", "pass"]),
    ("rocky-9.7", ["pass", "pass"], ["pass", "pass"]),
    ("rocky-10.1", ["pass", "pass"], ["pass", "pass"]),
    // A2A-2026b lists only 5.14.0-611.5.1 and later for Alma 9.6/9.7 (its 9.65 row stops at 9.5).
    ("alma-9.6", ["fail", "skip"], ["pass", "fail"]),
    ("alma-10.0", ["fail", "skip"], ["pass", "pass"]),
    ("ol-8.10-rhck", ["fail", "skip"], ["pass", "pass"]),
    // Each OL 9.0-9.3 first RHCK build, with Oracle's `.0.N`, against the Red Hat builds listed.
    ("ol-9.0-rhck", ["pass", "pass"], ["pass", "pass"]),
    ("ol-9.1-rhck", ["pass", "pass"], ["pass", "pass"]),
    ("ol-9.2-rhck", ["pass", "pass"], ["pass", "pass"]),
    ("ol-9.3-rhck", ["pass", "pass"], ["pass", "pass"]),
    ("ol-9.4-rhck", ["pass", "pass"], ["pass", "pass"]),
    ("ol-9.6-rhck", ["pass", "pass"], ["pass", "pass"]),
    ("ol-9.4-uek7", ["pass", "warn"], ["pass", "warn"]),
    ("ubuntu-22.04-generic", ["pass", "pass"], ["pass", "pass"]),
    ("ubuntu-22.04-hwe", ["pass", "pass"], ["pass", "pass"]),
    ("ubuntu-22.04-azure", ["pass", "pass"], ["pass", "pass"]),
    ("ubuntu-24.04-generic", ["pass", "pass"], ["pass", "pass"]),
    // 6.8.0-90 sorts between A2A-2026b's listed 6.8.0-88 and 6.8.0-94: not accepted there.
    ("ubuntu-24.04-newer", ["pass", "warn"], ["pass", "fail"]),
    ("ubuntu-24.04-hwe", ["pass", "pass"], ["pass", "pass"]),
    ("ubuntu-24.04-azure", ["pass", "pass"], ["pass", "pass"]),
    ("debian-11", ["pass", "pass"], ["pass", "pass"]),
    ("debian-12", ["pass", "pass"], ["pass", "pass"]),
    ("sles-12-sp5", ["pass", "pass"], ["pass", "pass"]),
    ("sles-15-sp5", ["pass", "pass"], ["pass", "pass"]),
    ("sles-15-sp6", ["pass", "pass"], ["pass", "pass"]),
    ("sles-15-sp6-azure", ["pass", "pass"], ["pass", "pass"]),
    ("sles-15-sp7", ["pass", "pass"], ["pass", "pass"]),
    ("sles-15-sp8", ["fail", "skip"], ["fail", "skip"]),
    ("eurolinux-9.4", ["warn", "skip"], ["warn", "skip"]),
    ("rocky-9.4-newer", ["pass", "warn"], ["pass", "warn"]),
    ("alma-9.4", ["fail", "skip"], ["pass", "pass"]),
    ("ubuntu-24.04-a2a-newer", ["pass", "warn"], ["pass", "warn"]),
    ("debian-12-newer", ["pass", "warn"], ["pass", "warn"]),
    ("sles-15-sp4-azure", ["pass", "fail"], ["pass", "fail"]),
    // Builds listed only for older minor releases (the rows are per release group).
    ("rhel-9.7-old-9.3-build", ["pass", "fail"], ["pass", "fail"]),
    // VMW-2026's 9.65 row gives RHEL 9.6 570.12.1 and later; A2A-2026b's gives 503.11.1 and later.
    ("rhel-9.6-503", ["pass", "fail"], ["pass", "pass"]),
    ("rocky-9.6-427", ["pass", "fail"], ["pass", "fail"]),
    ("ol-9.5-427", ["pass", "fail"], ["pass", "fail"]),
];

/// A build the documents list only for older minor releases fails on a newer minor's image and
/// names the releases it is listed for (VMW-2025's and A2A-2025's 9.61 list 362.24.1 for RHEL
/// 9.0-9.3).
#[test]
fn builds_of_older_minors_name_their_releases() {
    for (case, scenario, listed) in [
        ("rhel-9.7-old-9.3-build", "vmware-to-azure", "9.0..9.3"),
        ("rhel-9.7-old-9.3-build", "physical-to-azure", "9.0..9.3"),
        ("rocky-9.6-427", "vmware-to-azure", "9.0..9.1, 9.2..9.5"),
        ("ol-9.5-427", "vmware-to-azure", "9.0..9.3, 9.4"),
        ("rhel-9.6-503", "vmware-to-azure", "9.0..9.3, 9.4, 9.5"),
        ("rocky-9.6-427", "azure-to-azure", "9.0..9.1, 9.2..9.5"),
        // A2A-2025's 9.61 lists 362.24.1 for RHEL 9.0-9.3 too.
        ("rhel-9.7-old-9.3-build", "azure-to-azure", "9.0..9.3"),
    ] {
        let (_, v) = os_report(case, &["--matrix", "asr-2026", "--scenario", scenario]);
        let k = check(&v, "os.kernel");
        assert_eq!(k["status"], "fail", "{case} {scenario}: {k:#}");
        let details = k["details"].to_string();
        assert!(
            details.contains(&format!("only for release {listed}")),
            "{case} {scenario}: {details}"
        );
    }
}

/// The 2026 rows and near misses on images, in both listed scenarios; a pass names the document
/// and its date, a newer kernel names the matrix date, a dropped release names the document.
#[test]
fn asr_2026_rows_and_near_misses() {
    for (case, vmw, a2a) in EXPECTED_2026 {
        for (scenario, want) in [("vmware-to-azure", vmw), ("azure-to-azure", a2a)] {
            let (_, v) = os_report(case, &["--matrix", "asr-2026", "--scenario", scenario]);
            let got = [status(&v, "os.supported"), status(&v, "os.kernel")];
            assert_eq!(got, *want, "{case} {scenario}: {v:#}");
            let sup = check(&v, "os.supported");
            let text = sup.to_string();
            if want[0] == "pass" || case.starts_with("rocky-8") {
                assert!(text.contains("ms.date 20"), "{case} {scenario}: {sup:#}");
            }
            if scenario == "vmware-to-azure" && case.ends_with("-newer") {
                let k = check(&v, "os.kernel")["summary"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(k.contains("newer than the matrix of 2026-"), "{k}");
            }
        }
    }
}

/// A snapshot of the whole JSON report of every 2026 fixture (VMware scenario, asr-2026).
#[test]
fn whole_report_snapshots_2026() {
    for (case, ..) in EXPECTED_2026 {
        let (_, mut v) = check_root(
            &fixture(case),
            &["--matrix", "asr-2026", "--scenario", "vmware-to-azure"],
        );
        v["root"] = Value::String(format!("fixtures/os/{case}"));
        v["tool"]["version"] = Value::String("[version]".into());
        insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_json_snapshot!(format!("os_matrix__report-2026-{case}"), v);
        });
    }
}

/// `explain os.supported` and `explain os.kernel` name the matrices that judge, the default
/// first, each scenario's document, and how many rows come from which document and ms.date.
#[test]
fn explain_names_the_judging_documents() {
    for id in ["os.supported", "os.kernel"] {
        let r = common::run(["explain", id]);
        assert_eq!(r.code, 0);
        let at_2016 = r.stdout.find("asr-2016 (the default)").expect("asr-2016");
        let at_2026 = r.stdout.find("  asr-2026: ").expect("asr-2026");
        assert!(at_2016 < at_2026, "{}", r.stdout);
        let m = asr_preflight::matrix::load("asr-2026").unwrap();
        for (key, date) in [("VMW-2026", "2026-04-06"), ("A2A-2026b", "2026-02-27")] {
            let n = m
                .data
                .os
                .iter()
                .filter(|o| o.source.as_deref() == Some(key))
                .count();
            assert!(n > 10, "{key}: {n}");
            let line = format!("rows from {key}, ms.date {date}: {n}");
            assert!(r.stdout.contains(&line), "{line}:\n{}", r.stdout);
        }
        assert!(
            r.stdout
                .contains("HV-2026 (hyper-v-azure-support-matrix, ms.date 2026-09-11)")
        );
    }
}

const CORPUS: &str = "/var/cache/asr-preflight-testdata/distro-1.9.0/tests/resources/distros";

/// Real release files nobody here wrote (the python `distro` corpus, tests/deps.d/
/// 10-distro-corpus.sh) with a kernel of the release, under asr-2026: (corpus root, kernel,
/// VMware [os.supported, os.kernel], Azure-to-Azure [os.supported, os.kernel]).
const CORPUS_2026: &[(&str, &str, [&str; 2], [&str; 2])] = &[
    // Rocky 8.4: both documents dropped Rocky 8.
    (
        "rocky",
        "4.18.0-305.3.1.el8_4.x86_64",
        ["fail", "skip"],
        ["fail", "skip"],
    ),
    (
        "sles12",
        "3.12.49-11-default",
        ["pass", "pass"],
        ["pass", "pass"],
    ),
    // A2A-2026b lists 4.12.14-16.*-azure for SP5 only (":5"); VMW-2026 encodes 12 SP1-SP5.
    (
        "sles12",
        "4.12.14-16.200-azure",
        ["pass", "pass"],
        ["pass", "fail"],
    ),
    (
        "debian10",
        "4.19.0-27-cloud-amd64",
        ["pass", "pass"],
        ["pass", "pass"],
    ),
    (
        "debian10",
        "4.19.0-28-cloud-amd64",
        ["pass", "warn"],
        ["pass", "warn"],
    ),
    // A2A-2026b's tables add no 14.04/16.04 kernel: a warning to verify.
    (
        "ubuntu16",
        "4.4.0-210-generic",
        ["pass", "pass"],
        ["pass", "warn"],
    ),
    (
        "ubuntu14",
        "3.13.0-170-generic",
        ["pass", "pass"],
        ["pass", "warn"],
    ),
    (
        "oracle7",
        "3.10.0-862.el7.x86_64",
        ["pass", "pass"],
        ["pass", "pass"],
    ),
    (
        "rhel7",
        "3.10.0-123.el7.x86_64",
        ["pass", "pass"],
        ["pass", "pass"],
    ),
];

#[test]
fn corpus_release_files_under_asr_2026() {
    let corpus = std::path::Path::new(CORPUS);
    assert!(
        corpus.is_dir(),
        "{CORPUS} missing: run tests/install-deps.sh (deps.d/10-distro-corpus.sh)"
    );
    for (dir, kernel, vmw, a2a) in CORPUS_2026 {
        let t = common::Tree::new();
        common::debs::copy_tree(&corpus.join(dir), t.path());
        t.x86_64()
            .file(&format!("/lib/modules/{kernel}/modules.dep"), "");
        for (scenario, want) in [("vmware-to-azure", vmw), ("azure-to-azure", a2a)] {
            let (_, v) = check_root(
                t.path(),
                &[
                    "--only",
                    "os.supported,os.kernel",
                    "--matrix",
                    "asr-2026",
                    "--scenario",
                    scenario,
                ],
            );
            let got = [status(&v, "os.supported"), status(&v, "os.kernel")];
            assert_eq!(got, *want, "{dir} {kernel} {scenario}: {v:#}");
            assert_eq!(v["system"]["kernel"]["release"], *kernel, "{dir}");
            let text = check(&v, "os.supported").to_string();
            let doc = if scenario == "azure-to-azure" {
                "A2A-2026b"
            } else {
                "VMW-2026"
            };
            assert!(text.contains(doc), "{dir} {scenario}: {text}");
        }
    }
}
