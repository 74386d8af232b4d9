//! Boot loader configurations, enough to know which kernel boots by default and with which
//! arguments: GRUB legacy (`grub.conf`, `menu.lst`), GRUB 2 (`grub.cfg`, `grubenv`) and Boot
//! Loader Specification entries (`/boot/loader/entries/*.conf`, RHEL 8 onwards).

/// One bootable entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootEntry {
    /// Titles from the outermost submenu to the entry.
    pub titles: Vec<String>,
    /// `$menuentry_id_option` ids along the same path (empty strings where absent).
    pub ids: Vec<String>,
    /// Position along the same path (`1>2` is the third entry of the second top-level item).
    pub index_path: Vec<usize>,
    /// The kernel image path as written (`/vmlinuz-2.6.32-431.el6.x86_64`).
    pub kernel: Option<String>,
    /// Kernel command line arguments as written.
    pub args: String,
    /// Line of the entry's title.
    pub line: usize,
}

impl BootEntry {
    pub fn title(&self) -> &str {
        self.titles.last().map(String::as_str).unwrap_or("")
    }
}

/// What the configuration says about the default entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultSpec {
    /// Nothing set: the first entry.
    Unset,
    /// `default saved` or `set default="${saved_entry}"`: grubenv decides.
    Saved,
    /// A value: an index path (`0`, `1>2`), a title or an id.
    Value(String),
}

/// A parsed boot loader configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrubConfig {
    pub entries: Vec<BootEntry>,
    pub default: DefaultSpec,
}

/// Splits a GRUB line into words, honouring single and double quotes.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                has = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    cur.push(c);
                }
            }
            '"' => {
                has = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                cur.push(n);
                            }
                        }
                        c => cur.push(c),
                    }
                }
            }
            c if c.is_whitespace() => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                has = true;
                cur.push(c);
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// GRUB legacy: `default`, `title` and `kernel` lines.
pub fn parse_legacy(text: &str) -> GrubConfig {
    let mut entries: Vec<BootEntry> = Vec::new();
    let mut default = DefaultSpec::Unset;
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (key, rest) = split_key(line);
        match key {
            "default" => {
                default = if rest == "saved" {
                    DefaultSpec::Saved
                } else {
                    DefaultSpec::Value(rest.to_string())
                }
            }
            "title" => entries.push(BootEntry {
                titles: vec![rest.to_string()],
                ids: vec![String::new()],
                index_path: vec![entries.len()],
                kernel: None,
                args: String::new(),
                line: idx + 1,
            }),
            "kernel" => {
                if let Some(e) = entries.last_mut() {
                    let mut parts = rest.splitn(2, char::is_whitespace);
                    e.kernel = parts.next().map(strip_device_prefix);
                    e.args = parts.next().unwrap_or("").trim().to_string();
                }
            }
            _ => {}
        }
    }
    GrubConfig { entries, default }
}

/// `kernel (hd0,0)/vmlinuz-...` names a device before the path.
fn strip_device_prefix(p: &str) -> String {
    match p.find(')') {
        Some(pos) if p.starts_with('(') => p[pos + 1..].to_string(),
        _ => p.to_string(),
    }
}

/// `key=value` or `key value`.
fn split_key(line: &str) -> (&str, &str) {
    let end = line
        .find(|c: char| c == '=' || c.is_whitespace())
        .unwrap_or(line.len());
    let key = &line[..end];
    let rest = line[end..].trim_start_matches(|c: char| c == '=' || c.is_whitespace());
    (key, rest.trim_end())
}

/// Blocks (`menuentry`, `submenu`, `if`, `function`...) nested deeper than this make the file
/// an error: real configurations nest three or four deep; a hostile one 200,000 deep would
/// otherwise cost time and memory for every level.
pub const MAX_BLOCK_DEPTH: usize = 64;

/// Why a `grub.cfg` could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: blocks nested more than {MAX_BLOCK_DEPTH} deep")]
pub struct GrubError {
    pub line: usize,
}

/// GRUB 2's `grub.cfg`: menuentry and submenu blocks, linux lines, `set default=`. One pass,
/// constant work per line (the path of open menu items is kept, not recomputed).
pub fn parse_grub2(text: &str) -> Result<GrubConfig, GrubError> {
    let mut m = Menu::default();
    let mut default = DefaultSpec::Unset;
    for (idx, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.ends_with('{') && m.stack.len() >= MAX_BLOCK_DEPTH {
            return Err(GrubError { line: idx + 1 });
        }
        let w = words(line);
        let Some(first) = w.first().map(String::as_str) else {
            continue;
        };
        match first {
            "menuentry" | "submenu" => m.open_item(first, &w, line.ends_with('{'), idx + 1),
            "}" => m.close_block(),
            "linux" | "linux16" | "linuxefi" | "kernel" => {
                if let Some(e) = m.current.as_mut() {
                    e.kernel = w.get(1).map(|k| strip_device_prefix(k));
                    e.args = w.get(2..).map(|a| a.join(" ")).unwrap_or_default();
                }
            }
            "set" if m.path.is_empty() => {
                if let Some(v) = w.get(1).and_then(|a| a.strip_prefix("default=")) {
                    default = if v.contains("saved_entry") {
                        DefaultSpec::Saved
                    } else {
                        DefaultSpec::Value(v.to_string())
                    };
                }
            }
            _ if line.ends_with('{') => m.stack.push(false),
            _ => {}
        }
    }
    Ok(GrubConfig {
        entries: m.entries,
        default,
    })
}

/// Where a grub.cfg reader is in the menu: the open blocks and menu items, and the entries.
struct Menu {
    entries: Vec<BootEntry>,
    /// Open blocks: whether each is a menu item (menuentry or submenu).
    stack: Vec<bool>,
    /// The open menu items, outermost first: (title, id, index within its parent).
    path: Vec<(String, String, usize)>,
    /// Count of menu items seen at each depth of submenus.
    counters: Vec<usize>,
    current: Option<BootEntry>,
}

impl Default for Menu {
    fn default() -> Self {
        Menu {
            entries: Vec::new(),
            stack: Vec::new(),
            path: Vec::new(),
            counters: vec![0],
            current: None,
        }
    }
}

impl Menu {
    /// A `menuentry` or `submenu` line: its title, id and place in the menu.
    fn open_item(&mut self, kind: &str, w: &[String], opens_block: bool, line: usize) {
        let title = w.get(1).cloned().unwrap_or_default();
        let id = w
            .iter()
            .position(|x| x == "$menuentry_id_option" || x == "--id")
            .and_then(|p| w.get(p + 1))
            .cloned()
            .unwrap_or_default();
        let depth = self.path.len();
        if self.counters.len() <= depth {
            self.counters.resize(depth + 1, 0);
        }
        let pos = self.counters[depth];
        self.counters[depth] += 1;
        if kind == "menuentry" {
            let mut titles: Vec<String> = self.path.iter().map(|s| s.0.clone()).collect();
            let mut ids: Vec<String> = self.path.iter().map(|s| s.1.clone()).collect();
            let mut index_path: Vec<usize> = self.path.iter().map(|s| s.2).collect();
            titles.push(title.clone());
            ids.push(id.clone());
            index_path.push(pos);
            self.current = Some(BootEntry {
                titles,
                ids,
                index_path,
                kernel: None,
                args: String::new(),
                line,
            });
        } else {
            self.counters.truncate(depth + 1);
            self.counters.push(0);
        }
        if opens_block {
            self.stack.push(true);
            self.path.push((title, id, pos));
        }
    }

    /// A `}`: a menu item's block ends its entry.
    fn close_block(&mut self) {
        if let Some(true) = self.stack.pop() {
            self.path.pop();
            if let Some(e) = self.current.take() {
                self.entries.push(e);
            }
        }
    }
}

/// `grubenv`: `key=value` lines; values may contain blanks.
pub fn parse_grubenv(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim_end().to_string()))
        .collect()
}

/// One Boot Loader Specification entry file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlsEntry {
    pub title: Option<String>,
    pub version: Option<String>,
    pub linux: Option<String>,
    pub options: String,
}

pub fn parse_bls(text: &str) -> BlsEntry {
    let mut e = BlsEntry::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let (key, rest) = match line.split_once(char::is_whitespace) {
            Some((k, r)) => (k, r.trim()),
            None => (line, ""),
        };
        match key {
            "title" => e.title = Some(rest.to_string()),
            "version" => e.version = Some(rest.to_string()),
            "linux" => e.linux = Some(rest.to_string()),
            "options" => e.options = rest.to_string(),
            _ => {}
        }
    }
    e
}

/// The entry a default specification selects, with GRUB's rules: an index path, else a title
/// path or id path, else the first entry.
pub fn select_default<'a>(cfg: &'a GrubConfig, saved_entry: Option<&str>) -> Option<&'a BootEntry> {
    let value = match &cfg.default {
        DefaultSpec::Unset => return cfg.entries.first(),
        DefaultSpec::Saved => match saved_entry {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => return cfg.entries.first(),
        },
        DefaultSpec::Value(v) => v.clone(),
    };
    let parts: Vec<&str> = value.split('>').collect();
    if parts.iter().all(|p| p.parse::<usize>().is_ok()) {
        let path: Vec<usize> = parts.iter().filter_map(|p| p.parse().ok()).collect();
        return cfg.entries.iter().find(|e| e.index_path == path);
    }
    cfg.entries
        .iter()
        .find(|e| {
            e.titles.len() == parts.len() && e.titles.iter().zip(&parts).all(|(t, p)| t == p)
                || e.ids.len() == parts.len() && e.ids.iter().zip(&parts).all(|(i, p)| i == p)
        })
        .or_else(|| {
            // A lone title or id names the entry wherever it sits.
            cfg.entries
                .iter()
                .find(|e| e.title() == value || e.ids.last().is_some_and(|i| *i == value))
        })
}

/// The kernel release a kernel image path names: `/vmlinuz-2.6.32-431.el6.x86_64` gives
/// `2.6.32-431.el6.x86_64`; a bare `/boot/vmlinuz` gives `None`.
pub fn release_from_image(path: &str) -> Option<String> {
    let base = path.rsplit('/').next()?;
    for prefix in ["vmlinuz-", "vmlinux-", "kernel-", "bzImage-", "Image-"] {
        if let Some(r) = base.strip_prefix(prefix) {
            if !r.is_empty() {
                return Some(r.to_string());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const RHEL6: &str = "default=1\ntimeout=5\ntitle Red Hat (2.6.32-573.el6.x86_64)\n\troot (hd0,0)\n\tkernel /vmlinuz-2.6.32-573.el6.x86_64 ro root=/dev/mapper/vg-root rhgb\n\tinitrd /initramfs-2.6.32-573.el6.x86_64.img\ntitle Red Hat (2.6.32-431.el6.x86_64)\n\tkernel (hd0,0)/vmlinuz-2.6.32-431.el6.x86_64 ro root=UUID=1\n";

    /// GRUB legacy's default index picks the second entry.
    #[test]
    fn legacy_default_index() {
        let cfg = parse_legacy(RHEL6);
        assert_eq!(cfg.entries.len(), 2);
        let e = select_default(&cfg, None).unwrap();
        assert_eq!(e.kernel.as_deref(), Some("/vmlinuz-2.6.32-431.el6.x86_64"));
        assert_eq!(e.args, "ro root=UUID=1");
    }

    const GRUB2: &str = r#"
set default="${saved_entry}"
menuentry 'CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)' --class centos $menuentry_id_option 'gnulinux-3.10.0-1160.el7.x86_64-advanced-abc' {
	load_video
	if [ x$feature_platform_search_hint = xy ]; then
	  search --no-floppy --fs-uuid --set=root abc
	fi
	linux16 /vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro crashkernel=auto
}
menuentry 'CentOS Linux (3.10.0-957.el7.x86_64) 7 (Core)' --class centos $menuentry_id_option 'gnulinux-3.10.0-957.el7.x86_64-advanced-abc' {
	linux16 /vmlinuz-3.10.0-957.el7.x86_64 root=UUID=x ro
}
submenu 'Advanced options' $menuentry_id_option 'gnulinux-advanced-abc' {
	menuentry 'Debian, with Linux 6.1.0-18-amd64' $menuentry_id_option 'gnulinux-6.1.0-18-amd64-advanced-abc' {
		linux	/boot/vmlinuz-6.1.0-18-amd64 root=UUID=y ro quiet
	}
}
"#;

    /// GRUB 2 defaults by saved title, by id, by index path into a submenu.
    #[test]
    fn grub2_selection() {
        let cfg = parse_grub2(GRUB2).unwrap();
        assert_eq!(cfg.entries.len(), 3);
        assert_eq!(cfg.default, DefaultSpec::Saved);
        let by_title =
            select_default(&cfg, Some("CentOS Linux (3.10.0-957.el7.x86_64) 7 (Core)")).unwrap();
        assert_eq!(
            by_title.kernel.as_deref(),
            Some("/vmlinuz-3.10.0-957.el7.x86_64")
        );
        let by_id = select_default(&cfg, Some("gnulinux-3.10.0-957.el7.x86_64-advanced-abc"));
        assert_eq!(by_id.unwrap().index_path, vec![1]);
        let nested = select_default(&cfg, Some("2>0")).unwrap();
        assert_eq!(
            nested.kernel.as_deref(),
            Some("/boot/vmlinuz-6.1.0-18-amd64")
        );
        let first = select_default(&cfg, None).unwrap();
        assert_eq!(first.index_path, vec![0]);
        assert!(first.args.contains("crashkernel=auto"));
    }

    /// BLS entries and kernel image names.
    #[test]
    fn bls_and_images() {
        let e = parse_bls(
            "title Red Hat\nversion 4.18.0-553.el8_10.x86_64\nlinux /vmlinuz-4.18.0-553.el8_10.x86_64\noptions root=/dev/mapper/rhel-root ro\n",
        );
        assert_eq!(e.version.as_deref(), Some("4.18.0-553.el8_10.x86_64"));
        assert_eq!(
            release_from_image("/boot/vmlinuz-3.0.76-0.11-default").as_deref(),
            Some("3.0.76-0.11-default")
        );
        assert_eq!(release_from_image("/boot/vmlinuz"), None);
        assert_eq!(
            parse_grubenv("# GRUB\nsaved_entry=A (b) c\n"),
            vec![("saved_entry".into(), "A (b) c".into())]
        );
    }
}
