//! Facts about the target, each subject gathered at most once and only when a selected check
//! asks for it (the ASCII scan of /usr must not run for `--only os.supported`). Checks read
//! facts; only this layer touches the [`Root`] and the [`Probe`].

pub mod arch;
pub mod asr_agent;
pub mod boot;
pub mod clock;
pub mod compute;
pub mod disk_hw;
pub mod dmi;
pub mod error;
pub mod firewall;
pub mod firmware;
pub mod grub_config;
pub mod grub_files;
pub mod hostname;
pub mod hydration;
pub mod initramfs;
pub mod kernel;
pub mod kernel_inventory;
pub mod listeners;
pub mod locale;
pub mod mounts;
pub mod names;
pub mod netplan_config;
pub mod network;
pub mod nm_meta;
pub mod nm_profiles;
pub mod os;
pub mod processes;
pub mod programs;
pub mod proxy;
pub mod roots;
pub mod routes;
pub mod runlevel;
pub mod services;
pub mod space;
pub mod sshd_ports;
pub mod storage;
pub mod teaming;
pub mod trust;
pub mod vmtools;
pub mod waagent;

use std::cell::{OnceCell, RefCell};
use std::path::{Path, PathBuf};

use crate::outbound::{Outcome, Plan};
use crate::outbound_plan::Planned;
use crate::parse::mountinfo::MountInfo;
use crate::probe::Probe;
use crate::root::Root;
use crate::scenario::{Scenario, ScenarioSource};

pub use error::{FactError, FactErrorKind, Partial};

error::partial_facts!(
    asr_agent::AgentTraces,
    boot::BootFacts,
    disk_hw::DiskHwFacts,
    dmi::DmiFacts,
    firmware::FirmwareFacts,
    grub_config::GrubFacts,
    hostname::HostnameFacts,
    hydration::HydrationFacts,
    kernel::KernelFacts,
    kernel_inventory::InstalledKernel,
    kernel_inventory::KernelInventory,
    listeners::ListenerFacts,
    locale::LocaleFacts,
    mounts::MountFacts,
    names::DeviceNames,
    names::SystemPaths,
    network::NetworkFacts,
    os::OsFacts,
    programs::ProgramFacts,
    roots::Store,
    routes::RouteFacts,
    runlevel::RunlevelFacts,
    services::InitDecision,
    services::ServiceEnablement,
    services::SystemdBoot,
    services::Runlevel,
    sshd_ports::SshdPorts,
    storage::StorageFacts,
    teaming::TeamingFacts,
    trust::TrustFacts,
    vmtools::VmToolsFacts,
    waagent::WaAgentFacts,
);

/// Where facts come from: the file view, and the running system when there is one.
pub struct Sources {
    pub root: Root,
    /// `None` in `--root` mode: nothing may be asked of the host then.
    pub probe: Option<Box<dyn Probe>>,
}

impl Sources {
    pub fn probe(&self) -> Option<&dyn Probe> {
        self.probe.as_deref()
    }

    /// Starts, all at once and in the background, the listing programs that the facts of the
    /// selected checks will read (`selected` says whether a check id runs), so that the run pays
    /// for the slowest of them rather than for their sum. Nothing happens in `--root` mode.
    /// Called before anything else of a run is read, so they run while the matrices load.
    pub fn start_live_tools(&self, selected: &dyn Fn(&str) -> bool) {
        let Some(probe) = self.probe() else {
            return;
        };
        let mut tools: Vec<(&'static str, &'static [&'static str])> = Vec::new();
        if firewall::CHECKS_READING.iter().any(|id| selected(id)) {
            tools.extend_from_slice(firewall::LIVE_TOOLS);
        }
        if clock::CHECKS_READING.iter().any(|id| selected(id)) {
            tools.extend_from_slice(clock::LIVE_TOOLS);
        }
        if !tools.is_empty() {
            probe.start_tools(&tools);
        }
    }
}

/// What a run looks at besides the fixed set, decided by its options before any fact is read
/// (so the first check to ask cannot choose it for the others).
#[derive(Debug, Clone)]
pub struct Targets {
    /// `--scan`: the paths the ASCII walk covers instead of the default set.
    pub scan: Option<Vec<PathBuf>>,
    /// `--install-dir`: where the agent will be installed, for its free space.
    pub install_dir: PathBuf,
    /// `--scenario`; without it the scenario is chosen from DMI ([`Facts::scenario`]).
    pub scenario: Option<Scenario>,
    /// What `net.outbound` may try (options and matrix tables); the plan is built from it and
    /// the scenario when first asked for.
    pub outbound: crate::outbound_plan::Request,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            scan: None,
            install_dir: PathBuf::from("/usr/local/ASR"),
            scenario: None,
            outbound: Default::default(),
        }
    }
}

/// The lazily gathered facts of one run.
pub struct Facts {
    sources: Sources,
    targets: Targets,
    os: OnceCell<os::OsFacts>,
    kernel: OnceCell<kernel::KernelFacts>,
    arch: OnceCell<arch::ArchFacts>,
    dmi: OnceCell<dmi::DmiFacts>,
    hostname: OnceCell<hostname::HostnameFacts>,
    names: OnceCell<names::NamesFacts>,
    system_paths: OnceCell<names::SystemPaths>,
    sshd_ports: OnceCell<sshd_ports::SshdPorts>,
    firewall: OnceCell<firewall::FirewallFacts>,
    listeners: OnceCell<Option<listeners::ListenerFacts>>,
    network: OnceCell<network::NetworkFacts>,
    nm_profiles: OnceCell<nm_profiles::NmProfiles>,
    hosts: OnceCell<network::HostsFacts>,
    storage: OnceCell<storage::StorageFacts>,
    mounts: OnceCell<mounts::MountFacts>,
    runtime_mounts: OnceCell<Option<Result<Vec<MountInfo>, FactError>>>,
    firmware: OnceCell<firmware::FirmwareFacts>,
    programs: OnceCell<programs::ProgramFacts>,
    locale: OnceCell<locale::LocaleFacts>,
    boot: OnceCell<boot::BootFacts>,
    runlevel: OnceCell<runlevel::RunlevelFacts>,
    root_space: OnceCell<Option<space::SpaceAt>>,
    install_space: OnceCell<Option<space::SpaceAt>>,
    vmtools: OnceCell<vmtools::VmToolsFacts>,
    proxy: OnceCell<proxy::ProxyFacts>,
    trust: OnceCell<trust::TrustFacts>,
    scenario: OnceCell<(Scenario, ScenarioSource)>,
    outbound_plan: OnceCell<Vec<Planned>>,
    outbound: OnceCell<Option<(Plan, Vec<Outcome>)>>,
    services: OnceCell<services::ServiceFacts>,
    /// A list, not a map: a run asks for a dozen name lists at most.
    service_answers: RefCell<Vec<(Vec<String>, services::ServiceEnablement)>>,
    processes: OnceCell<processes::ProcessFacts>,
    kernel_inventory: OnceCell<kernel_inventory::KernelInventory>,
    initramfs: OnceCell<Vec<initramfs::InitramfsFacts>>,
    hydration: OnceCell<hydration::HydrationFacts>,
    grub_config: OnceCell<grub_config::GrubFacts>,
    /// GRUB files, each read and parsed once for all the facts that need them.
    grub_files: grub_files::GrubFiles,
    boot_space: OnceCell<Option<space::SpaceAt>>,
    asr_agent: OnceCell<asr_agent::AgentTraces>,
    clock: OnceCell<clock::ClockFacts>,
    roots: OnceCell<roots::RootsFacts>,
    waagent: OnceCell<waagent::WaAgentFacts>,
    compute: OnceCell<compute::ComputeFacts>,
    teaming: OnceCell<teaming::TeamingFacts>,
    disk_hw: OnceCell<disk_hw::DiskHwFacts>,
    routes: OnceCell<routes::RouteFacts>,
}

impl Facts {
    /// The facts of `sources` with the default [`Targets`].
    pub fn new(sources: Sources) -> Facts {
        Facts::with_targets(sources, Targets::default())
    }

    pub fn with_targets(sources: Sources, targets: Targets) -> Facts {
        Facts {
            sources,
            targets,
            os: OnceCell::new(),
            kernel: OnceCell::new(),
            arch: OnceCell::new(),
            dmi: OnceCell::new(),
            hostname: OnceCell::new(),
            names: OnceCell::new(),
            system_paths: OnceCell::new(),
            sshd_ports: OnceCell::new(),
            firewall: OnceCell::new(),
            listeners: OnceCell::new(),
            network: OnceCell::new(),
            nm_profiles: OnceCell::new(),
            hosts: OnceCell::new(),
            storage: OnceCell::new(),
            mounts: OnceCell::new(),
            runtime_mounts: OnceCell::new(),
            firmware: OnceCell::new(),
            programs: OnceCell::new(),
            locale: OnceCell::new(),
            boot: OnceCell::new(),
            runlevel: OnceCell::new(),
            root_space: OnceCell::new(),
            install_space: OnceCell::new(),
            vmtools: OnceCell::new(),
            proxy: OnceCell::new(),
            trust: OnceCell::new(),
            scenario: OnceCell::new(),
            outbound_plan: OnceCell::new(),
            outbound: OnceCell::new(),
            services: OnceCell::new(),
            service_answers: RefCell::new(Vec::new()),
            processes: OnceCell::new(),
            kernel_inventory: OnceCell::new(),
            initramfs: OnceCell::new(),
            hydration: OnceCell::new(),
            grub_config: OnceCell::new(),
            grub_files: grub_files::GrubFiles::default(),
            boot_space: OnceCell::new(),
            asr_agent: OnceCell::new(),
            clock: OnceCell::new(),
            roots: OnceCell::new(),
            waagent: OnceCell::new(),
            compute: OnceCell::new(),
            teaming: OnceCell::new(),
            disk_hw: OnceCell::new(),
            routes: OnceCell::new(),
        }
    }

    pub fn is_live(&self) -> bool {
        self.sources.probe.is_some()
    }

    /// Where the files are read from (`/`, or the `--root` directory), for reports to name.
    /// The [`Root`] itself stays here: checks read facts, never files.
    pub fn root_base(&self) -> &Path {
        self.sources.root.base()
    }

    /// Whether `path` (under the root) is a regular file: for the few programs a rule names by
    /// absolute path instead of by name in PATH.
    pub fn is_file(&self, path: &Path) -> bool {
        programs::is_file(&self.sources.root, path)
    }

    pub fn os(&self) -> &os::OsFacts {
        self.os.get_or_init(|| os::gather(&self.sources.root))
    }

    pub fn kernel(&self) -> &kernel::KernelFacts {
        self.kernel.get_or_init(|| {
            kernel::gather(&self.sources.root, self.sources.probe(), &self.grub_files)
        })
    }

    pub fn arch(&self) -> &arch::ArchFacts {
        self.arch
            .get_or_init(|| arch::gather(&self.sources.root, self.sources.probe()))
    }

    pub fn dmi(&self) -> &dmi::DmiFacts {
        self.dmi.get_or_init(|| dmi::gather(&self.sources.root))
    }

    pub fn hostname(&self) -> &hostname::HostnameFacts {
        self.hostname
            .get_or_init(|| hostname::gather(&self.sources.root, self.sources.probe()))
    }

    /// Mount points and device names.
    pub fn names(&self) -> &names::NamesFacts {
        self.names
            .get_or_init(|| names::gather(&self.sources.root, self.runtime_mounts()))
    }

    /// The walk of the system directories (the `--scan` paths of [`Targets`] when given).
    pub fn system_paths(&self) -> &names::SystemPaths {
        self.system_paths.get_or_init(|| {
            names::gather_system_paths(
                &self.sources.root,
                self.targets.scan.as_deref(),
                self.runtime_mounts(),
            )
        })
    }

    pub fn sshd_ports(&self) -> &sshd_ports::SshdPorts {
        self.sshd_ports
            .get_or_init(|| sshd_ports::gather(&self.sources.root))
    }

    pub fn firewall(&self) -> &firewall::FirewallFacts {
        self.firewall.get_or_init(|| {
            firewall::gather_with(
                &self.sources.root,
                self.sources.probe(),
                self.services(),
                self.processes(),
                &|| self.nm_profiles(),
            )
        })
    }

    /// Listening TCP sockets; `None` in `--root` mode (an image has none).
    pub fn listeners(&self) -> Option<&listeners::ListenerFacts> {
        self.listeners
            .get_or_init(|| {
                self.sources
                    .probe
                    .as_ref()
                    .map(|_| listeners::gather(&self.sources.root))
            })
            .as_ref()
    }

    /// Default routes: the kernel's (live) or those the configuration installs at boot.
    pub fn routes(&self) -> &routes::RouteFacts {
        self.routes.get_or_init(|| {
            routes::gather_with(&self.sources.root, self.sources.probe(), &|| {
                self.nm_profiles()
            })
        })
    }

    /// The NetworkManager profiles NetworkManager would load, shared by every reader of them.
    pub fn nm_profiles(&self) -> &nm_profiles::NmProfiles {
        self.nm_profiles
            .get_or_init(|| nm_profiles::gather(&self.sources.root))
    }

    pub fn network(&self) -> &network::NetworkFacts {
        self.network.get_or_init(|| {
            network::gather_with(&self.sources.root, self.sources.probe(), &|| {
                self.nm_profiles()
            })
        })
    }

    pub fn hosts(&self) -> &network::HostsFacts {
        self.hosts
            .get_or_init(|| network::gather_hosts(&self.sources.root))
    }

    pub fn storage(&self) -> &storage::StorageFacts {
        self.storage
            .get_or_init(|| storage::gather(&self.sources.root))
    }

    pub fn mounts(&self) -> &mounts::MountFacts {
        self.mounts
            .get_or_init(|| mounts::gather(&self.sources.root, self.runtime_mounts()))
    }

    /// /proc/self/mountinfo, read and parsed once for the mounts, names and scan facts.
    fn runtime_mounts(&self) -> Option<&Result<Vec<MountInfo>, FactError>> {
        self.runtime_mounts
            .get_or_init(|| mounts::read_runtime(&self.sources.root))
            .as_ref()
    }

    pub fn firmware(&self) -> &firmware::FirmwareFacts {
        self.firmware
            .get_or_init(|| firmware::gather(&self.sources.root))
    }

    pub fn programs(&self) -> &programs::ProgramFacts {
        self.programs
            .get_or_init(|| programs::gather(&self.sources.root))
    }

    pub fn locale(&self) -> &locale::LocaleFacts {
        self.locale
            .get_or_init(|| locale::gather(&self.sources.root))
    }

    pub fn boot(&self) -> &boot::BootFacts {
        self.boot
            .get_or_init(|| boot::gather(&self.sources.root, &self.grub_files))
    }

    pub fn runlevel(&self) -> &runlevel::RunlevelFacts {
        self.runlevel.get_or_init(|| {
            runlevel::gather(
                &self.sources.root,
                self.programs().path("systemctl"),
                self.services(),
            )
        })
    }

    /// Free space of the root file system (running system only).
    pub fn root_space(&self) -> Option<&space::SpaceAt> {
        self.root_space
            .get_or_init(|| self.measure(Path::new("/")))
            .as_ref()
    }

    /// Free space of the file system holding /boot (running system only).
    pub fn boot_space(&self) -> Option<&space::SpaceAt> {
        self.boot_space
            .get_or_init(|| self.measure(Path::new("/boot")))
            .as_ref()
    }

    /// Free space where the agent will be installed ([`Targets::install_dir`]; running
    /// system only).
    pub fn install_space(&self) -> Option<&space::SpaceAt> {
        self.install_space
            .get_or_init(|| self.measure(&self.targets.install_dir))
            .as_ref()
    }

    fn measure(&self, dir: &Path) -> Option<space::SpaceAt> {
        let probe = self.sources.probe()?;
        Some(space::measure(
            &self.sources.root,
            probe,
            self.mounts(),
            dir,
        ))
    }

    pub fn vmtools(&self) -> &vmtools::VmToolsFacts {
        self.vmtools
            .get_or_init(|| vmtools::gather(&self.sources.root, self.programs().path("vmtoolsd")))
    }

    pub fn proxy(&self) -> &proxy::ProxyFacts {
        self.proxy
            .get_or_init(|| proxy::gather(&self.sources.root, self.sources.probe()))
    }

    pub fn trust(&self) -> &trust::TrustFacts {
        self.trust
            .get_or_init(|| trust::gather(&self.sources.root, self.sources.probe()))
    }

    /// What the network answered for `plan` (asked once per run); `None` without a live probe.
    /// The scenario of the run: `--scenario`, else what DMI says the machine is, and which.
    pub fn scenario(&self) -> (Scenario, ScenarioSource) {
        *self
            .scenario
            .get_or_init(|| crate::scenario::choose(self.targets.scenario, self.dmi()))
    }

    /// The endpoints `net.outbound` tries, for the run's scenario.
    pub fn outbound_plan(&self) -> &[Planned] {
        self.outbound_plan
            .get_or_init(|| crate::outbound_plan::plan(&self.targets.outbound, self.scenario().0))
    }

    /// Live only: the plan as tried (through the proxy the agent would use, verified with the
    /// machine's CA bundle) and the outcome of each of its endpoints, in plan order.
    pub fn outbound(&self) -> Option<(&Plan, &[Outcome])> {
        self.outbound
            .get_or_init(|| {
                let probe = self.sources.probe()?;
                let plan = Plan {
                    targets: self
                        .outbound_plan()
                        .iter()
                        .map(|p| p.target.clone())
                        .collect(),
                    proxy: crate::outbound_plan::proxy_hop(
                        self.proxy().outbound_choice().0.as_ref(),
                    ),
                    trust: self.trust().certs.clone(),
                    timeout: self.targets.outbound.timeout,
                };
                let outcomes = probe.outbound(&plan);
                Some((plan, outcomes))
            })
            .as_ref()
            .map(|(p, o)| (p, o.as_slice()))
    }

    /// The init system and what the boot starts (gathered once; see [`Facts::service`]).
    pub fn services(&self) -> &services::ServiceFacts {
        self.services
            .get_or_init(|| services::gather(&self.sources.root))
    }

    /// Whether the service known by any of `names` (`["sshd", "ssh"]`) starts at boot.
    /// Cached per list of names: several checks ask for the same services (`time.*` asks for
    /// each time daemon more than once), and each answer reads unit files.
    pub fn service(&self, names: &[&str]) -> services::ServiceEnablement {
        if let Some((_, e)) = self
            .service_answers
            .borrow()
            .iter()
            .find(|(k, _)| k.iter().map(String::as_str).eq(names.iter().copied()))
        {
            return e.clone();
        }
        let e = self.services().enablement(&self.sources.root, names);
        let key = names.iter().map(|n| n.to_string()).collect();
        self.service_answers.borrow_mut().push((key, e.clone()));
        e
    }

    /// The processes running now (live only; in `--root` mode they are not known).
    pub fn processes(&self) -> &processes::ProcessFacts {
        self.processes
            .get_or_init(|| processes::gather(self.sources.probe()))
    }

    /// Every installed kernel with its modules, image and initramfs.
    pub fn kernel_inventory(&self) -> &kernel_inventory::KernelInventory {
        self.kernel_inventory
            .get_or_init(|| kernel_inventory::gather(&self.sources.root))
    }

    /// What each installed kernel's initramfs holds (decompresses every image: only on demand).
    pub fn initramfs(&self) -> &[initramfs::InitramfsFacts] {
        self.initramfs
            .get_or_init(|| initramfs::gather(&self.sources.root, self.kernel_inventory()))
    }

    /// The programs failover hydration runs, and the initramfs generator's configuration.
    pub fn hydration(&self) -> &hydration::HydrationFacts {
        self.hydration
            .get_or_init(|| hydration::gather(&self.sources.root))
    }

    /// How many GRUB files this run parsed (tests: each file once, whichever facts read it).
    #[cfg(test)]
    pub fn grub_parses(&self) -> usize {
        self.grub_files.parses()
    }

    /// The GRUB configuration files, firmware, default entry and /etc/default/grub.
    pub fn grub_config(&self) -> &grub_config::GrubFacts {
        self.grub_config.get_or_init(|| {
            grub_config::gather(
                &self.sources.root,
                &self.grub_files,
                self.firmware(),
                self.mounts().fstab.as_deref(),
            )
        })
    }

    /// Traces of the Site Recovery Mobility service (a leftover or cloned agent).
    pub fn asr_agent(&self) -> &asr_agent::AgentTraces {
        self.asr_agent
            .get_or_init(|| asr_agent::gather(&self.sources.root))
    }

    /// The running system's clock discipline (live only).
    pub fn clock(&self) -> &clock::ClockFacts {
        self.clock
            .get_or_init(|| clock::gather(self.sources.probe()))
    }

    /// The known root certificates in the distribution's own stores (per family).
    pub fn ca_roots(&self) -> &roots::RootsFacts {
        self.roots
            .get_or_init(|| roots::gather(&self.sources.root, self.os().family))
    }

    /// The Azure Linux VM agent: installed, version, running now (live).
    /// CPU cores and memory of the running machine (nothing with `--root`).
    pub fn compute(&self) -> &compute::ComputeFacts {
        self.compute
            .get_or_init(|| compute::gather(&self.sources.root, self.is_live()))
    }

    pub fn waagent(&self) -> &waagent::WaAgentFacts {
        self.waagent.get_or_init(|| {
            let list = match self.processes() {
                processes::ProcessFacts::Listed(l) => Some(l.as_slice()),
                _ => None,
            };
            waagent::gather(&self.sources.root, self.sources.probe(), list)
        })
    }

    /// In-guest NIC teaming or bonding: the kernel's devices live, the configuration in an image.
    pub fn teaming(&self) -> &teaming::TeamingFacts {
        self.teaming.get_or_init(|| {
            teaming::gather_with(&self.sources.root, self.is_live(), &|| self.nm_profiles())
        })
    }

    /// Sector sizes and attachment (NVMe, iSCSI, multipath, DRBD) of the whole disks.
    pub fn disk_hw(&self) -> &disk_hw::DiskHwFacts {
        self.disk_hw
            .get_or_init(|| disk_hw::gather(&self.sources.root, self.storage()))
    }
}

#[cfg(test)]
mod tests {
    /// The checks named as readers of the live tools exist (a renamed id would silently stop
    /// starting the programs ahead).
    #[test]
    fn readers_of_live_tools_are_checks() {
        let ids: Vec<&str> = crate::checks::registry().iter().map(|d| d.id).collect();
        for id in super::firewall::CHECKS_READING
            .iter()
            .chain(super::clock::CHECKS_READING)
        {
            assert!(ids.contains(id), "{id}");
        }
    }
}
