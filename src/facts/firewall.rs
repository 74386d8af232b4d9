//! The firewall of the target, twice: the rules the kernel holds now (live only: `iptables-save`
//! and `ip6tables-save` of each backend present, `nft -j list ruleset`, firewalld's runtime
//! being the rules it loaded), and the rules that will be loaded at the next boot (the firewall
//! services enabled at boot and their configuration files: /etc/sysconfig/iptables,
//! /etc/iptables/rules.v4, firewalld's zones, SuSEfirewall2, ufw, nftables.conf). Each becomes a
//! [`Ruleset`] for the pure evaluator in [`crate::firewall`].

use std::collections::BTreeMap;
use std::path::Path;

use super::processes::ProcessFacts;
use super::services::{InitSystem, ServiceFacts};
use crate::firewall::{
    Family, IptablesService, Manager, Ruleset, firewalld, iptables, nft_json, nft_text,
    susefirewall2, ufw,
};
use crate::parse::shell_vars;
use crate::probe::Probe;
use crate::root::Root;

/// What the files an nftables configuration includes may hold together (each file alone is
/// capped by `Root`; a glob can match many of them).
const NFT_INCLUDE_BYTES: usize = 64 << 20;

/// One rule set read from one place, or why it could not be.
#[derive(Debug, Clone)]
pub struct Source {
    /// What was read: `iptables-nft-save`, `/etc/sysconfig/iptables`...
    pub name: String,
    /// The IP versions it covers (an iptables dump covers one).
    pub families: Vec<Family>,
    pub ruleset: Result<Ruleset, String>,
}

/// The firewall at one moment.
#[derive(Debug, Clone)]
pub enum Side {
    /// This moment cannot be known in this mode (the running kernel of an image).
    Unknowable(String),
    Known {
        sources: Vec<Source>,
        /// What decided which sources apply (enabled services, tools found).
        notes: Vec<String>,
    },
}

#[derive(Debug, Clone)]
pub struct FirewallFacts {
    pub now: Side,
    pub boot: Side,
}

pub fn gather(
    root: &Root,
    probe: Option<&dyn Probe>,
    services: &ServiceFacts,
    processes: &ProcessFacts,
) -> FirewallFacts {
    super::nm_profiles::with_own(root, |nm| gather_with(root, probe, services, processes, nm))
}

/// [`gather`] with NetworkManager's profiles shared with other readers.
pub fn gather_with(
    root: &Root,
    probe: Option<&dyn Probe>,
    services: &ServiceFacts,
    processes: &ProcessFacts,
    nm: super::nm_profiles::Shared<'_>,
) -> FirewallFacts {
    FirewallFacts {
        now: match probe {
            Some(p) => gather_now(root, p, processes),
            None => Side::Unknowable(
                "the rules a running kernel holds cannot be seen in an image (--root); only the configuration loaded at boot is evaluated".into(),
            ),
        },
        boot: gather_boot(root, services, nm),
    }
}

/// The checks that read these facts.
pub const CHECKS_READING: &[&str] = &["ssh.firewall", "mvc.port-20004", "net.egress-firewall"];

/// The programs [`gather_now`] runs on every live system where they are installed, started
/// ahead and together by [`crate::facts::Sources::start_live_tools`]. The plain `iptables-save`
/// and nft's text listing are fallbacks, run only when these could not answer.
pub const LIVE_TOOLS: &[(&str, &[&str])] = &[
    ("iptables-legacy-save", &[]),
    ("iptables-nft-save", &[]),
    ("ip6tables-legacy-save", &[]),
    ("ip6tables-nft-save", &[]),
    ("nft", &["-j", "list", "ruleset"]),
];

fn gather_now(root: &Root, probe: &dyn Probe, processes: &ProcessFacts) -> Side {
    let mut sources = Vec::new();
    let mut notes = Vec::new();
    let firewalld = processes
        .pids_named(&["firewalld"])
        .is_some_and(|p| !p.is_empty());
    if firewalld {
        notes.push(
            "firewalld is running: its runtime configuration is the kernel rules read here".into(),
        );
    }
    let dumps = iptables_dumps(probe, firewalld, &mut sources, &mut notes);
    if !dumps.legacy_read && !dumps.nft_variant_read {
        unreadable_legacy_tables(root, &mut sources);
    }
    nft_now(root, probe, firewalld, &dumps, &mut sources, &mut notes);
    Side::Known { sources, notes }
}

/// What the iptables dumps showed that decides how nft's listing is read.
struct Dumps {
    /// Tables iptables-nft manages, seen through iptables-save; nft shows them again.
    nft_backed: Vec<(String, String)>,
    legacy_read: bool,
    nft_variant_read: bool,
}

/// Runs iptables-save and ip6tables-save (legacy and nft variants) into sources.
fn iptables_dumps(
    probe: &dyn Probe,
    firewalld: bool,
    sources: &mut Vec<Source>,
    notes: &mut Vec<String>,
) -> Dumps {
    let mut d = Dumps {
        nft_backed: Vec::new(),
        legacy_read: false,
        nft_variant_read: false,
    };
    for (family, base, nft_family) in [
        (Family::V4, "iptables", "ip"),
        (Family::V6, "ip6tables", "ip6"),
    ] {
        let mut found = false;
        let variants = [format!("{base}-legacy-save"), format!("{base}-nft-save")];
        let plain = format!("{base}-save");
        let mut run = |prog: &str, found: &mut bool| match probe.run_tool(prog, &[]) {
            Ok(None) => {}
            Ok(Some(out)) => {
                *found = true;
                let dump = Dump {
                    prog,
                    family,
                    nft_family,
                    firewalld,
                };
                sources.push(dump.source(&out.stdout, &out.resolved, &mut d));
            }
            Err(e) => {
                *found = true;
                sources.push(Source {
                    name: prog.to_string(),
                    families: vec![family],
                    ruleset: Err(e.to_string()),
                });
            }
        };
        for v in &variants {
            run(v, &mut found);
        }
        if !found {
            run(&plain, &mut found);
        }
        if !found {
            notes.push(format!("{plain} is not installed"));
        }
    }
    d
}

/// One iptables-save program's output, and what it is a dump of.
struct Dump<'a> {
    prog: &'a str,
    family: Family,
    /// The nft family its tables appear under when iptables-nft manages them.
    nft_family: &'a str,
    firewalld: bool,
}

impl Dump<'_> {
    /// The rule set the dump gives, noting in `d` which backend it came from and which of its
    /// tables nft will show again.
    fn source(&self, stdout: &str, resolved: &Path, d: &mut Dumps) -> Source {
        let is_nft = stdout.contains("(nf_tables)")
            || stdout.contains("xtables-save")
            || resolved.to_string_lossy().contains("nft");
        // iptables-nft prints tables it cannot represent as empty, with a comment: those are
        // read from nft instead.
        let incompatible: Vec<String> = stdout
            .lines()
            .filter(|l| l.starts_with("# Table `") && l.contains("incompatible"))
            .filter_map(|l| l.split('`').nth(1)?.split('\'').next().map(str::to_string))
            .collect();
        if is_nft {
            d.nft_variant_read = true;
            for l in stdout.lines() {
                if let Some(t) = l.strip_prefix('*') {
                    let t = t.trim().to_string();
                    if !incompatible.contains(&t) {
                        d.nft_backed.push((self.nft_family.to_string(), t));
                    }
                }
            }
        } else {
            d.legacy_read = true;
        }
        let label = format!(
            "{} ({}{})",
            self.prog,
            if is_nft { "nf_tables" } else { "legacy" },
            if self.firewalld {
                ", loaded by firewalld"
            } else {
                ""
            }
        );
        Source {
            name: label.clone(),
            families: vec![self.family],
            ruleset: iptables::parse(stdout, self.family, &label)
                .map(|mut rs| {
                    rs.bases
                        .retain(|b| !incompatible.contains(&rs.chains[b.chain].table));
                    rs
                })
                .map_err(|e| format!("{} output: {e}", self.prog)),
        }
    }
}

/// Legacy x_tables in use without a tool to read them.
fn unreadable_legacy_tables(root: &Root, sources: &mut Vec<Source>) {
    for (names, tool) in [
        ("/proc/net/ip_tables_names", "iptables-save"),
        ("/proc/net/ip6_tables_names", "ip6tables-save"),
    ] {
        if let Ok(Some(t)) = root.read_optional(Path::new(names)) {
            if !t.trim().is_empty() {
                sources.push(Source {
                    name: names.to_string(),
                    families: vec![if names.contains("ip6") {
                        Family::V6
                    } else {
                        Family::V4
                    }],
                    ruleset: Err(format!(
                        "{names} lists loaded tables ({}) but {tool} could not be run to read them",
                        t.split_whitespace().collect::<Vec<_>>().join(", ")
                    )),
                });
            }
        }
    }
}

/// The running nftables rule set (JSON, else the text listing), without the tables the
/// iptables dumps already showed.
fn nft_now(
    root: &Root,
    probe: &dyn Probe,
    firewalld: bool,
    dumps: &Dumps,
    sources: &mut Vec<Source>,
    notes: &mut Vec<String>,
) {
    let is_firewalld_table = |_f: &str, t: &str| t == "firewalld";
    let skip_backed = |f: &str, t: &str| dumps.nft_backed.iter().any(|(bf, bt)| bf == f && bt == t);
    match probe.run_tool("nft", &["-j", "list", "ruleset"]) {
        Ok(Some(out)) => push_nft_json(
            sources,
            &out.stdout,
            firewalld,
            &skip_backed,
            &is_firewalld_table,
        ),
        Ok(None) => {
            if root.exists(Path::new("/sys/module/nf_tables")) && !dumps.nft_variant_read {
                sources.push(Source {
                    name: "nftables".into(),
                    families: vec![Family::V4, Family::V6],
                    ruleset: Err(
                        "nf_tables is active in the kernel but nft is not installed, so its rules could not be read"
                            .into(),
                    ),
                });
            } else {
                notes.push("nft is not installed".into());
            }
        }
        Err(e) => {
            // nft without JSON support (older releases): read the text listing instead.
            match probe.run_tool("nft", &["list", "ruleset"]) {
                Ok(Some(out)) => {
                    let no_include = |p: &str| -> Result<Vec<(String, String)>, String> {
                        Err(format!("include {p} in a listing"))
                    };
                    sources.push(Source {
                        name: "nft list ruleset".into(),
                        families: vec![Family::V4, Family::V6],
                        ruleset: nft_text::parse(
                            "nft list ruleset",
                            &out.stdout,
                            "nftables",
                            &no_include,
                        )
                        .map(|mut rs| {
                            drop_tables(&mut rs, &|f, t| skip_backed(f, t));
                            rs.managed_by(Manager::Nftables { file: None })
                        })
                        .map_err(|x| x.to_string()),
                    });
                    notes.push(format!("nft -j failed ({e}); the text listing was read"));
                }
                _ => sources.push(Source {
                    name: "nft -j list ruleset".into(),
                    families: vec![Family::V4, Family::V6],
                    ruleset: Err(e.to_string()),
                }),
            }
        }
    }
}

/// Removes the chains of tables iptables already showed (for the text listing path).
fn drop_tables(rs: &mut Ruleset, skip: &dyn Fn(&str, &str) -> bool) {
    let keep: Vec<bool> = rs
        .chains
        .iter()
        .map(|c| {
            let (f, t) = c.table.split_once(' ').unwrap_or(("", &c.table));
            !skip(f, t)
        })
        .collect();
    rs.bases.retain(|b| keep[b.chain]);
}

fn push_nft_json(
    sources: &mut Vec<Source>,
    json: &str,
    firewalld: bool,
    skip_backed: &dyn Fn(&str, &str) -> bool,
    is_firewalld_table: &dyn Fn(&str, &str) -> bool,
) {
    let name = "nft -j list ruleset".to_string();
    if firewalld {
        sources.push(Source {
            name: "firewalld runtime (nftables table firewalld)".into(),
            families: vec![Family::V4, Family::V6],
            ruleset: nft_json::parse(json, "firewalld runtime (nftables)", &|f, t| {
                !is_firewalld_table(f, t) || skip_backed(f, t)
            })
            .map(|rs| rs.managed_by(Manager::Firewalld)),
        });
    }
    sources.push(Source {
        name,
        families: vec![Family::V4, Family::V6],
        ruleset: nft_json::parse(json, "nftables", &|f, t| {
            skip_backed(f, t) || (firewalld && is_firewalld_table(f, t))
        }),
    });
}

/// Whether a firewall service starts at boot, in the words of the services module.
struct Enablement {
    enabled: bool,
    how: String,
}

fn enabled(root: &Root, services: &ServiceFacts, names: &[&str]) -> Result<Enablement, String> {
    let e = services.enablement(root, names);
    if !e.errors.is_empty() && !e.is_enabled() {
        return Err(e
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "));
    }
    if !e.is_installed() {
        return Ok(Enablement {
            enabled: false,
            how: format!("{} not installed", names.join("/")),
        });
    }
    if e.init == InitSystem::Unknown {
        return Err(format!(
            "{} is installed ({}), but how the machine boots is unknown: {}",
            names[0],
            e.unit.as_deref().unwrap_or("?"),
            e.evidence.join("; ")
        ));
    }
    let evidence: Vec<&str> = e
        .evidence
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("init system:"))
        .collect();
    Ok(Enablement {
        enabled: e.is_enabled(),
        how: format!(
            "{} {}{}",
            e.unit.as_deref().unwrap_or(names[0]),
            e.state.as_str(),
            if evidence.is_empty() {
                String::new()
            } else {
                format!(" ({})", evidence.join("; "))
            }
        ),
    })
}

fn gather_boot(root: &Root, svc: &ServiceFacts, nm: super::nm_profiles::Shared<'_>) -> Side {
    let mut sources = Vec::new();
    let mut notes = Vec::new();
    let mut b = Boot {
        root,
        svc,
        sources: &mut sources,
        notes: &mut notes,
    };
    b.firewalld(nm);
    b.iptables_services();
    b.netfilter_persistent();
    b.susefirewall2();
    b.ufw();
    b.nftables();
    Side::Known { sources, notes }
}

/// What starts at boot, one firewall manager at a time: each adds the rule sets it would load
/// and a note saying how its enablement was decided.
struct Boot<'a> {
    root: &'a Root,
    svc: &'a ServiceFacts,
    sources: &'a mut Vec<Source>,
    notes: &'a mut Vec<String>,
}

/// Whether a service starts at boot, noting how that was decided.
fn note_enabled(
    label: &str,
    e: Result<Enablement, String>,
    notes: &mut Vec<String>,
) -> Result<bool, String> {
    let e = e?;
    notes.push(format!("{label}: {}", e.how));
    Ok(e.enabled)
}

impl Boot<'_> {
    /// firewalld
    fn firewalld(&mut self, nm: super::nm_profiles::Shared<'_>) {
        match note_enabled(
            "firewalld",
            enabled(self.root, self.svc, &["firewalld"]),
            self.notes,
        ) {
            Ok(true) => self.sources.push(Source {
                name: "firewalld (permanent configuration)".into(),
                families: vec![Family::V4, Family::V6],
                ruleset: firewalld_config(self.root, nm()).and_then(|c| firewalld::compile(&c)),
            }),
            Ok(false) => {}
            Err(e) => self.sources.push(err_source("firewalld", e)),
        }
    }

    /// RHEL's iptables and ip6tables services.
    fn iptables_services(&mut self) {
        for (sysv, path, family) in [
            ("iptables", "/etc/sysconfig/iptables", Family::V4),
            ("ip6tables", "/etc/sysconfig/ip6tables", Family::V6),
        ] {
            match note_enabled(sysv, enabled(self.root, self.svc, &[sysv]), self.notes) {
                Ok(true) => push_iptables_file(
                    self.root,
                    self.sources,
                    self.notes,
                    path,
                    family,
                    sysv,
                    IptablesService::Sysconfig,
                ),
                Ok(false) => {}
                Err(e) => self.sources.push(err_source(sysv, e)),
            }
        }
    }

    /// Debian's iptables-persistent.
    fn netfilter_persistent(&mut self) {
        match note_enabled(
            "netfilter-persistent",
            enabled(
                self.root,
                self.svc,
                &["netfilter-persistent", "iptables-persistent"],
            ),
            self.notes,
        ) {
            Ok(true) => {
                for (path, family) in [
                    ("/etc/iptables/rules.v4", Family::V4),
                    ("/etc/iptables/rules.v6", Family::V6),
                ] {
                    push_iptables_file(
                        self.root,
                        self.sources,
                        self.notes,
                        path,
                        family,
                        "netfilter-persistent",
                        IptablesService::NetfilterPersistent,
                    );
                }
            }
            Ok(false) => {}
            Err(e) => self.sources.push(err_source("netfilter-persistent", e)),
        }
    }

    /// SuSEfirewall2 (SLES 11: SysV SuSEfirewall2_setup; SLES 12: SuSEfirewall2.service).
    fn susefirewall2(&mut self) {
        let sf2 = Path::new("/etc/sysconfig/SuSEfirewall2");
        if self.root.exists(sf2) {
            match note_enabled(
                "SuSEfirewall2",
                enabled(
                    self.root,
                    self.svc,
                    &["SuSEfirewall2", "SuSEfirewall2_setup"],
                ),
                self.notes,
            ) {
                Ok(true) => self.sources.push(Source {
                    name: "SuSEfirewall2 (/etc/sysconfig/SuSEfirewall2)".into(),
                    families: vec![Family::V4, Family::V6],
                    ruleset: susefirewall2_config(self.root).map(|c| susefirewall2::compile(&c)),
                }),
                Ok(false) => {}
                Err(e) => self.sources.push(err_source("SuSEfirewall2", e)),
            }
        }
    }

    /// ufw: ENABLED=yes in ufw.conf, started by its unit, SysV script or upstart job.
    fn ufw(&mut self) {
        if let Ok(Some(conf)) = self.root.read_optional(Path::new("/etc/ufw/ufw.conf")) {
            let vars = shell_vars::parse(&conf);
            let on =
                shell_vars::get(&vars, "ENABLED").is_some_and(|v| v.eq_ignore_ascii_case("yes"));
            let started = enabled(self.root, self.svc, &["ufw"]);
            match started {
                Ok(e) => {
                    self.notes.push(format!(
                        "ufw: /etc/ufw/ufw.conf ENABLED={}; {}",
                        if on { "yes" } else { "no" },
                        e.how
                    ));
                    if on && e.enabled {
                        push_ufw(self.root, self.sources);
                    }
                }
                Err(e) => self.sources.push(err_source("ufw", e)),
            }
        }
    }

    /// nftables.service with the file its ExecStart loads.
    fn nftables(&mut self) {
        match note_enabled(
            "nftables",
            enabled(self.root, self.svc, &["nftables"]),
            self.notes,
        ) {
            Ok(true) => self.sources.push(nftables_conf(self.root)),
            Ok(false) => {}
            Err(e) => self.sources.push(err_source("nftables", e)),
        }
    }
}

fn err_source(name: &str, e: String) -> Source {
    Source {
        name: name.to_string(),
        families: vec![Family::V4, Family::V6],
        ruleset: Err(format!("could not tell whether {name} starts at boot: {e}")),
    }
}

fn push_iptables_file(
    root: &Root,
    sources: &mut Vec<Source>,
    notes: &mut Vec<String>,
    path: &str,
    family: Family,
    service: &str,
    saver: IptablesService,
) {
    match root.read_optional(Path::new(path)) {
        Ok(Some(text)) => sources.push(Source {
            name: path.to_string(),
            families: vec![family],
            ruleset: iptables::parse(&text, family, &format!("{service} ({path})"))
                .map(|rs| {
                    rs.managed_by(Manager::Iptables {
                        v6: family == Family::V6,
                        service: Some(saver),
                    })
                })
                .map_err(|e| format!("{path}: {e} (iptables-restore would refuse the file)")),
        }),
        Ok(None) => notes.push(format!(
            "{service} is enabled but {path} does not exist: it loads no {} rules",
            family.as_str()
        )),
        Err(e) => sources.push(Source {
            name: path.to_string(),
            families: vec![family],
            ruleset: Err(e.to_string()),
        }),
    }
}

/// Files of a directory that end in `suffix`, by name.
fn xml_files(
    root: &Root,
    dir: &str,
    out: &mut BTreeMap<String, (String, String)>,
) -> Result<(), String> {
    let entries = root
        .read_dir_optional(Path::new(dir))
        .map_err(|e| e.to_string())?;
    for e in entries {
        let Some(name) = e.name.to_str() else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".xml") else {
            continue;
        };
        let path = format!("{dir}/{name}");
        let text = root
            .read_text(Path::new(&path))
            .map_err(|e| e.to_string())?;
        out.insert(stem.to_string(), (path, text));
    }
    Ok(())
}

fn firewalld_config(
    root: &Root,
    nm: &super::nm_profiles::NmProfiles,
) -> Result<firewalld::Config, String> {
    let mut cfg = firewalld::Config::default();
    for conf in [
        "/etc/firewalld/firewalld.conf",
        "/usr/lib/firewalld/firewalld.conf",
    ] {
        if let Some(text) = root
            .read_optional(Path::new(conf))
            .map_err(|e| e.to_string())?
        {
            let vars = shell_vars::parse(&text);
            if let Some(z) = shell_vars::get(&vars, "DefaultZone") {
                cfg.default_zone = z.to_string();
            }
            break;
        }
    }
    // /usr/lib first, /etc overrides file by file.
    for base in ["/usr/lib/firewalld", "/etc/firewalld"] {
        xml_files(root, &format!("{base}/zones"), &mut cfg.zones)?;
        xml_files(root, &format!("{base}/services"), &mut cfg.services)?;
        xml_files(root, &format!("{base}/policies"), &mut cfg.policies)?;
    }
    if let Some(text) = root
        .read_optional(Path::new("/etc/firewalld/direct.xml"))
        .map_err(|e| e.to_string())?
    {
        cfg.direct = Some(("/etc/firewalld/direct.xml".into(), text));
    }
    // Interface bindings made by NetworkManager: ifcfg ZONE= and keyfile zone=.
    let ifcfg = "/etc/sysconfig/network-scripts";
    for e in root
        .read_dir_optional(Path::new(ifcfg))
        .map_err(|e| e.to_string())?
    {
        let Some(name) = e.name.to_str() else {
            continue;
        };
        let Some(dev) = name.strip_prefix("ifcfg-") else {
            continue;
        };
        let path = format!("{ifcfg}/{name}");
        if let Ok(Some(text)) = root.read_optional(Path::new(&path)) {
            let vars = shell_vars::parse(&text);
            if let Some(z) = shell_vars::get(&vars, "ZONE").filter(|z| !z.is_empty()) {
                let dev = shell_vars::get(&vars, "DEVICE").unwrap_or(dev).to_string();
                cfg.interface_zones.push((dev, z.to_string(), path.clone()));
            }
        }
    }
    // Only profiles NetworkManager loads bind a zone (facts/nm_profiles.rs: its directories,
    // priorities, modes, tombstones).
    if let Some(e) = nm.errors.first() {
        return Err(e.to_string());
    }
    for l in &nm.loaded {
        let zone = l
            .keys
            .string("connection", "zone")
            .filter(|z| !z.is_empty());
        if let (Some(i), Some(z)) = (l.profile.config.name.clone(), zone) {
            cfg.interface_zones.push((i, z, l.path.clone()));
        }
    }
    Ok(cfg)
}

/// TCP port names of /etc/services.
fn port_names(root: &Root) -> BTreeMap<String, u16> {
    let mut out = BTreeMap::new();
    if let Ok(Some(text)) = root.read_optional(Path::new("/etc/services")) {
        for l in text.lines() {
            let l = l.split('#').next().unwrap_or("");
            let mut f = l.split_whitespace();
            let (Some(name), Some(pp)) = (f.next(), f.next()) else {
                continue;
            };
            let Some(port) = pp.strip_suffix("/tcp").and_then(|p| p.parse().ok()) else {
                continue;
            };
            for n in std::iter::once(name).chain(f) {
                out.entry(n.to_string()).or_insert(port);
            }
        }
    }
    out
}

fn susefirewall2_config(root: &Root) -> Result<susefirewall2::Config, String> {
    let sysconfig = root
        .read_text(Path::new("/etc/sysconfig/SuSEfirewall2"))
        .map_err(|e| e.to_string())?;
    let mut services = BTreeMap::new();
    let dir = "/etc/sysconfig/SuSEfirewall2.d/services";
    for e in root
        .read_dir_optional(Path::new(dir))
        .map_err(|e| e.to_string())?
    {
        let Some(name) = e.name.to_str() else {
            continue;
        };
        let path = format!("{dir}/{name}");
        if let Ok(text) = root.read_text(Path::new(&path)) {
            services.insert(name.to_string(), (path, text));
        }
    }
    Ok(susefirewall2::Config {
        sysconfig,
        services,
        port_names: port_names(root),
    })
}

fn push_ufw(root: &Root, sources: &mut Vec<Source>) {
    let defaults = root
        .read_optional(Path::new("/etc/default/ufw"))
        .ok()
        .flatten()
        .unwrap_or_default();
    let vars = shell_vars::parse(&defaults);
    let policy = shell_vars::get(&vars, "DEFAULT_INPUT_POLICY")
        .unwrap_or("DROP")
        .to_string();
    let output_policy = shell_vars::get(&vars, "DEFAULT_OUTPUT_POLICY")
        .unwrap_or("ACCEPT")
        .to_string();
    let ipv6 = shell_vars::get(&vars, "IPV6").is_none_or(|v| v.eq_ignore_ascii_case("yes"));
    for (family, t) in [(Family::V4, ""), (Family::V6, "6")] {
        let read = |name: &str| -> Result<String, String> {
            let p = format!("/etc/ufw/{name}");
            root.read_text(Path::new(&p)).map_err(|e| e.to_string())
        };
        let name = format!("ufw ({})", family.as_str());
        if family == Family::V6 && !ipv6 {
            // ufw-init then loads a DROP-all IPv6 filter with lo accepted.
            let text = "*filter\n:INPUT DROP [0:0]\n:OUTPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A OUTPUT -o lo -j ACCEPT\nCOMMIT\n";
            sources.push(Source {
                name,
                families: vec![family],
                ruleset: iptables::parse(text, family, "ufw (IPV6=no in /etc/default/ufw)")
                    .map(|rs| rs.managed_by(Manager::Ufw))
                    .map_err(|e| e.to_string()),
            });
            continue;
        }
        let files = (|| -> Result<ufw::Files, String> {
            Ok(ufw::Files {
                input_policy: policy.clone(),
                output_policy: output_policy.clone(),
                before: read(&format!("before{t}.rules"))?,
                after: read(&format!("after{t}.rules"))?,
                user: read(&format!("user{t}.rules"))?,
            })
        })();
        sources.push(Source {
            name,
            families: vec![family],
            ruleset: files.and_then(|f| {
                ufw::compile(&f, family).map_err(|e| format!("/etc/ufw rule files: {e}"))
            }),
        });
    }
}

/// The file nftables.service loads: its ExecStart's `-f FILE`, else the distribution default.
fn nftables_conf(root: &Root) -> Source {
    let mut file = None;
    for dir in [
        "/etc/systemd/system",
        "/usr/lib/systemd/system",
        "/lib/systemd/system",
    ] {
        let unit = format!("{dir}/nftables.service");
        if let Ok(Some(text)) = root.read_optional(Path::new(&unit)) {
            for l in text.lines() {
                if let Some(cmd) = l.trim().strip_prefix("ExecStart=") {
                    let w: Vec<&str> = cmd.split_whitespace().collect();
                    if let Some(i) = w.iter().position(|x| *x == "-f") {
                        file = w.get(i + 1).map(|s| s.to_string());
                    }
                }
            }
            if file.is_some() {
                break;
            }
        }
    }
    let file = file.unwrap_or_else(|| {
        ["/etc/sysconfig/nftables.conf", "/etc/nftables.conf"]
            .into_iter()
            .find(|p| root.exists(Path::new(p)))
            .unwrap_or("/etc/nftables.conf")
            .to_string()
    });
    // Every file is capped on its own; this caps what all included files hold together.
    let bytes_left = std::cell::Cell::new(NFT_INCLUDE_BYTES);
    let read = |p: &Path| -> Result<String, String> {
        let text = root.read_text(p).map_err(|e| e.to_string())?;
        let left = bytes_left.get().checked_sub(text.len()).ok_or_else(|| {
            format!(
                "included files hold more than {} MiB together",
                NFT_INCLUDE_BYTES >> 20
            )
        })?;
        bytes_left.set(left);
        Ok(text)
    };
    let include = |pattern: &str| -> Result<Vec<(String, String)>, String> {
        let path = Path::new(pattern);
        let dir = path.parent().unwrap_or(Path::new("/"));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let mut out = Vec::new();
        if name.contains(['*', '?', '[']) {
            for e in root.read_dir_optional(dir).map_err(|e| e.to_string())? {
                let Some(n) = e.name.to_str() else { continue };
                if crate::parse::glob::component_matches(name, n.as_bytes()) {
                    let p = dir.join(n);
                    out.push((p.display().to_string(), read(&p)?));
                }
            }
        } else {
            out.push((pattern.to_string(), read(path)?));
        }
        Ok(out)
    };
    let ruleset = match root.read_text(Path::new(&file)) {
        Ok(text) => nft_text::parse(&file, &text, &format!("nftables ({file})"), &include)
            .map(|rs| {
                rs.managed_by(Manager::Nftables {
                    file: Some(file.clone()),
                })
            })
            .map_err(|e| format!("{e} (nft -f would refuse it)")),
        Err(e) => Err(format!("nftables.service is enabled but {e}")),
    };
    Source {
        name: file,
        families: vec![Family::V4, Family::V6],
        ruleset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firewall::eval::{Verdict, evaluate};
    use crate::probe::{FakeProbe, ProbeError};

    const NFT_SAVE: &str = "# Table `nat' contains incompatible base-chains, use 'nft' tool to list them.\n# Generated by iptables-nft-save v1.8.9 (nf_tables) on Sun Nov 22 04:06:38 2026\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp -m multiport --dports 22,80 -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n";
    const NFT_JSON: &str = r#"{"nftables":[
{"chain":{"family":"ip","table":"filter","name":"INPUT","hook":"input","prio":0,"policy":"accept"}},
{"rule":{"family":"ip","table":"filter","chain":"INPUT","expr":[{"xt":{"type":"match","name":"multiport"}},{"accept":null}]}},
{"chain":{"family":"ip","table":"nat","name":"prerouting","type":"nat","hook":"prerouting","prio":-100,"policy":"accept"}},
{"rule":{"family":"ip","table":"nat","chain":"prerouting","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":80}},{"drop":null}]}}
]}"#;

    fn sources(side: &Side) -> &[Source] {
        match side {
            Side::Known { sources, .. } => sources,
            Side::Unknowable(_) => panic!("unknowable"),
        }
    }

    fn verdict(side: &Side, port: u16) -> Vec<(String, Verdict)> {
        sources(side)
            .iter()
            .filter(|s| s.families.contains(&Family::V4))
            .map(|s| match &s.ruleset {
                Ok(rs) => (s.name.clone(), evaluate(rs, Family::V4, port).verdict),
                Err(_) => (s.name.clone(), Verdict::Undetermined),
            })
            .collect()
    }

    /// Tables iptables-nft shows are read from it and skipped in nft's listing (whose `xt`
    /// placeholders cannot be evaluated); a table it calls incompatible is read from nft.
    #[test]
    fn iptables_nft_and_nft_do_not_overlap() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::image(dir.path()).unwrap();
        let probe = FakeProbe::new("6.1.0", "h")
            .with_tool("iptables-nft-save", "/usr/sbin/xtables-nft-multi", NFT_SAVE)
            .with_tool("ip6tables-nft-save", "/usr/sbin/xtables-nft-multi", "")
            .with_tool("nft -j list ruleset", "/usr/sbin/nft", NFT_JSON);
        let side = gather_now(&root, &probe, &ProcessFacts::Listed(Vec::new()));
        let v22 = verdict(&side, 22);
        assert!(v22.iter().all(|(_, v)| *v == Verdict::Accepted), "{v22:?}");
        // 80: accepted by iptables' filter table, dropped by the nat table only nft shows.
        let v80 = verdict(&side, 80);
        assert!(
            v80.contains(&("nft -j list ruleset".to_string(), Verdict::Blocked)),
            "{v80:?}"
        );
        let v23 = verdict(&side, 23);
        assert!(
            v23.iter()
                .any(|(n, v)| n.starts_with("iptables-nft-save") && *v == Verdict::Blocked)
        );
    }

    /// A tool that fails (not root) is a source that could not be read; nf_tables in the kernel
    /// without nft installed is one too; nothing is assumed open.
    #[test]
    fn unreadable_sources_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sys/module/nf_tables")).unwrap();
        let root = Root::image(dir.path()).unwrap();
        let mut probe = FakeProbe::new("6.1.0", "h");
        probe.tools.insert(
            "iptables-save".into(),
            Err(ProbeError {
                what: "command",
                cause: "iptables-save: exit status: 1: Permission denied (you must be root)".into(),
            }),
        );
        let side = gather_now(&root, &probe, &ProcessFacts::Listed(Vec::new()));
        let errs: Vec<&String> = sources(&side)
            .iter()
            .filter_map(|s| s.ruleset.as_ref().err())
            .collect();
        assert!(
            errs.iter().any(|e| e.contains("Permission denied")),
            "{errs:?}"
        );
        assert!(
            errs.iter().any(|e| e.contains("nft is not installed")),
            "{errs:?}"
        );
    }

    /// When firewalld runs, its nftables table is named as firewalld's runtime.
    #[test]
    fn firewalld_runtime_is_named() {
        let json = r#"{"nftables":[{"chain":{"family":"inet","table":"firewalld","name":"filter_INPUT","hook":"input","prio":10,"policy":"accept"}},{"rule":{"family":"inet","table":"firewalld","chain":"filter_INPUT","expr":[{"reject":null}]}}]}"#;
        let dir = tempfile::tempdir().unwrap();
        let root = Root::image(dir.path()).unwrap();
        let probe =
            FakeProbe::new("6.1.0", "h").with_tool("nft -j list ruleset", "/usr/sbin/nft", json);
        let procs = ProcessFacts::Listed(vec![crate::probe::Process {
            pid: 700,
            comm: b"firewalld".to_vec(),
        }]);
        let side = gather_now(&root, &probe, &procs);
        let rs = sources(&side)
            .iter()
            .find(|s| s.name.starts_with("firewalld runtime"))
            .and_then(|s| s.ruleset.as_ref().ok())
            .expect("firewalld source");
        let a = evaluate(rs, Family::V4, 22);
        assert_eq!(a.verdict, Verdict::Blocked);
        assert!(a.blocked_by[0].firewall.contains("firewalld"));
    }

    /// Files an include glob matches may hold 64 MiB together: three of 30 MB are refused
    /// with the limit named, before any of them is parsed.
    #[test]
    fn nftables_included_bytes_are_capped() {
        let big = format!("#{}\n", "x".repeat(30 << 20));
        let (_d, root) = crate::testutil::image(&[
            ("/etc/nftables.conf", "include \"/etc/nftables.d/*.nft\"\n"),
            ("/etc/nftables.d/a.nft", &big),
            ("/etc/nftables.d/b.nft", &big),
            ("/etc/nftables.d/c.nft", &big),
        ]);
        let e = nftables_conf(&root).ruleset.unwrap_err();
        assert!(e.contains("more than 64 MiB together"), "{e}");
    }

    /// Only profiles NetworkManager loads bind an interface to a firewalld zone: not one it
    /// ignores for its mode, one a /run profile of the same uuid shadows, or one a tombstone
    /// hides.
    #[test]
    fn zones_of_networkmanager_profiles_it_loads() {
        let dir = tempfile::tempdir().unwrap();
        crate::testutil::nm_profiles_not_loaded(dir.path(), &|name, uuid| {
            format!(
                "[connection]\nid={name}\ntype=ethernet\ninterface-name={name}\nuuid={uuid}\nzone=trusted\n"
            )
        });
        let root = Root::image(dir.path()).unwrap();
        let cfg = firewalld_config(&root, &crate::facts::nm_profiles::gather(&root)).unwrap();
        let bound: Vec<(&str, &str)> = cfg
            .interface_zones
            .iter()
            .map(|(i, z, _)| (i.as_str(), z.as_str()))
            .collect();
        assert_eq!(bound, [("loaded", "trusted")]);
    }
}
