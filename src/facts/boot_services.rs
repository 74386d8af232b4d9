//! Whether a firewall service starts at boot: a narrow, private answer for the firewall facts.
//! systemd: a link to the unit in a `.wants`/`.requires` directory under /etc/systemd/system
//! (or the vendor's /usr/lib/systemd/system), not masked; SysV (also run by systemd's generator
//! when no unit exists): an `S` link in the default runlevel's rc directory; upstart: a job file
//! without a `manual` override.
//!
//! TODO: switch to the services module (src/facts/services.rs, branch `ssh`) when it lands; it
//! follows the default target's dependency tree, which this helper approximates by "any target".

use std::path::Path;

use crate::root::{FileKind, Root};

/// The answer with how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enablement {
    pub enabled: bool,
    pub how: String,
}

const UNIT_DIRS: &[&str] = &[
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// Whether the image boots with systemd.
pub fn uses_systemd(root: &Root) -> bool {
    ["/usr/lib/systemd/systemd", "/lib/systemd/systemd"]
        .iter()
        .any(|p| root.exists(Path::new(p)))
        && !matches!(
            root.read_link(Path::new("/sbin/init")),
            Ok(t) if t.to_string_lossy().contains("upstart")
        )
}

/// Whether `unit` (`iptables.service`) or, without a unit, one of the SysV scripts `sysv`
/// starts at boot.
pub fn enabled(root: &Root, unit: &str, sysv: &[&str]) -> Result<Enablement, String> {
    if uses_systemd(root) {
        if let Some(e) = systemd_enabled(root, unit)? {
            return Ok(e);
        }
    }
    for name in sysv {
        if let Some(e) = sysv_enabled(root, name)? {
            return Ok(e);
        }
    }
    Ok(Enablement {
        enabled: false,
        how: format!(
            "no {unit} enabled{}",
            if sysv.is_empty() {
                String::new()
            } else {
                format!(
                    " and no S link for {} in the default runlevel",
                    sysv.join("/")
                )
            }
        ),
    })
}

/// `None` when no unit file exists at all (the SysV generator may then apply).
fn systemd_enabled(root: &Root, unit: &str) -> Result<Option<Enablement>, String> {
    for dir in ["/etc/systemd/system", "/run/systemd/system"] {
        let p = Path::new(dir).join(unit);
        if let Ok(target) = root.read_link(&p) {
            if target == Path::new("/dev/null") {
                return Ok(Some(Enablement {
                    enabled: false,
                    how: format!("{unit} is masked ({} -> /dev/null)", p.display()),
                }));
            }
        }
    }
    let exists = UNIT_DIRS
        .iter()
        .any(|d| root.exists(&Path::new(d).join(unit)));
    if !exists {
        return Ok(None);
    }
    for dir in UNIT_DIRS {
        let entries = root
            .read_dir_optional(Path::new(dir))
            .map_err(|e| e.to_string())?;
        for e in entries {
            let Some(name) = e.name.to_str() else {
                continue;
            };
            if e.kind != FileKind::Dir || !(name.ends_with(".wants") || name.ends_with(".requires"))
            {
                continue;
            }
            let link = Path::new(dir).join(name).join(unit);
            if root
                .kind_nofollow(&link)
                .map_err(|e| e.to_string())?
                .is_some()
            {
                return Ok(Some(Enablement {
                    enabled: true,
                    how: format!("{unit} is enabled ({})", link.display()),
                }));
            }
        }
    }
    Ok(Some(Enablement {
        enabled: false,
        how: format!("{unit} is installed but not enabled"),
    }))
}

/// The default runlevel: inittab's `initdefault`, systemd's default target, else 3.
fn default_runlevel(root: &Root) -> u8 {
    if let Ok(Some(text)) = root.read_optional(Path::new("/etc/inittab")) {
        for l in text.lines() {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() >= 3 && f[2] == "initdefault" {
                if let Ok(n) = f[1].trim().parse() {
                    return n;
                }
            }
        }
    }
    if let Ok(t) = root.read_link(Path::new("/etc/systemd/system/default.target")) {
        if t.to_string_lossy().contains("graphical") {
            return 5;
        }
    }
    3
}

fn sysv_enabled(root: &Root, name: &str) -> Result<Option<Enablement>, String> {
    let level = default_runlevel(root);
    for dir in [
        format!("/etc/rc.d/rc{level}.d"),
        format!("/etc/rc{level}.d"),
        format!("/etc/init.d/rc{level}.d"),
    ] {
        let entries = root
            .read_dir_optional(Path::new(&dir))
            .map_err(|e| e.to_string())?;
        for e in entries {
            let Some(n) = e.name.to_str() else { continue };
            let start = n
                .strip_prefix('S')
                .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()));
            if start == Some(name) {
                return Ok(Some(Enablement {
                    enabled: true,
                    how: format!("{dir}/{n} starts it in runlevel {level}"),
                }));
            }
        }
    }
    Ok(None)
}

/// An upstart job that starts on its own: `/etc/init/NAME.conf` with a `start on` stanza and no
/// override file saying `manual`.
pub fn upstart_job(root: &Root, name: &str) -> Option<Enablement> {
    let conf = format!("/etc/init/{name}.conf");
    let text = root.read_optional(Path::new(&conf)).ok()??;
    if !text.lines().any(|l| l.trim_start().starts_with("start on")) {
        return None;
    }
    let ov = format!("/etc/init/{name}.override");
    if let Ok(Some(o)) = root.read_optional(Path::new(&ov)) {
        if o.lines().any(|l| l.trim() == "manual") {
            return Some(Enablement {
                enabled: false,
                how: format!("{ov} says manual"),
            });
        }
    }
    Some(Enablement {
        enabled: true,
        how: format!("upstart job {conf}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn root() -> (tempfile::TempDir, Root) {
        let d = tempfile::tempdir().unwrap();
        let r = Root::image(d.path()).unwrap();
        (d, r)
    }

    /// A wants link enables a unit; a mask in /etc wins.
    #[test]
    fn systemd_links_and_masks() {
        let (d, r) = root();
        let p = d.path();
        fs::create_dir_all(p.join("usr/lib/systemd/system")).unwrap();
        fs::write(p.join("usr/lib/systemd/systemd"), "").unwrap();
        fs::write(
            p.join("usr/lib/systemd/system/firewalld.service"),
            "[Unit]\n",
        )
        .unwrap();
        assert!(!enabled(&r, "firewalld.service", &[]).unwrap().enabled);
        fs::create_dir_all(p.join("etc/systemd/system/multi-user.target.wants")).unwrap();
        symlink(
            "/usr/lib/systemd/system/firewalld.service",
            p.join("etc/systemd/system/multi-user.target.wants/firewalld.service"),
        )
        .unwrap();
        assert!(enabled(&r, "firewalld.service", &[]).unwrap().enabled);
        symlink("/dev/null", p.join("etc/systemd/system/firewalld.service")).unwrap();
        let e = enabled(&r, "firewalld.service", &[]).unwrap();
        assert!(!e.enabled && e.how.contains("masked"));
    }

    /// RHEL 6: an S link in the initdefault runlevel's rc directory.
    #[test]
    fn sysv_links() {
        let (d, r) = root();
        let p = d.path();
        fs::create_dir_all(p.join("etc/rc.d/rc3.d")).unwrap();
        fs::create_dir_all(p.join("etc/rc.d/rc5.d")).unwrap();
        fs::write(p.join("etc/inittab"), "id:5:initdefault:\n").unwrap();
        symlink("../init.d/iptables", p.join("etc/rc.d/rc3.d/S08iptables")).unwrap();
        assert!(
            !enabled(&r, "iptables.service", &["iptables"])
                .unwrap()
                .enabled
        );
        symlink("../init.d/iptables", p.join("etc/rc.d/rc5.d/S08iptables")).unwrap();
        assert!(
            enabled(&r, "iptables.service", &["iptables"])
                .unwrap()
                .enabled
        );
    }
}
