//! What a kernel release string (`uname -r`, a `vmlinuz-` suffix, a `lib/modules` directory)
//! says about the kernel's flavor: Oracle's Red Hat compatible kernel versus the Unbreakable
//! Enterprise Kernel releases, SUSE's `-default`/`-xen`, Ubuntu's `-generic`/`-azure`, and so on.

/// UEK releases by their upstream base version (Oracle's release notes).
const UEK_BASES: &[(&str, &str)] = &[
    ("2.6.32-", "uek1"),
    ("2.6.39-", "uek2"),
    ("3.8.13-", "uek3"),
    ("4.1.12-", "uek4"),
    ("4.14.35-", "uek5"),
    ("5.4.17-", "uek6"),
    ("5.15.0-", "uek7"),
    ("6.12.0-", "uek8"),
];

/// The flavor of a kernel release, or `None` when the string does not say.
pub fn flavor(release: &str) -> Option<String> {
    let release = release.trim();
    if release.is_empty() {
        return None;
    }
    if is_el_uek(release) {
        let r = UEK_BASES
            .iter()
            .find(|(base, _)| release.starts_with(base))
            .map(|(_, name)| *name)
            .unwrap_or("uek");
        return Some(r.to_string());
    }
    if has_el_tag(release) {
        return Some("rhck".to_string());
    }
    // Debian, Ubuntu, SUSE: the words after the numeric build, e.g. 3.0.76-0.11-default,
    // 4.15.0-1023-azure, 4.19.0-6-cloud-amd64.
    let words: Vec<&str> = release
        .split('-')
        .skip(1)
        .skip_while(|p| p.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    if words.is_empty() {
        None
    } else {
        Some(words.join("-"))
    }
}

fn is_el_uek(release: &str) -> bool {
    release.split('.').any(|p| {
        p.strip_prefix("el")
            .and_then(|r| r.strip_suffix("uek"))
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    })
}

/// `.el6`, `.el7_9`, `.el8_10`: a Red Hat family build.
fn has_el_tag(release: &str) -> bool {
    release.split('.').any(|p| {
        p.strip_prefix("el").is_some_and(|r| {
            let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
            !digits.is_empty() && (r.len() == digits.len() || r[digits.len()..].starts_with('_'))
        })
    })
}

/// The architecture suffix of a Red Hat family release (`.x86_64`, `.i686`), if any.
pub fn arch_suffix(release: &str) -> Option<&'static str> {
    ["x86_64", "i686", "i386", "aarch64", "ppc64le", "s390x"]
        .into_iter()
        .find(|a| release.ends_with(&format!(".{a}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flavors of the kernels the support matrix names.
    #[test]
    fn flavors() {
        assert_eq!(flavor("2.6.32-431.el6.x86_64").as_deref(), Some("rhck"));
        assert_eq!(flavor("3.10.0-1160.el7.x86_64").as_deref(), Some("rhck"));
        assert_eq!(flavor("4.18.0-553.el8_10.x86_64").as_deref(), Some("rhck"));
        assert_eq!(
            flavor("3.8.13-16.2.1.el6uek.x86_64").as_deref(),
            Some("uek3")
        );
        assert_eq!(
            flavor("2.6.39-400.17.1.el6uek.x86_64").as_deref(),
            Some("uek2")
        );
        assert_eq!(flavor("4.1.12-124.el6uek.x86_64").as_deref(), Some("uek4"));
        assert_eq!(
            flavor("2.6.32-100.28.5.el6uek.x86_64").as_deref(),
            Some("uek1")
        );
        assert_eq!(flavor("3.0.76-0.11-default").as_deref(), Some("default"));
        assert_eq!(flavor("3.0.76-0.11-xen").as_deref(), Some("xen"));
        assert_eq!(flavor("4.15.0-1023-azure").as_deref(), Some("azure"));
        assert_eq!(
            flavor("4.19.0-6-cloud-amd64").as_deref(),
            Some("cloud-amd64")
        );
        assert_eq!(flavor("6.1.0-18-amd64").as_deref(), Some("amd64"));
        assert_eq!(flavor("5.10.0"), None);
        assert_eq!(flavor(""), None);
    }

    #[test]
    fn arch() {
        assert_eq!(arch_suffix("2.6.32-431.el6.x86_64"), Some("x86_64"));
        assert_eq!(arch_suffix("2.6.32-431.el6.i686"), Some("i686"));
        assert_eq!(arch_suffix("6.1.0-18-amd64"), None);
    }
}
