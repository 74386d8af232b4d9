//! Questions asked of a matrix: is this distribution and version listed for the scenario, and
//! does a kernel satisfy the row's kernel rules.

use super::model::{AgentRules, Confidence, Enforcement, KernelRule, Limits, OsEntry, Policy};
use super::{LoadedMatrix, Pattern};
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
        for (i, row) in rows.iter().filter(|(_, r)| r.dropped.is_none()) {
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

    /// The row that says the document dropped this release, if one does.
    pub fn dropped_row<'a>(rows: &[&'a OsEntry], ver: &str) -> Option<&'a OsEntry> {
        rows.iter().copied().find(|r| {
            r.dropped.is_some()
                && r.versions
                    .iter()
                    .filter_map(|v| VersionSpec::parse(v))
                    .any(|spec| spec.matches(ver))
        })
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
        let mut newer = None;
        let bare = release.strip_suffix(".x86_64").unwrap_or(release);
        let rhck = oracle_rhck_base(bare);
        for (k, rule) in entry.kernels.iter().enumerate() {
            let pattern = &self.patterns[row][k];
            if !rule.builds.is_empty() {
                if !rule_matches(rule, pattern, release, flavor) {
                    continue;
                }
                if rule
                    .builds
                    .iter()
                    .any(|b| b == bare || rhck.as_deref() == Some(b.as_str()))
                {
                    return KernelVerdict::Supported(rule);
                }
                if let Some(newest) = newest_build(rule) {
                    let base = rhck.as_deref().unwrap_or(bare);
                    if version::compare(base, newest) == std::cmp::Ordering::Greater {
                        newer = newer.or(Some((rule, newest)));
                    }
                }
                continue;
            }
            if rule_matches(rule, pattern, release, flavor) {
                match rule.confidence {
                    Confidence::Exact => return KernelVerdict::Supported(rule),
                    Confidence::Verify => verify = verify.or(Some(rule)),
                }
            }
        }
        match (verify, newer) {
            (Some(rule), _) => KernelVerdict::Verify(rule),
            (None, Some((rule, newest))) => KernelVerdict::Newer(rule, newest),
            (None, None) => KernelVerdict::Unsupported(&entry.kernels),
        }
    }

    /// The version entries of the other rows of the same distribution and scenario that accept
    /// this kernel: a build the documents list only for other minor releases (5.14.0-362.* is
    /// listed for RHEL 9.0-9.3, not for a 9.7 image).
    pub fn releases_accepting(
        &self,
        scenario: Scenario,
        row: usize,
        release: &str,
        flavor: Option<&str>,
    ) -> Vec<&str> {
        let id = &self.data.os[row].id;
        self.data
            .os
            .iter()
            .enumerate()
            .filter(|(i, e)| *i != row && &e.id == id && e.dropped.is_none())
            .filter(|(_, e)| e.scenarios.iter().any(|s| s == scenario.as_str()))
            .filter(|(i, _)| {
                matches!(
                    self.kernel_verdict(*i, release, flavor),
                    KernelVerdict::Supported(_)
                )
            })
            .flat_map(|(_, e)| e.versions.iter().map(String::as_str))
            .collect()
    }
}

/// Oracle's rebuild of a Red Hat kernel carries an extra `.0.N` before the `.el` tag
/// (`5.14.0-427.13.1.0.1.el9_4`); the Red Hat build it is based on, for comparing with the
/// builds the documents list. None when the release has no such component.
fn oracle_rhck_base(release: &str) -> Option<String> {
    let at = release.find(".el")?;
    let (head, tail) = release.split_at(at);
    let mut parts: Vec<&str> = head.split('.').collect();
    // head is e.g. `5.14.0-427.13.1.0.1`: the last two dot parts are the `.0.N`
    if parts.len() < 6 || parts[parts.len() - 2] != "0" || !head.contains('-') {
        return None;
    }
    if !parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    parts.truncate(parts.len() - 2);
    Some(format!("{}{tail}", parts.join(".")))
}

/// The newest build a rule lists (rpm-style order).
pub fn newest_build(rule: &KernelRule) -> Option<&str> {
    rule.builds
        .iter()
        .map(String::as_str)
        .max_by(|a, b| version::compare(a, b))
}

fn rule_matches(rule: &KernelRule, pattern: &Pattern, release: &str, flavor: Option<&str>) -> bool {
    if let Some(f) = &rule.flavor {
        if flavor != Some(f.as_str()) {
            return false;
        }
    }
    // Text the pattern needs and the release lacks: no match, and nothing compiled. (A pattern
    // that does not compile is refused when a file is loaded; the built-in ones are tested.)
    if !pattern.may_match(release) {
        return false;
    }
    if let Some(re) = pattern.get() {
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
    /// The release sorts after the newest build the rule lists (named here): a kernel the
    /// document could not know yet, so a warning to check the current matrix.
    Newer(&'m KernelRule, &'m str),
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
        // HV-2026 (2026-09-11): 64 disks including the OS disk, generation 2 OS disk 4,095 GiB.
        assert_eq!(
            new.limits_for(Scenario::HypervToAzure).disk_count_max,
            Some(64)
        );
        assert_eq!(
            new.limits_for(Scenario::HypervToAzure).os_disk_max_gib_uefi,
            Some(4095)
        );
        assert_eq!(
            new.limits_for(Scenario::HypervToAzure).disk_max_gib,
            Some(32767)
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
        let OsVerdict::Listed(row, _) = m.os_verdict(Scenario::VmwareToAzure, "rhel", "6.5") else {
            panic!("rhel 6.5 not listed")
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

    fn listed(m: &LoadedMatrix, s: Scenario, id: &str, ver: &str) -> usize {
        match m.os_verdict(s, id, ver) {
            OsVerdict::Listed(row, _) => row,
            other => panic!("{id} {ver} not listed for {s:?}: {other:?}"),
        }
    }

    /// Releases match exactly: SLES "15" is GA to SP7 (15.9 is not listed), RHEL 10.1 is listed
    /// and 10.2 is not; CentOS and Rocky 8 are rows the documents dropped.
    #[test]
    fn asr_2026_releases_are_exact_and_dropped_rows_fail() {
        let m = load("asr-2026").unwrap();
        for s in [Scenario::VmwareToAzure, Scenario::AzureToAzure] {
            listed(&m, s, "sles", "15");
            listed(&m, s, "sles", "15.7");
            assert!(matches!(
                m.os_verdict(s, "sles", "15.8"),
                OsVerdict::NotListed(_)
            ));
            listed(&m, s, "rhel", "10.1");
            assert!(matches!(
                m.os_verdict(s, "rhel", "10.2"),
                OsVerdict::NotListed(_)
            ));
            listed(&m, s, "ubuntu", "24.04");
            for (id, ver) in [("centos", "7.9"), ("rocky", "8.9")] {
                let OsVerdict::NotListed(rows) = m.os_verdict(s, id, ver) else {
                    panic!("{id} {ver} still listed for {s:?}")
                };
                let gone =
                    LoadedMatrix::dropped_row(&rows, ver).expect("names the dropping document");
                assert!(gone.source.is_some() && gone.ms_date.is_some());
            }
        }
        // VMW-2026 lists OL up to 8.9 and then 9.0-9.6: 8.10 is a near miss.
        assert!(matches!(
            m.os_verdict(Scenario::VmwareToAzure, "ol", "8.10"),
            OsVerdict::NotListed(_)
        ));
        listed(&m, Scenario::AzureToAzure, "ol", "8.10");
    }

    /// A build after the newest listed one of its series is "newer", a gap inside the list is
    /// unsupported; Oracle's `.0.N` RHCK builds compare as the Red Hat build they rebuild; the
    /// stock SLES 15 SP6 kernel passes; OL 9 UEK is a warning naming both sources.
    #[test]
    fn asr_2026_newer_and_exact_builds() {
        let m = load("asr-2026").unwrap();
        let v = Scenario::VmwareToAzure;
        let u = listed(&m, v, "ubuntu", "24.04");
        assert!(matches!(
            m.kernel_verdict(u, "6.8.0-88-generic", None),
            KernelVerdict::Supported(_)
        ));
        assert!(matches!(
            m.kernel_verdict(u, "6.8.0-89-generic", None),
            KernelVerdict::Newer(_, "6.8.0-88-generic")
        ));
        // 6.8.0-37 falls between listed builds: not listed, not newer.
        assert!(matches!(
            m.kernel_verdict(u, "6.8.0-37-generic", None),
            KernelVerdict::Unsupported(_)
        ));
        let o = listed(&m, v, "ol", "9.4");
        assert!(matches!(
            m.kernel_verdict(o, "5.14.0-427.13.1.0.1.el9_4.x86_64", Some("rhck")),
            KernelVerdict::Supported(_)
        ));
        assert!(matches!(
            m.kernel_verdict(o, "5.14.0-427.37.1.0.1.el9_4.x86_64", Some("rhck")),
            KernelVerdict::Supported(_)
        ));
        assert!(matches!(
            m.kernel_verdict(o, "5.14.0-427.38.1.0.1.el9_4.x86_64", Some("rhck")),
            KernelVerdict::Newer(..)
        ));
        assert!(matches!(
            m.kernel_verdict(o, "5.14.0-570.12.1.0.1.el9_6.x86_64", Some("rhck")),
            KernelVerdict::Supported(_)
        ));
        let KernelVerdict::Verify(rule) =
            m.kernel_verdict(o, "5.15.0-209.161.7.2.el9uek.x86_64", Some("uek7"))
        else {
            panic!("OL 9 UEK7 must warn")
        };
        assert!(rule.description.contains("AGENT-2023") && rule.description.contains("VMW-2026"));
        let s = listed(&m, v, "sles", "15.6");
        assert!(matches!(
            m.kernel_verdict(s, "6.4.0-150600.23.25-default", Some("default")),
            KernelVerdict::Supported(_)
        ));
        assert!(matches!(
            m.kernel_verdict(s, "6.4.0-150600.8.52-azure", Some("azure")),
            KernelVerdict::Supported(_)
        ));
        assert!(matches!(
            m.kernel_verdict(s, "6.4.0-150600.8.53-azure", Some("azure")),
            KernelVerdict::Newer(..)
        ));
        let r = listed(&m, v, "rhel", "9.7");
        assert!(matches!(
            m.kernel_verdict(r, "5.14.0-611.5.1.el9_7.x86_64", Some("rhck")),
            KernelVerdict::Supported(_)
        ));
        // Between agent 9.60's listed 362.8.1 and 362.13.1 (VMW-2025): not accepted.
        assert!(matches!(
            m.kernel_verdict(r, "5.14.0-362.9.1.el9_3.x86_64", Some("rhck")),
            KernelVerdict::Unsupported(_)
        ));
        let r10 = listed(&m, v, "rhel", "10.1");
        assert!(matches!(
            m.kernel_verdict(r10, "6.12.0-124.8.1.el10_1.x86_64", Some("rhck")),
            KernelVerdict::Supported(_)
        ));
    }
}
