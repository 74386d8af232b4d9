//! Which endpoints `net.outbound` tries: from the run's options (`--endpoint`,
//! `--storage-account`, `--target-region`), the matrix's endpoint and per-region tables, and
//! the scenario. [`Request`] is given to `Facts` when it is made; the scenario is Facts' own
//! (the option, else DMI), so the plan is built once, lazily, from the run's inputs and never
//! from whichever check asks first.

use crate::facts::proxy::OutboundProxy;
use crate::matrix::LoadedMatrix;
use crate::matrix::model::{EndpointEntry, RegionIps};
use crate::outbound::{ProxyHop, Target};
use crate::scenario::Scenario;
use std::time::Duration;

/// What the run's options and matrix say about outbound tries, before the scenario is known.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The matrix's endpoints (every scenario's; filtered when the plan is made).
    pub entries: Vec<EndpointEntry>,
    /// The matrix's Site Recovery addresses per region.
    pub region_ips: Vec<RegionIps>,
    /// `--endpoint`: replaces the matrix's endpoints.
    pub endpoints: Vec<Target>,
    /// `--storage-account`: replaces the representative storage host.
    pub storage_account: Option<String>,
    /// `--target-region` (Azure-to-Azure): adds the region's addresses, TCP only.
    pub target_region: Option<String>,
    /// The one deadline for all tries together.
    pub timeout: Duration,
}

impl Request {
    pub fn new(matrix: &LoadedMatrix, options: &crate::checks::CheckOptions) -> Request {
        Request {
            entries: matrix.data.endpoints.clone(),
            region_ips: matrix.data.region_ips.clone(),
            endpoints: options.endpoints.clone(),
            storage_account: options.storage_account.clone(),
            target_region: options.target_region.clone(),
            timeout: options.timeout,
        }
    }
}

/// An endpoint to try and what the matrix says about it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub target: Target,
    pub entry: Option<EndpointEntry>,
    pub representative: bool,
    /// What a TCP-only address stands for (the matrix's per-region table).
    pub label: Option<String>,
}

impl Planned {
    fn plain(target: Target, entry: Option<&EndpointEntry>) -> Planned {
        Planned {
            target,
            entry: entry.cloned(),
            representative: false,
            label: None,
        }
    }
}

/// The endpoints to try for `scenario`, in the order their outcomes come back.
pub fn plan(req: &Request, scenario: Scenario) -> Vec<Planned> {
    let storage_entry = req
        .entries
        .iter()
        .find(|e| e.role.as_deref() == Some("storage"));
    let mut account = req.storage_account.as_ref().map(|name| Target {
        host: format!("{name}.blob.core.windows.net"),
        port: 443,
        tcp_only: false,
    });
    if !req.endpoints.is_empty() {
        let mut out: Vec<Planned> = req
            .endpoints
            .iter()
            .map(|t| Planned::plain(t.clone(), None))
            .collect();
        out.extend(account.map(|t| Planned::plain(t, storage_entry)));
        return out;
    }
    let mut out = Vec::new();
    for e in req
        .entries
        .iter()
        .filter(|e| e.applies_to(scenario.as_str()))
    {
        if e.role.as_deref() == Some("storage")
            && let Some(t) = account.take()
        {
            out.push(Planned::plain(t, Some(e)));
            continue;
        }
        out.push(Planned {
            representative: e.is_representative(),
            ..Planned::plain(
                Target {
                    host: e.host.clone(),
                    port: e.port,
                    tcp_only: false,
                },
                Some(e),
            )
        });
    }
    // The scenario lists no storage endpoint, but the account was named: try it anyway.
    out.extend(account.map(|t| Planned::plain(t, storage_entry)));
    if scenario == Scenario::AzureToAzure {
        out.extend(region_addresses(req));
    }
    out
}

/// Azure-to-Azure with --target-region: the matrix's Site Recovery addresses of the region,
/// TCP only (an address has no certificate name to verify).
fn region_addresses(req: &Request) -> Vec<Planned> {
    let Some(region) = req.target_region.as_deref() else {
        return Vec::new();
    };
    let want = crate::parse::service_tags::region_key(region);
    let Some(row) = req
        .region_ips
        .iter()
        .find(|r| crate::parse::service_tags::region_key(&r.region) == want)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (what, list) in [("service", &row.service), ("monitoring", &row.monitoring)] {
        for ip in list.iter() {
            out.push(Planned {
                target: Target {
                    host: ip.clone(),
                    port: 443,
                    tcp_only: true,
                },
                entry: None,
                representative: false,
                label: Some(format!(
                    "Site Recovery {what} IP of target region {} ({})",
                    row.region, row.source
                )),
            });
        }
    }
    out
}

/// The proxy hop the tries go through, from the proxy the agent would use.
pub fn proxy_hop(choice: Option<&OutboundProxy>) -> Option<ProxyHop> {
    choice.map(|p| ProxyHop {
        host: p.url.host.clone(),
        port: p.url.effective_port(),
        shown: p.url.to_string(),
        bypass: p.bypass.clone(),
        unusable: if p.url.is_https() {
            Some(format!(
                "the proxy {} is reached over HTTPS, which Site Recovery does not support; not tried",
                p.url
            ))
        } else if p.url.scheme != "http" {
            Some(format!("the proxy {} is not an HTTP proxy; not tried", p.url))
        } else {
            None
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckOptions;
    use crate::facts::{Facts, Sources, Targets};
    use crate::scenario::ScenarioSource;

    /// The plan follows the scenario Facts chose from DMI (Azure here: the matrix's
    /// Azure-to-Azure endpoints and the region's addresses), not anything a caller passes.
    #[test]
    fn plan_follows_the_scenario_dmi_chose() {
        let (_d, root) = crate::testutil::image(&[(
            "/sys/class/dmi/id/chassis_asset_tag",
            &format!("{}\n", crate::facts::dmi::AZURE_ASSET_TAG),
        )]);
        let m = crate::matrix::load("asr-2016").unwrap();
        let opts = CheckOptions {
            target_region: Some("westeurope".into()),
            ..Default::default()
        };
        let req = Request::new(&m, &opts);
        let facts = Facts::with_targets(
            Sources { root, probe: None },
            Targets {
                outbound: req.clone(),
                ..Default::default()
            },
        );
        assert_eq!(
            facts.scenario(),
            (Scenario::AzureToAzure, ScenarioSource::Dmi)
        );
        let hosts = |p: &[Planned]| p.iter().map(|x| x.target.to_string()).collect::<Vec<_>>();
        let got = hosts(facts.outbound_plan());
        assert_eq!(got, hosts(&plan(&req, Scenario::AzureToAzure)));
        assert!(got.contains(&"52.166.13.64:443".to_string()), "{got:?}");
        assert_ne!(got, hosts(&plan(&req, Scenario::PhysicalToAzure)));
        // --root: nothing is tried.
        assert!(facts.outbound().is_none());
    }
}
