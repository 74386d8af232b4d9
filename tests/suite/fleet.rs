//! `asr-preflight fleet`: many real and generated host reports read into one view. The fleet JSON
//! is validated against schema/fleet.schema.json and its counts against the input; unreadable
//! files are listed; and the HTML view is opened in a real browser (Debian's headless Chromium,
//! tests/deps.d/75-fleet.sh): a screenshot must show the charts, the DOM read back through
//! `--dump-dom` must hold the input's counts and rows, and a small script in the page proves the
//! host table filters.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::{repo, run, validate};
use serde_json::Value;

fn fixture(name: &str) -> String {
    repo().join("fixtures/os").join(name).display().to_string()
}

/// Runs `check` on a fixture root and saves the JSON report as DIR/NAME.json.
fn save_report(dir: &Path, name: &str, root: &str, extra: &[&str]) -> Value {
    let out = dir.join(format!("{name}.json"));
    let mut args = vec!["check", "--root", root, "--format", "json"];
    args.extend(extra);
    let r = run(&args);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    std::fs::write(&out, &r.stdout).unwrap();
    let v = r.json();
    validate(&v);
    v
}

fn validate_fleet(v: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("schema/fleet.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("fleet schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "fleet schema errors: {errors:#?}");
}

/// Real reports of several fixture roots, two scenarios and two matrices, plus files that are
/// not usable reports: every readable host is counted, every other file is listed with why, the
/// mix of scenarios and matrices is called out, and the exit code is SPEC's.
#[test]
fn real_reports_and_unreadable_files() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let mut ready = 0;
    let mut problems: std::collections::BTreeMap<String, usize> = Default::default();
    for (name, root, extra) in [
        ("c65", "centos-6.5", &[][..]),
        ("c64", "centos-6.4", &[][..]),
        ("r72", "rhel-7.2", &["--scenario", "vmware-to-azure"][..]),
        ("s113", "sles-11-sp3", &["--matrix", "asr-2026"][..]),
        (
            "ready",
            "centos-6.5",
            &["--only", "os.arch,os.supported,os.kernel"][..],
        ),
    ] {
        let v = save_report(d, name, &fixture(root), extra);
        ready += usize::from(v["ready"] == true);
        // A problem is a finding code where the check names its problems, else the check.
        for c in v["checks"].as_array().unwrap() {
            let bad = |s: &Value| ["warn", "fail", "error"].contains(&s.as_str().unwrap());
            match c["findings"].as_array() {
                Some(lines) => {
                    let codes: std::collections::BTreeSet<&str> = lines
                        .iter()
                        .filter(|l| bad(&l["status"]))
                        .map(|l| l["code"].as_str().unwrap())
                        .collect();
                    for code in codes {
                        *problems.entry(code.to_string()).or_default() += 1;
                    }
                }
                None if bad(&c["status"]) => {
                    *problems
                        .entry(c["id"].as_str().unwrap().to_string())
                        .or_default() += 1;
                }
                None => {}
            }
        }
    }
    std::fs::write(d.join("v2.json"), r#"{"schema_version": 2, "checks": []}"#).unwrap();
    std::fs::write(
        d.join("broken.json"),
        "{\"schema_version\": 1, \"ready\": tr",
    )
    .unwrap();
    std::fs::write(d.join("empty.json"), "").unwrap();
    std::fs::write(d.join("notes.txt"), "not a report, not listed: not *.json").unwrap();
    let missing = d.join("missing.json");
    // A FIFO among the reports: listed, never waited on (nobody writes into it).
    nix::unistd::mkfifo(
        &d.join("fifo.json"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .unwrap();

    let r = run([
        "fleet".as_ref(),
        d.as_os_str(),
        missing.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(r.code, 1, "some hosts are not ready: {}", r.stderr);
    let v = r.json();
    validate_fleet(&v);
    assert_eq!(v["totals"]["reports"], 10);
    assert_eq!(v["totals"]["hosts"], 5);
    assert_eq!(v["totals"]["ready"], ready);
    assert_eq!(v["totals"]["not_ready"], 5 - ready);
    assert_eq!(v["totals"]["unreadable"], 5);
    let reasons: Vec<String> = v["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            format!(
                "{} {}",
                u["path"].as_str().unwrap(),
                u["reason"].as_str().unwrap()
            )
        })
        .collect();
    for (file, why) in [
        ("v2.json", "schema_version 2"),
        ("broken.json", "not a JSON report"),
        ("empty.json", "not a JSON report"),
        ("missing.json", "cannot open"),
        ("fifo.json", "not a regular file"),
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(file) && r.contains(why)),
            "{file} not listed as unreadable ({why}): {reasons:#?}"
        );
    }
    assert_eq!(v["mixed"], serde_json::json!(["scenario", "matrix"]));
    let got: std::collections::BTreeMap<String, usize> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().to_string(),
                p["hosts"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(got, problems);

    let human = run(["fleet".as_ref(), d.as_os_str()]);
    assert!(
        human.stdout.contains(&format!("{} ready", ready)),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("Unreadable reports:") && human.stdout.contains("v2.json"));
    assert!(
        human.stdout.contains("different scenarios"),
        "{}",
        human.stdout
    );

    let csv = run([
        "fleet".as_ref(),
        d.as_os_str(),
        "--format".as_ref(),
        "csv".as_ref(),
    ]);
    let checks: usize = v["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["checks"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        csv.stdout.lines().count(),
        1 + checks + 4,
        "header, host×check rows, unreadable"
    );
    // Streamed into --output (a temporary file, renamed) the same bytes as on standard output.
    let out = d.join("fleet.csv.out");
    let to_file = run([
        "fleet".as_ref(),
        d.as_os_str(),
        "--format".as_ref(),
        "csv".as_ref(),
        "--output".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(to_file.code, 1, "{}", to_file.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), csv.stdout);

    // Only the ready host: exit 0. Nothing readable: exit 2.
    assert_eq!(
        run(["fleet".as_ref(), d.join("ready.json").as_os_str()]).code,
        0
    );
    let r = run([
        "fleet".as_ref(),
        d.join("v2.json").as_os_str(),
        d.join("empty.json").as_os_str(),
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("none of the 2 report(s)"), "{}", r.stderr);
    assert_eq!(run(["fleet"]).code, 2, "no input is a usage error");
}

/// The flags the tests and the README's screenshot command give Chromium: no sandbox (root in a
/// container), no GPU, no network of its own, and a fresh profile.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

fn chromium(args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut c = Command::new("chromium");
    c.args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args);
    let r = crate::common::run_within(&mut c, Duration::from_secs(120));
    assert_eq!(r.code, 0, "chromium {args:?}: {}", r.stderr);
    r.stdout
}

fn generate(n: usize, dir: &Path) -> Value {
    let t = dir.join("template.json");
    save_report(dir, "template", &fixture("centos-7.2"), &[]);
    let out = Command::new("python3")
        .arg(repo().join("tests/support/gen_fleet_reports.py"))
        .arg(&t)
        .arg(n.to_string())
        .arg(dir.join("hosts"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The text of the element with `id` in serialised HTML.
fn by_id<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the DOM"));
    let start = at + dom[at..].find('>').unwrap() + 1;
    let end = start + dom[start..].find('<').unwrap();
    &dom[start..end]
}

/// A PNG's pixels, its channels per pixel and its pixel count.
fn decode(path: &Path) -> (Vec<u8>, usize, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (
        buf,
        info.color_type.samples(),
        (info.width * info.height) as usize,
    )
}

/// Pixels of an RGB(A) screenshot within a small distance of `rgb`.
fn pixels_like(img: &[u8], channels: usize, rgb: [u8; 3]) -> usize {
    img.chunks(channels)
        .filter(|p| (0..3).all(|i| (p[i] as i32 - rgb[i] as i32).abs() <= 12))
        .count()
}

/// 300 generated host reports: the HTML is drawn by a real browser (charts in the screenshot),
/// holds the input's counts and one row per host, escapes a hostile host name, and filters.
#[test]
fn html_report_in_headless_chromium() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let expect = generate(300, d);
    let html = d.join("fleet.html");
    let r = run([
        "fleet".as_ref(),
        d.join("hosts").as_os_str(),
        "--format".as_ref(),
        "html".as_ref(),
        "--output".as_ref(),
        html.as_os_str(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no external asset"
    );

    // Screenshot: decoded, it must be mostly background but show the chart colours in quantity.
    let shot = d.join("shot.png");
    let url = format!("file://{}", html.display());
    chromium(&[
        "--window-size=1280,1600",
        &format!("--screenshot={}", shot.display()),
        &url,
    ]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let img = &buf[..info.buffer_size()];
    assert_eq!((info.width, info.height), (1280, 1600));
    let white = pixels_like(img, channels, [255, 255, 255]);
    let total = (info.width * info.height) as usize;
    assert!(
        white < total * 95 / 100,
        "the page is blank: {white} of {total} white"
    );
    for (what, rgb) in [
        ("ready bar (green)", [0x1a, 0x7f, 0x37]),
        ("not-ready and failing bars (red)", [0xcf, 0x22, 0x2e]),
        ("distribution bars (blue)", [0x09, 0x69, 0xda]),
        ("warning bars (amber)", [0x9a, 0x67, 0x00]),
    ] {
        let n = pixels_like(img, channels, rgb);
        assert!(
            n > 2_000,
            "{what}: only {n} pixels: the charts were not drawn"
        );
    }

    // Dark mode: the same page with the system preferring dark colours has a dark background.
    let dark = d.join("dark.png");
    chromium(&[
        "--blink-settings=preferredColorScheme=0",
        "--window-size=800,600",
        &format!("--screenshot={}", dark.display()),
        &url,
    ]);
    let (img, channels, total) = decode(&dark);
    let dark_bg = pixels_like(&img, channels, [0x0d, 0x11, 0x17]);
    assert!(
        dark_bg > total / 3,
        "dark background: {dark_bg} of {total} pixels"
    );
    assert!(
        pixels_like(&img, channels, [255, 255, 255]) < total / 50,
        "white in dark mode"
    );

    // The DOM as the browser built it: counts and rows match the generated input.
    let dom = chromium(&["--dump-dom", &url]);
    assert_eq!(by_id(&dom, "total-hosts"), "300");
    assert_eq!(by_id(&dom, "ready-count"), expect["ready"].to_string());
    assert_eq!(
        by_id(&dom, "not-ready-count"),
        expect["not_ready"].to_string()
    );
    assert_eq!(by_id(&dom, "shown-count"), "300");
    assert_eq!(dom.matches("<tr class=\"host\"").count(), 300);
    assert_eq!(
        dom.matches("data-ready=\"no\"").count().to_string(),
        expect["not_ready"].to_string()
    );
    for i in [0, 1, 150, 299] {
        assert!(
            dom.contains(&format!(">host-{i:05}.example.com<")),
            "row of host {i}"
        );
    }
    assert!(!dom.contains("<img"), "the hostile host name became markup");
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    for (id, hosts) in expect["problems"].as_object().unwrap() {
        let row = format!("<td class=\"num\">{hosts}</td><td>");
        let at = dom
            .find(&format!("<td>{id}</td>"))
            .unwrap_or_else(|| panic!("{id} row"));
        let start = dom[..at].rfind("<tr class=\"problem\">").unwrap();
        assert!(
            dom[start..at].contains(&row),
            "{id}: {hosts} hosts expected"
        );
    }
    for chart in [
        "chart-readiness",
        "chart-problems",
        "chart-os",
        "chart-kernels",
    ] {
        assert!(dom.contains(&format!("<svg id=\"{chart}\"")), "{chart}");
    }

    // Filtering: a copy of the page with a probe script that drives the filter and writes what
    // it saw into the page for --dump-dom to read.
    let probe = page.replace(
        "</body>",
        "<script>var p=document.createElement('pre');p.id='probe';p.textContent=\
         [fleetFilter('ubuntu 16.04',''),fleetFilter('ubuntu 16.04','no'),fleetFilter('',''),\
          fleetFilter('no-such-host',''),fleetFilter('','')].join(',');\
         var th=document.querySelectorAll('#hosts th')[6];th.click();th.click();\
         p.textContent+=';'+document.querySelector('#hosts tbody tr').cells[6].textContent;\
         document.body.appendChild(p);</script></body>",
    );
    let probe_path = d.join("probe.html");
    std::fs::write(&probe_path, probe).unwrap();
    let dom = chromium(&["--dump-dom", &format!("file://{}", probe_path.display())]);
    let hosts: Vec<Value> = std::fs::read_dir(d.join("hosts"))
        .unwrap()
        .map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .collect();
    let is_ubuntu = |h: &&Value| h["system"]["os"]["id"] == "ubuntu";
    let all_ubuntu = hosts.iter().filter(is_ubuntu).count();
    let not_ready_ubuntu = hosts
        .iter()
        .filter(is_ubuntu)
        .filter(|h| h["ready"] == false)
        .count();
    let most_fail = hosts
        .iter()
        .map(|h| h["summary"]["fail"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(most_fail > 1);
    assert!(all_ubuntu > 0 && not_ready_ubuntu > 0 && not_ready_ubuntu < all_ubuntu);
    assert_eq!(
        by_id(&dom, "probe"),
        format!("{all_ubuntu},{not_ready_ubuntu},300,0,300;{most_fail}"),
        "filter counts; then the most failing host first after sorting by fail, descending"
    );
}
