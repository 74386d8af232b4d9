//! SysV runlevels: the default runlevel in `/etc/inittab` (`id:3:initdefault:`, inittab(5)),
//! and the start links of an rc directory (`S55sshd` in `/etc/rc.d/rc3.d`).

/// The runlevel of the `initdefault` entry, when there is exactly one well-formed entry's
/// worth of answer (the last one wins, as init reads the table top to bottom and keeps it).
pub fn default_runlevel(text: &str) -> Option<char> {
    let mut found = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with('#') {
            continue;
        }
        // id:runlevels:action:process
        let mut fields = line.splitn(4, ':');
        let (Some(_id), Some(levels), Some(action)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if action.trim() != "initdefault" {
            continue;
        }
        if let Some(c) = levels.trim().chars().find(|c| c.is_ascii_alphanumeric()) {
            found = Some(c.to_ascii_uppercase());
        }
    }
    found
}

/// The service a start link in an rc directory starts: `S55sshd` -> `sshd`. Like
/// systemd-sysv-generator and the rc scripts, an `S` followed by two digits and a name.
pub fn start_link_service(link_name: &str) -> Option<&str> {
    let rest = link_name.strip_prefix('S')?;
    let bytes = rest.as_bytes();
    if bytes.len() < 3 || !bytes[0].is_ascii_digit() || !bytes[1].is_ascii_digit() {
        return None;
    }
    Some(&rest[2..])
}

/// The service a kill link stops: `K25sshd` -> `sshd`.
pub fn kill_link_service(link_name: &str) -> Option<&str> {
    let rest = link_name.strip_prefix('K')?;
    let bytes = rest.as_bytes();
    if bytes.len() < 3 || !bytes[0].is_ascii_digit() || !bytes[1].is_ascii_digit() {
        return None;
    }
    Some(&rest[2..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RHEL 6's inittab: comments, then the single initdefault entry.
    #[test]
    fn rhel6_inittab() {
        let text = "# inittab is only used by upstart for the default runlevel.\n#\n# Default runlevel. The runlevels used are:\n#   0 - halt (Do NOT set initdefault to this)\n#   3 - Full multiuser mode\n#\nid:3:initdefault:\n";
        assert_eq!(default_runlevel(text), Some('3'));
    }

    /// SLES 11's inittab has many entries; only initdefault counts, whitespace tolerated.
    #[test]
    fn sles11_inittab() {
        let text = "id:5:initdefault:\nsi::bootwait:/etc/init.d/boot\nl0:0:wait:/etc/init.d/rc 0\nl3:3:wait:/etc/init.d/rc 3\n";
        assert_eq!(default_runlevel(text), Some('5'));
        assert_eq!(default_runlevel("si::bootwait:/etc/init.d/boot\n"), None);
        assert_eq!(default_runlevel("#id:2:initdefault:\n"), None);
        assert_eq!(default_runlevel(""), None);
    }

    /// Start and kill links, and names that are neither.
    #[test]
    fn rc_link_names() {
        assert_eq!(start_link_service("S55sshd"), Some("sshd"));
        assert_eq!(start_link_service("S01ssh"), Some("ssh"));
        assert_eq!(start_link_service("K25sshd"), None);
        assert_eq!(start_link_service("S5sshd"), None);
        assert_eq!(start_link_service("S55"), None);
        assert_eq!(start_link_service("README"), None);
        assert_eq!(kill_link_service("K25sshd"), Some("sshd"));
        assert_eq!(kill_link_service("S25sshd"), None);
    }
}
