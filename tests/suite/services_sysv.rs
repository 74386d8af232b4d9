//! SysV enablement against real RHEL data from insights-core's test suite (downloaded from
//! PyPI at test time, never committed): its `chkconfig --list` outputs from RHEL 6 and 7 are
//! turned into the rc links chkconfig leaves (`S##name` where on, `K##name` where off), and
//! our verdict for every service in every default runlevel must equal chkconfig's on/off; its
//! real `/etc/rc.d/rc3.d` listing is rebuilt as a tree and read back.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::Tree;
use asr_preflight::facts::services::{self, BootState, InitSystem};
use asr_preflight::root::Root;

const INSIGHTS: &str = "insights-core==3.8.4";

/// insights-core's parser tests, unpacked once into the cache directory.
fn insights_tests() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("testdata");
        let cache = base.join("insights-core");
        let marker = cache.join("test_chkconfig.py");
        if marker.is_file() {
            return cache;
        }
        let work = base.join(format!("insights-core.{}", std::process::id()));
        let _ = fs::remove_dir_all(&work);
        fs::create_dir_all(&work).unwrap();
        let out = Command::new("python3")
            .args([
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                INSIGHTS,
                "-d",
            ])
            .arg(&work)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "pip download {INSIGHTS} failed (run tests/install-deps.sh first): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sdist = fs::read_dir(&work)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
            .expect("an sdist was downloaded");
        let st = Command::new("tar")
            .arg("-xzf")
            .arg(&sdist)
            .arg("-C")
            .arg(&work)
            .args([
                "--wildcards",
                "--strip-components=4",
                "*/insights/tests/parsers/test_chkconfig.py",
                "*/insights/tests/parsers/test_ls_file_listing.py",
            ])
            .status()
            .expect("tar runs");
        assert!(st.success(), "tar failed on {}", sdist.display());
        fs::create_dir_all(&cache).unwrap();
        for f in ["test_chkconfig.py", "test_ls_file_listing.py"] {
            fs::rename(work.join(f), cache.join(f)).unwrap();
        }
        let _ = fs::remove_dir_all(&work);
        cache
    })
}

/// The text of a Python triple-quoted constant `NAME = """..."""`.
fn python_constant(source: &str, name: &str) -> String {
    let start = source
        .find(&format!("{name} = \"\"\""))
        .unwrap_or_else(|| panic!("{name} not in the test file"))
        + name.len()
        + 6;
    let end = source[start..].find("\"\"\"").unwrap() + start;
    source[start..end].to_string()
}

/// `chkconfig --list` lines: service name and the runlevels it is on in (xinetd services and
/// notes are skipped: they are not rc scripts).
fn chkconfig_list(text: &str) -> Vec<(String, Vec<char>)> {
    text.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let name = words.next()?;
            let levels: Vec<&str> = words.collect();
            if levels.len() != 7
                || !levels
                    .iter()
                    .all(|w| w.len() >= 3 && w.as_bytes()[1] == b':')
            {
                return None;
            }
            let on = levels
                .iter()
                .filter(|w| w.ends_with(":on"))
                .map(|w| w.chars().next().unwrap())
                .collect();
            Some((name.to_string(), on))
        })
        .collect()
}

fn executable(t: &Tree, p: &str) {
    t.file(p, "#!/bin/sh\n");
    fs::set_permissions(
        t.path().join(p.trim_start_matches('/')),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
}

/// A RHEL 6 tree (Upstart running rc) with the links chkconfig makes for `services`.
fn rhel6_tree(services: &[(String, Vec<char>)], default: char) -> Tree {
    let t = Tree::new();
    t.file("/etc/inittab", format!("id:{default}:initdefault:\n"))
        .file("/etc/init/rc.conf", "start on runlevel [0123456]\n")
        .symlink("/etc/init.d", "rc.d/init.d");
    executable(&t, "/sbin/init");
    executable(&t, "/sbin/initctl");
    executable(&t, "/sbin/chkconfig");
    for (name, on) in services {
        executable(&t, &format!("/etc/rc.d/init.d/{name}"));
        for level in '0'..='6' {
            let link = if on.contains(&level) {
                format!("/etc/rc.d/rc{level}.d/S50{name}")
            } else {
                format!("/etc/rc.d/rc{level}.d/K50{name}")
            };
            t.symlink(&link, &format!("../init.d/{name}"));
        }
    }
    t
}

fn verdict(root: &Path, name: &str) -> services::ServiceEnablement {
    let r = Root::image(root).unwrap();
    services::gather(&r).enablement(&r, &[name])
}

/// Every service of insights-core's RHEL 6 and RHEL 7.3 `chkconfig --list`, in every default
/// runlevel 2 to 5: enabled exactly when chkconfig lists it on in that runlevel.
#[test]
fn chkconfig_list_agrees() {
    let source = fs::read_to_string(insights_tests().join("test_chkconfig.py")).unwrap();
    let mut compared = 0;
    let mut enabled = 0;
    for constant in ["SERVICES", "RHEL_73_SERVICES"] {
        let services = chkconfig_list(&python_constant(&source, constant));
        assert!(services.len() >= 3, "{constant}: {services:?}");
        for default in ['2', '3', '4', '5'] {
            let t = rhel6_tree(&services, default);
            for (name, on) in &services {
                let got = verdict(t.path(), name);
                assert_eq!(got.init, InitSystem::Upstart);
                let want = if on.contains(&default) {
                    BootState::Enabled
                } else {
                    BootState::Disabled
                };
                assert_eq!(
                    got.state, want,
                    "{constant} {name} in runlevel {default}: {got:#?}"
                );
                compared += 1;
                enabled += usize::from(want == BootState::Enabled);
            }
        }
    }
    // Both answers occur (kdump is off in 2 but on in 3; restorecond is off everywhere).
    assert!(enabled > 0 && enabled < compared, "{enabled} of {compared}");
}

/// insights-core's real RHEL `/etc/rc.d/rc3.d` listing rebuilt as a tree: network and rhnsd
/// start in runlevel 3, netconsole (a K link) does not.
#[test]
fn rc3_listing_agrees() {
    let source = fs::read_to_string(insights_tests().join("test_ls_file_listing.py")).unwrap();
    let start = source.find("/etc/rc.d/rc3.d:\n").expect("rc3.d listing");
    let t = Tree::new();
    t.file("/etc/inittab", "id:3:initdefault:\n")
        .symlink("/etc/init.d", "rc.d/init.d");
    executable(&t, "/sbin/init");
    let mut links = Vec::new();
    for line in source[start..].lines().skip(1) {
        if line.trim().is_empty() || line.starts_with('"') {
            break;
        }
        let Some((left, target)) = line.split_once(" -> ") else {
            continue;
        };
        let name = left.split_whitespace().last().unwrap();
        let script = target.rsplit('/').next().unwrap();
        executable(&t, &format!("/etc/rc.d/init.d/{script}"));
        t.symlink(&format!("/etc/rc.d/rc3.d/{name}"), target);
        links.push(name.to_string());
    }
    assert_eq!(links, ["K50netconsole", "S10network", "S97rhnsd"]);
    for (name, want) in [
        ("network", BootState::Enabled),
        ("rhnsd", BootState::Enabled),
        ("netconsole", BootState::Disabled),
    ] {
        let got = verdict(t.path(), name);
        assert_eq!(got.init, InitSystem::SysV);
        assert_eq!(got.state, want, "{name}: {got:#?}");
    }
}
