//! The support matrix file format (TOML or JSON). Unknown fields are refused so that a typo in
//! a user's matrix is an error that names the field, not a rule silently ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    pub name: String,
    pub description: String,
    /// Where the facts come from (document, section, date).
    pub source: String,
    /// Machine architectures supported (`uname -m` values); empty means any.
    #[serde(default)]
    pub arch: Vec<String>,
    /// How each scenario decides on the operating system.
    pub scenarios: BTreeMap<String, ScenarioRule>,
    /// Limits for the scenarios that do not set their own (`scenarios.NAME.limits`).
    #[serde(default)]
    pub limits: Limits,
    /// The Mobility agent installer's own prerequisites; absent: the `agent.*` checks skip.
    pub agent: Option<AgentRules>,
    #[serde(default)]
    pub os: Vec<OsEntry>,
    /// Outbound HTTPS endpoints the guest itself must reach.
    #[serde(default)]
    pub endpoints: Vec<EndpointEntry>,
    /// Site Recovery's service and monitoring addresses per target region, as a dated
    /// document tabled them (used by net.egress-firewall when no Service Tags file is given).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub region_ips: Vec<RegionIps>,
}

/// One row of a per-region address table.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionIps {
    /// The region as the document names it (`West Europe`).
    pub region: String,
    /// Site Recovery service addresses.
    pub service: Vec<String>,
    /// Site Recovery monitoring addresses.
    pub monitoring: Vec<String>,
    /// The document and its date.
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRule {
    pub policy: Policy,
    pub source: String,
    /// This scenario's limits; when present they replace the matrix-wide `limits` entirely
    /// (an empty table means the document sets no limit for the scenario).
    pub limits: Option<Limits>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Only the operating systems listed under `os`.
    Listed,
    /// The document defers to Azure's own list of supported guests.
    AnyAzureSupported,
    /// The document says nothing for this scenario.
    NotCovered,
}

/// Numbers the other checks compare against; absent means the matrix sets no limit.
/// Sizes are GiB (2^30 bytes), as Azure counts disk sizes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest disk; for the OS disk too unless the `os_disk_*` limits say otherwise.
    pub disk_max_gib: Option<u64>,
    /// Largest OS disk on BIOS (generation 1) machines.
    pub os_disk_max_gib_bios: Option<u64>,
    /// Largest OS disk on UEFI (generation 2) machines.
    pub os_disk_max_gib_uefi: Option<u64>,
    /// Smallest disk.
    pub disk_min_gib: Option<u64>,
    /// Most disks in all.
    pub disk_count_max: Option<u32>,
    /// Most disks besides the OS disk.
    pub data_disk_count_max: Option<u32>,
    /// Free space needed where the agent is installed (`--install-dir`).
    pub install_space_gib: Option<f64>,
    /// Fewest CPU cores the virtual machine may have (Azure-to-Azure VM sizes).
    pub vm_cores_min: Option<u32>,
    /// Least memory the virtual machine may have, in MiB.
    pub vm_memory_min_mib: Option<u64>,
    /// Where these numbers come from.
    pub source: Option<String>,
}

impl Limits {
    /// The limits in words, one per item, for `matrix` and check details.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(v) = self.disk_max_gib {
            out.push(format!("disks up to {v} GiB"));
        }
        match (self.os_disk_max_gib_bios, self.os_disk_max_gib_uefi) {
            (Some(b), Some(u)) => {
                out.push(format!("OS disk up to {b} GiB (BIOS) / {u} GiB (UEFI)"))
            }
            (Some(b), None) => out.push(format!("OS disk up to {b} GiB (BIOS)")),
            (None, Some(u)) => out.push(format!("OS disk up to {u} GiB (UEFI)")),
            (None, None) => {}
        }
        if let Some(v) = self.disk_min_gib {
            out.push(format!("disks of at least {v} GiB"));
        }
        if let Some(v) = self.disk_count_max {
            out.push(format!("at most {v} disks"));
        }
        if let Some(v) = self.data_disk_count_max {
            out.push(format!("at most {v} data disks"));
        }
        if let Some(v) = self.install_space_gib {
            out.push(format!(
                "{} MiB free for the agent's installation",
                (v * 1024.0).round()
            ));
        }
        if let Some(v) = self.vm_cores_min {
            out.push(format!("at least {v} CPU cores"));
        }
        if let Some(v) = self.vm_memory_min_mib {
            out.push(format!("at least {v} MiB of memory"));
        }
        out
    }
}

/// What the Mobility agent's installer refuses to install on (its prerequisite checks).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentRules {
    /// Whether a failed installer prerequisite fails the check or only warns.
    pub prerequisites: Enforcement,
    /// Where the rules come from.
    pub source: String,
    /// Free space the installer wants on `/`, in KiB (its `df -Pk /` comparison).
    pub root_free_kib: u64,
    /// File system types the installer accepts for `/`.
    pub root_filesystems: Vec<String>,
    /// File system types the installer accepts for `/boot`.
    pub boot_filesystems: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcement {
    /// A prerequisite the installer would refuse fails the check.
    Enforce,
    /// It is reported as a warning (the matrix predates these installer checks).
    Advise,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OsEntry {
    /// os-release ID.
    pub id: String,
    pub name: String,
    /// `X.Y` exactly, `X` for any minor of X, `X.A..X.B` for a range of minors.
    pub versions: Vec<String>,
    /// Scenarios this row is for; empty means every scenario whose policy is `listed`.
    #[serde(default)]
    pub scenarios: Vec<String>,
    pub note: Option<String>,
    /// Key of the document the row comes from (e.g. `VMW-2026`), shown by `matrix` and the report.
    pub source: Option<String>,
    /// That document's `ms.date` (YYYY-MM-DD): how current the row is.
    pub ms_date: Option<String>,
    /// Set when the document no longer lists these releases: the row then fails them, saying
    /// this (why and since when), instead of passing them.
    pub dropped: Option<String>,
    /// Kernel rules; empty means the matrix puts no constraint on the kernel.
    #[serde(default)]
    pub kernels: Vec<KernelRule>,
}

impl OsEntry {
    /// `VMW-2026, ms.date 2026-04-06` (what is known of the row's document), if anything.
    pub fn provenance(&self) -> Option<String> {
        match (&self.source, &self.ms_date) {
            (Some(s), Some(d)) => Some(format!("{s}, ms.date {d}")),
            (Some(s), None) => Some(s.clone()),
            (None, Some(d)) => Some(format!("ms.date {d}")),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelRule {
    /// Kernel flavor as the report names it (`rhck`, `uek3`, `default`, ...).
    pub flavor: Option<String>,
    /// Regular expression on the release string; may capture the build number as `build`.
    pub pattern: Option<String>,
    pub build_min: Option<u64>,
    pub build_max: Option<u64>,
    #[serde(default)]
    pub exclude_builds: Vec<u64>,
    /// Lowest release accepted (rpm-style comparison).
    pub min_version: Option<String>,
    /// Exact kernel releases the document lists (`uname -r`, without a trailing `.x86_64`);
    /// when set, a release matching `pattern` must be one of them, and one that sorts after all
    /// of them is reported as newer than the matrix (a warning), not as unsupported.
    #[serde(default)]
    pub builds: Vec<String>,
    /// Mobility service versions whose tables the rule comes from (e.g. `9.62-9.66`).
    pub agent: Option<String>,
    pub description: String,
    #[serde(default)]
    pub confidence: Confidence,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// A match means supported.
    #[default]
    Exact,
    /// A match means the series is supported but the exact build must be verified.
    Verify,
}

/// An outbound endpoint, as the source document lists it, and the host name that is tried.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointEntry {
    /// As the document writes it, e.g. `*.blob.core.windows.net`.
    pub url: String,
    /// The host tried: the URL itself, or a representative name for a wildcard entry.
    pub host: String,
    #[serde(default = "https_port")]
    pub port: u16,
    pub purpose: String,
    /// Scenarios it is needed in; empty means every scenario.
    #[serde(default)]
    pub scenarios: Vec<String>,
    /// Organisations expected to issue the server's certificate (the `O` of the issuer); a
    /// trusted certificate from anyone else suggests TLS interception. Empty: any trusted issuer.
    #[serde(default)]
    pub issuers: Vec<String>,
    /// `storage`: the cache storage account, replaced by `--storage-account NAME`.
    pub role: Option<String>,
    /// Needed only in some setups (a failure then warns): the condition in words.
    pub only_when: Option<String>,
}

fn https_port() -> u16 {
    443
}

impl EndpointEntry {
    /// Whether the host tried stands in for a wildcard entry.
    pub fn is_representative(&self) -> bool {
        self.url.contains('*')
    }

    pub fn applies_to(&self, scenario: &str) -> bool {
        self.scenarios.is_empty() || self.scenarios.iter().any(|s| s == scenario)
    }
}
