//! Questions asked of a matrix: is this distribution and version listed for the scenario, and
//! does a kernel satisfy the row's kernel rules.

use regex::Regex;

use super::LoadedMatrix;
use super::model::{AgentRules, Confidence, Enforcement, KernelRule, Limits, OsEntry, Policy};
use crate::parse::version;
use crate::scenario::Scenario;

/// One entry of an `os.versions` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSpec {
    /// `X`: any minor of major X.
    Major(u32),
    /// `X.Y` exactly (minor compared as written: `14.04` is not `14.4`).
    Exact(String),
    /// `X.A..X.B`: minors A to B of major X.
    Range(u32, u32, u32),
}

impl VersionSpec {
    pub fn parse(s: &str) -> Option<VersionSpec> {
        if let Some((a, b)) = s.split_once("..") {
            let (ma, mi_a) = split_num(a)?;
            let (mb, mi_b) = split_num(b)?;
            return (ma == mb && mi_a <= mi_b).then_some(VersionSpec::Range(ma, mi_a, mi_b));
        }
        if let Ok(m) = s.parse::<u32>() {
            return Some(VersionSpec::Major(m));
        }
        split_num(s).map(|_| VersionSpec::Exact(s.to_string()))
    }

    /// Whether an os version (`MAJOR` or `MAJOR.MINOR`) falls under this entry.
    pub fn matches(&self, v: &str) -> bool {
        match self {
            VersionSpec::Major(m) => version::major(v) == Some(*m),
            VersionSpec::Exact(e) => e == v,
            VersionSpec::Range(m, a, b) => match split_num(v) {
                Some((vm, vi)) => vm == *m && (*a..=*b).contains(&vi),
                // A release without a minor (SLES 15 GA says "15") is the .0 release.
                None => v.parse::<u32>().ok() == Some(*m) && *a == 0,
            },
        }
    }
}

fn split_num(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('.')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// What the matrix says about a distribution and version in a scenario.
#[derive(Debug, Clone)]
pub enum OsVerdict<'m> {
    /// Listed: the row (and its index, for the kernel rules).
    Listed(usize, &'m OsEntry),
    /// Not in the list; the rows for the same distribution, for the message.
    NotListed(Vec<&'m OsEntry>),
    AnyAzureSupported(&'m str),
    NotCovered(&'m str),
}

impl LoadedMatrix {
    pub fn os_verdict(&self, scenario: Scenario, id: &str, ver: &str) -> OsVerdict<'_> {
        let Some(rule) = self.data.scenarios.get(scenario.as_str()) else {
            return OsVerdict::NotCovered("the matrix does not name this scenario");
        };
        match rule.policy {
            Policy::AnyAzureSupported => return OsVerdict::AnyAzureSupported(&rule.source),
            Policy::NotCovered => return OsVerdict::NotCovered(&rule.source),
            Policy::Listed => {}
        }
        let rows: Vec<(usize, &OsEntry)> = self
            .data
            .os
            .iter()
            .enumerate()
            .filter(|(_, e)| e.id == id)
            .filter(|(_, e)| {
                e.scenarios.is_empty() || e.scenarios.iter().any(|s| s == scenario.as_str())
            })
            .collect();
        for (i, row) in &rows {
            if row
                .versions
                .iter()
                .filter_map(|v| VersionSpec::parse(v))
                .any(|spec| spec.matches(ver))
            {
                return OsVerdict::Listed(*i, row);
            }
        }
        OsVerdict::NotListed(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// The limits in force for a scenario: its own table, else the matrix-wide one.
    pub fn limits_for(&self, scenario: Scenario) -> &Limits {
        self.limits_for_name(scenario.as_str())
    }

    /// Like [`LoadedMatrix::limits_for`], by scenario name.
    pub fn limits_for_name(&self, scenario: &str) -> &Limits {
        self.data
            .scenarios
            .get(scenario)
            .and_then(|r| r.limits.as_ref())
            .unwrap_or(&self.data.limits)
    }

    /// The agent installer's rules, when the matrix has them.
    pub fn agent_rules(&self) -> Option<&AgentRules> {
        self.data.agent.as_ref()
    }

    /// Whether a failed installer prerequisite fails (`enforce`) rather than warns.
    pub fn enforces_agent_prerequisites(&self) -> bool {
        self.agent_rules()
            .is_some_and(|a| a.prerequisites == Enforcement::Enforce)
    }

    /// Whether the matrix allows this architecture.
    pub fn arch_allowed(&self, arch: &str) -> bool {
        self.data.arch.is_empty() || self.data.arch.iter().any(|a| a == arch)
    }

    /// Judges a kernel against the kernel rules of row `row`.
    pub fn kernel_verdict(
        &self,
        row: usize,
        release: &str,
        flavor: Option<&str>,
    ) -> KernelVerdict<'_> {
        let entry = &self.data.os[row];
        if entry.kernels.is_empty() {
            return KernelVerdict::NoConstraint;
        }
        let mut verify = None;
        for (k, rule) in entry.kernels.iter().enumerate() {
            let pattern = self.patterns[row][k].as_ref();
            if rule_matches(rule, pattern, release, flavor) {
                match rule.confidence {
                    Confidence::Exact => return KernelVerdict::Supported(rule),
                    Confidence::Verify => verify = verify.or(Some(rule)),
                }
            }
        }
        match verify {
            Some(rule) => KernelVerdict::Verify(rule),
            None => KernelVerdict::Unsupported(&entry.kernels),
        }
    }
}

fn rule_matches(
    rule: &KernelRule,
    pattern: Option<&Regex>,
    release: &str,
    flavor: Option<&str>,
) -> bool {
    if let Some(f) = &rule.flavor {
        if flavor != Some(f.as_str()) {
            return false;
        }
    }
    if let Some(re) = pattern {
        let Some(caps) = re.captures(release) else {
            return false;
        };
        if let Some(build) = caps
            .name("build")
            .and_then(|m| m.as_str().parse::<u64>().ok())
        {
            if rule.build_min.is_some_and(|min| build < min)
                || rule.build_max.is_some_and(|max| build > max)
                || rule.exclude_builds.contains(&build)
            {
                return false;
            }
        } else if rule.build_min.is_some() || rule.build_max.is_some() {
            return false;
        }
    }
    if let Some(min) = &rule.min_version {
        if version::compare(release, min) == std::cmp::Ordering::Less {
            return false;
        }
    }
    true
}

#[derive(Debug, Clone)]
pub enum KernelVerdict<'m> {
    NoConstraint,
    Supported(&'m KernelRule),
    /// The series matches but exact builds are only listed in the source tables.
    Verify(&'m KernelRule),
    Unsupported(&'m [KernelRule]),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::load;

    /// Version entries: exact, major-only, ranges, and GA releases without a minor.
    #[test]
    fn version_specs() {
        let r = VersionSpec::parse("6.1..6.10").unwrap();
        assert!(r.matches("6.10") && r.matches("6.1") && !r.matches("6.11") && !r.matches("7.1"));
        assert!(VersionSpec::parse("8").unwrap().matches("8.11"));
        assert!(VersionSpec::parse("14.04").unwrap().matches("14.04"));
        assert!(!VersionSpec::parse("14.04").unwrap().matches("14.4"));
        assert!(VersionSpec::parse("15.0..15.7").unwrap().matches("15"));
        assert!(VersionSpec::parse("6.x").is_none());
        assert!(VersionSpec::parse("6.5..7.1").is_none());
    }

    /// Scenario limit tables replace the matrix-wide table: Hyper-V gets its 16 disks, the
    /// customer-site scenario no limits at all, VMware the matrix-wide ones.
    #[test]
    fn scenario_limits_replace_the_default() {
        let old = load("asr-2016").unwrap();
        assert_eq!(
            old.limits_for(Scenario::VmwareToAzure).disk_max_gib,
            Some(1023)
        );
        assert_eq!(old.limits_for(Scenario::VmwareToAzure).disk_count_max, None);
        assert_eq!(
            old.limits_for(Scenario::HypervVmmToAzure).disk_count_max,
            Some(16)
        );
        assert_eq!(old.limits_for(Scenario::HypervVmmToSite).disk_max_gib, None);
        assert_eq!(old.limits_for(Scenario::AzureToAzure).disk_max_gib, None);
        let new = load("asr-2026").unwrap();
        assert_eq!(
            new.limits_for(Scenario::HypervToAzure).data_disk_count_max,
            Some(16)
        );
        assert_eq!(
            new.limits_for(Scenario::HypervToAzure).os_disk_max_gib_uefi,
            Some(300)
        );
        assert_eq!(
            new.limits_for(Scenario::AzureToAzure).os_disk_max_gib_bios,
            Some(4095)
        );
        assert_eq!(
            new.limits_for(Scenario::VmwareToAzure).disk_max_gib,
            Some(32767)
        );
    }

    /// The installer's prerequisites are enforced by asr-2026 and advisory in asr-2016.
    #[test]
    fn agent_enforcement_flag() {
        assert!(load("asr-2026").unwrap().enforces_agent_prerequisites());
        let old = load("asr-2016").unwrap();
        assert!(!old.enforces_agent_prerequisites());
        assert_eq!(old.agent_rules().unwrap().root_free_kib, 1_048_576);
    }

    /// The agent's RHEL 6 range and the RHEL 8.4 minimum in asr-2026.
    #[test]
    fn asr_2026_kernel_rules() {
        let m = load("asr-2026").unwrap();
        let OsVerdict::Listed(row, _) = m.os_verdict(Scenario::VmwareToAzure, "centos", "6.5")
        else {
            panic!("centos 6.5 not listed")
        };
        assert!(matches!(
            m.kernel_verdict(row, "2.6.32-431.el6.x86_64", Some("rhck")),
            KernelVerdict::Supported(_)
        ));
        assert!(matches!(
            m.kernel_verdict(row, "2.6.32-755.el6.x86_64", Some("rhck")),
            KernelVerdict::Unsupported(_)
        ));
        let OsVerdict::Listed(row8, _) = m.os_verdict(Scenario::VmwareToAzure, "rhel", "8.4")
        else {
            panic!("rhel 8.4 not listed")
        };
        assert!(matches!(
            m.kernel_verdict(row8, "4.18.0-305.3.1.el8_4.x86_64", Some("rhck")),
            KernelVerdict::Unsupported(_)
        ));
        assert!(matches!(
            m.kernel_verdict(row8, "4.18.0-305.30.1.el8_4.x86_64", Some("rhck")),
            KernelVerdict::Supported(_)
        ));
        assert!(matches!(
            m.kernel_verdict(row8, "4.18.0-372.9.1.el8.x86_64", Some("rhck")),
            KernelVerdict::Supported(_)
        ));
    }
}
