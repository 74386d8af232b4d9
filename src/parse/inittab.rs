//! SysV `/etc/inittab` (inittab(5)): `id:runlevels:action:process`. Only the `initdefault`
//! entry matters here: the runlevel a SysV machine boots into.

/// The default runlevel of an inittab (`id:3:initdefault:` gives `'3'`), and its line.
pub fn default_runlevel(text: &str) -> Option<(char, usize)> {
    let mut found = None;
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(4, ':');
        let (_id, levels, action) = (parts.next(), parts.next(), parts.next());
        if action.map(str::trim) == Some("initdefault") {
            if let Some(c) = levels.and_then(|l| l.trim().chars().next()) {
                found = Some((c, idx + 1));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RHEL 6's inittab: everything commented but the initdefault line.
    #[test]
    fn rhel6_inittab() {
        let t = "# inittab is only used by upstart for the default runlevel.\n#\n# Default runlevel. The runlevels used are:\n#   0 - halt (Do NOT set initdefault to this)\n#\nid:5:initdefault:\n";
        assert_eq!(default_runlevel(t), Some(('5', 6)));
    }

    /// SLES 11 style and a commented-out entry; no entry at all.
    #[test]
    fn other_layouts() {
        assert_eq!(
            default_runlevel(
                "#id:5:initdefault:\nid:3:initdefault:\nsi::bootwait:/etc/init.d/boot\n"
            ),
            Some(('3', 2))
        );
        assert_eq!(default_runlevel("si::sysinit:/etc/rc.d/rc.sysinit\n"), None);
    }
}
