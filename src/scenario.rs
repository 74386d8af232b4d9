//! The Site Recovery scenarios, and how the one in force was chosen.

use crate::facts::dmi::{DmiFacts, Platform};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    VmwareToAzure,
    PhysicalToAzure,
    HypervToAzure,
    HypervVmmToAzure,
    HypervVmmToSite,
    AzureToAzure,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::VmwareToAzure,
        Scenario::PhysicalToAzure,
        Scenario::HypervToAzure,
        Scenario::HypervVmmToAzure,
        Scenario::HypervVmmToSite,
        Scenario::AzureToAzure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::VmwareToAzure => "vmware-to-azure",
            Scenario::PhysicalToAzure => "physical-to-azure",
            Scenario::HypervToAzure => "hyperv-to-azure",
            Scenario::HypervVmmToAzure => "hyperv-vmm-to-azure",
            Scenario::HypervVmmToSite => "hyperv-vmm-to-site",
            Scenario::AzureToAzure => "azure-to-azure",
        }
    }

    pub fn parse(s: &str) -> Option<Scenario> {
        Scenario::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_hyperv(self) -> bool {
        matches!(
            self,
            Scenario::HypervToAzure | Scenario::HypervVmmToAzure | Scenario::HypervVmmToSite
        )
    }
}

/// How the scenario was chosen (the report's `scenario_source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioSource {
    Option,
    Dmi,
    Default,
}

impl ScenarioSource {
    pub fn as_str(self) -> &'static str {
        match self {
            ScenarioSource::Option => "option",
            ScenarioSource::Dmi => "dmi",
            ScenarioSource::Default => "default",
        }
    }
}

/// The scenario: the user's choice, else what DMI says the machine is, else physical.
pub fn choose(option: Option<Scenario>, dmi: &DmiFacts) -> (Scenario, ScenarioSource) {
    if let Some(s) = option {
        return (s, ScenarioSource::Option);
    }
    match dmi.platform() {
        Platform::Azure => (Scenario::AzureToAzure, ScenarioSource::Dmi),
        Platform::VMware => (Scenario::VmwareToAzure, ScenarioSource::Dmi),
        Platform::HyperV => (Scenario::HypervToAzure, ScenarioSource::Dmi),
        Platform::Other => (Scenario::PhysicalToAzure, ScenarioSource::Default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dmi(vendor: &str, product: &str, tag: &str) -> DmiFacts {
        DmiFacts {
            sys_vendor: Some(vendor.into()),
            product_name: Some(product.into()),
            chassis_asset_tag: Some(tag.into()),
            available: true,
            ..DmiFacts::default()
        }
    }

    /// Azure's asset tag wins over Hyper-V's vendor strings (Azure VMs are Hyper-V guests).
    #[test]
    fn detection() {
        let azure = dmi(
            "Microsoft Corporation",
            "Virtual Machine",
            crate::facts::dmi::AZURE_ASSET_TAG,
        );
        assert_eq!(
            choose(None, &azure),
            (Scenario::AzureToAzure, ScenarioSource::Dmi)
        );
        let hv = dmi("Microsoft Corporation", "Virtual Machine", "None");
        assert_eq!(choose(None, &hv).0, Scenario::HypervToAzure);
        let vm = dmi("VMware, Inc.", "VMware Virtual Platform", "No Asset Tag");
        assert_eq!(choose(None, &vm).0, Scenario::VmwareToAzure);
        assert_eq!(
            choose(None, &DmiFacts::default()),
            (Scenario::PhysicalToAzure, ScenarioSource::Default)
        );
        assert_eq!(
            choose(Some(Scenario::AzureToAzure), &vm),
            (Scenario::AzureToAzure, ScenarioSource::Option)
        );
        for s in Scenario::ALL {
            assert_eq!(Scenario::parse(s.as_str()), Some(s));
        }
    }
}
