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
    #[serde(default)]
    pub limits: Limits,
    #[serde(default)]
    pub os: Vec<OsEntry>,
    /// Outbound HTTPS endpoints the guest itself must reach.
    #[serde(default)]
    pub endpoints: Vec<EndpointEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRule {
    pub policy: Policy,
    pub source: String,
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
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub disk_max_gib: Option<u64>,
    pub os_disk_max_gib_bios: Option<u64>,
    pub os_disk_max_gib_uefi: Option<u64>,
    pub disk_min_gib: Option<u64>,
    pub disk_count_max: Option<u32>,
    pub install_space_gib: Option<f64>,
    pub root_free_gib: Option<f64>,
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
    /// Kernel rules; empty means the matrix puts no constraint on the kernel.
    #[serde(default)]
    pub kernels: Vec<KernelRule>,
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
