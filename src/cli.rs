//! The command line (clap derive). Clap's types stop here: [`Cli::into_command`] turns them into
//! a plain, validated [`Command`] before any work starts, so a usage error is caught before a
//! single file is read.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::checks::{self, CheckOptions};
use crate::parse::glob::Glob;
use crate::report::Format;
use crate::scenario::Scenario;

#[derive(Debug, Parser)]
#[command(
    name = "asr-preflight",
    version,
    about = "Checks a Linux machine, or a mounted image of one, against the Azure Site Recovery prerequisites. Reads only; changes nothing.",
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Sub>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Run the checks (the default command)
    Check(Box<CheckArgs>),
    /// List every check: id, title, scenarios, live-only or not
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// What a check checks, why, the source requirement, and how to fix it
    Explain {
        /// A check id, e.g. os.supported
        check_id: String,
    },
    /// Show the support matrix in use
    #[command(after_long_help = MATRIX_FORMAT_HELP)]
    Matrix {
        /// A built-in matrix (asr-2016, asr-2026) or a TOML/JSON file
        #[arg(long, default_value = crate::matrix::DEFAULT)]
        matrix: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Multi-VM consistency: test TCP 20004 between the machines of a replication group
    Mvc {
        #[command(subcommand)]
        action: MvcAction,
    },
    /// Version, build target and commit
    Version {
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// One view of many JSON reports (files, or directories of *.json)
    Fleet {
        /// Report files or directories holding them
        #[arg(required = true, value_name = "REPORT|DIR")]
        inputs: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = FleetFormatArg::Human)]
        format: FleetFormatArg,
        /// Write the fleet report to FILE (atomically) instead of standard output
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the manual page (roff), generated from this command line definition
    Man,
    /// Print shell completions, generated from this command line definition
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum MvcAction {
    /// Accept connections on the port until the timeout, printing each peer that reached it
    Listen {
        /// TCP port to listen on
        #[arg(long, default_value_t = crate::mvc::DEFAULT_PORT, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// How long to listen, in seconds
        #[arg(long, value_name = "SECS", default_value = "60")]
        timeout: f64,
    },
    /// Connect to each peer on the port; exit 0 when every peer answered
    Probe {
        /// Peers: host names or IP addresses
        #[arg(required = true, value_name = "HOST")]
        hosts: Vec<String>,
        /// TCP port to connect to
        #[arg(long, default_value_t = crate::mvc::DEFAULT_PORT, value_parser = clap::value_parser!(u16).range(1..))]
        port: u16,
        /// How long to wait for each peer, in seconds
        #[arg(long, value_name = "SECS", default_value = "5")]
        timeout: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Junit,
    /// node_exporter textfile-collector metrics
    Prometheus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetFormatArg {
    Human,
    Json,
    Csv,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScenarioArg {
    #[value(name = "vmware-to-azure")]
    VmwareToAzure,
    #[value(name = "physical-to-azure")]
    PhysicalToAzure,
    #[value(name = "hyperv-to-azure")]
    HypervToAzure,
    #[value(name = "hyperv-vmm-to-azure")]
    HypervVmmToAzure,
    #[value(name = "hyperv-vmm-to-site")]
    HypervVmmToSite,
    #[value(name = "azure-to-azure")]
    AzureToAzure,
}

impl From<ScenarioArg> for Scenario {
    fn from(s: ScenarioArg) -> Scenario {
        match s {
            ScenarioArg::VmwareToAzure => Scenario::VmwareToAzure,
            ScenarioArg::PhysicalToAzure => Scenario::PhysicalToAzure,
            ScenarioArg::HypervToAzure => Scenario::HypervToAzure,
            ScenarioArg::HypervVmmToAzure => Scenario::HypervVmmToAzure,
            ScenarioArg::HypervVmmToSite => Scenario::HypervVmmToSite,
            ScenarioArg::AzureToAzure => Scenario::AzureToAzure,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Evaluate the root filesystem mounted at DIR instead of the running system
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// With --root: also enter file systems mounted beneath DIR (a live /proc or /sys never)
    #[arg(long, requires = "root")]
    pub cross_mounts: bool,
    /// Site Recovery scenario (default: detected from DMI, else physical-to-azure)
    #[arg(long, value_enum)]
    pub scenario: Option<ScenarioArg>,
    /// Support matrix: asr-2016 (the seed), asr-2026 (newest facts), or a TOML/JSON file
    #[arg(long, value_name = "NAME|FILE", default_value = crate::matrix::DEFAULT)]
    pub matrix: String,
    /// Report format
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to FILE (atomically) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Run only these checks (comma-separated ids)
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub only: Vec<String>,
    /// Leave out these checks (comma-separated ids)
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Warnings also make the machine not ready
    #[arg(long)]
    pub strict: bool,
    /// Multi-VM consistency is wanted: port 20004 problems fail instead of warn
    #[arg(long)]
    pub multi_vm: bool,
    /// Also run the outbound connectivity checks (no network traffic without it)
    #[arg(long)]
    pub online: bool,
    /// Path to scan for non-ASCII names; repeatable; replaces the default set
    #[arg(long, value_name = "PATH")]
    pub scan: Vec<PathBuf>,
    /// Interfaces (shell glob, e.g. 'ib*') not counted by hosts.nic-addresses; repeatable;
    /// adds to the built-in list of container and virtual-bridge interfaces
    #[arg(long, value_name = "GLOB")]
    pub ignore_interface: Vec<String>,
    /// Where the agent will be installed, for the free-space check
    #[arg(long, value_name = "DIR", default_value = "/usr/local/ASR")]
    pub install_dir: PathBuf,
    /// With --online: also try the cache storage account NAME.blob.core.windows.net
    #[arg(long, value_name = "NAME")]
    pub storage_account: Option<String>,
    /// With --online: try HOST[:PORT] (default port 443) instead of the matrix's endpoints; repeatable
    #[arg(long, value_name = "HOST[:PORT]")]
    pub endpoint: Vec<String>,
    /// With --online: one deadline in seconds for all outbound connections together
    #[arg(long, value_name = "SECS", default_value = "10")]
    pub timeout: f64,
    /// Azure's Service Tags file (ServiceTags_Public_*.json): net.egress-firewall judges
    /// address-limited outbound rules against the prefixes of the tags Site Recovery needs
    #[arg(long, value_name = "FILE")]
    pub service_tags: Option<PathBuf>,
    /// Azure region of the protected VM (azure-to-azure), e.g. westeurope: chooses the regional
    /// Storage tag
    #[arg(long, value_name = "REGION")]
    pub source_region: Option<String>,
    /// Azure region replicated to (azure-to-azure): chooses the regional Site Recovery and
    /// monitoring tags, or the matrix's table of Site Recovery addresses without --service-tags
    #[arg(long, value_name = "REGION")]
    pub target_region: Option<String>,
    /// Configuration server / replication appliance (VMware, physical) that the Mobility service
    /// connects to on TCP 443 and 9443: an address, or a name (its address is then not known)
    #[arg(long, value_name = "HOST")]
    pub appliance: Option<String>,
    /// Accepted problems (TOML [[waiver]] code, hosts, reason, expires): marked waived, they do
    /// not make the machine not ready; expired and unmatched waivers are reported
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Colour in human output (NO_COLOR is honoured unless always)
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// A validated `check` invocation.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub root: Option<PathBuf>,
    /// Enter the file systems mounted beneath `root`.
    pub cross_mounts: bool,
    pub scenario: Option<Scenario>,
    pub matrix: String,
    pub format: Format,
    pub output: Option<PathBuf>,
    /// Check ids to run, in registry order.
    pub selected: Vec<&'static str>,
    pub strict: bool,
    pub color: ColorArg,
    /// `--waivers FILE`, read when the run starts.
    pub waivers: Option<PathBuf>,
    pub options: CheckOptions,
}

/// A validated command.
#[derive(Debug, Clone)]
pub enum Command {
    Check(Box<CheckConfig>),
    List(ListFormat),
    Explain(String),
    Matrix { matrix: String, format: ListFormat },
    Version(ListFormat),
    Man,
    Completions(clap_complete::Shell),
    Fleet(crate::fleet::FleetConfig),
    MvcListen(crate::mvc::ListenConfig),
    MvcProbe(crate::mvc::ProbeConfig),
}

/// A usage error found after parsing (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

impl Cli {
    pub fn into_command(self) -> Result<Command, UsageError> {
        match self.command {
            None => self
                .check
                .into_config()
                .map(|c| Command::Check(Box::new(c))),
            Some(Sub::Check(a)) => a.into_config().map(|c| Command::Check(Box::new(c))),
            Some(Sub::List { format }) => Ok(Command::List(format)),
            Some(Sub::Explain { check_id }) => Ok(Command::Explain(check_id)),
            Some(Sub::Matrix { matrix, format }) => Ok(Command::Matrix { matrix, format }),
            Some(Sub::Version { format }) => Ok(Command::Version(format)),
            Some(Sub::Man) => Ok(Command::Man),
            Some(Sub::Fleet {
                inputs,
                format,
                output,
            }) => Ok(Command::Fleet(crate::fleet::FleetConfig {
                inputs,
                format: match format {
                    FleetFormatArg::Human => crate::fleet::FleetFormat::Human,
                    FleetFormatArg::Json => crate::fleet::FleetFormat::Json,
                    FleetFormatArg::Csv => crate::fleet::FleetFormat::Csv,
                    FleetFormatArg::Html => crate::fleet::FleetFormat::Html,
                },
                output,
            })),
            Some(Sub::Completions { shell }) => Ok(Command::Completions(shell)),
            Some(Sub::Mvc { action }) => match action {
                MvcAction::Listen { port, timeout } => {
                    Ok(Command::MvcListen(crate::mvc::ListenConfig {
                        port,
                        timeout: seconds(timeout)?,
                    }))
                }
                MvcAction::Probe {
                    hosts,
                    port,
                    timeout,
                } => Ok(Command::MvcProbe(crate::mvc::ProbeConfig {
                    hosts,
                    port,
                    timeout: seconds(timeout)?,
                })),
            },
        }
    }
}

/// A `--timeout` value: positive seconds, fractions allowed, at most a day.
fn seconds(v: f64) -> Result<std::time::Duration, UsageError> {
    if v.is_finite() && v > 0.0 && v <= 86_400.0 {
        Ok(std::time::Duration::from_secs_f64(v))
    } else {
        Err(UsageError(format!(
            "--timeout {v}: give a number of seconds above 0 and at most 86400"
        )))
    }
}

impl CheckArgs {
    /// The checks `--only` and `--skip` leave, in registry order; an unknown id is refused.
    fn selected_checks(&self) -> Result<Vec<&'static str>, UsageError> {
        let registry = checks::registry();
        for id in self.only.iter().chain(self.skip.iter()) {
            if !registry.iter().any(|c| c.id == id) {
                return Err(UsageError(format!(
                    "unknown check id '{id}' (asr-preflight list shows them all)"
                )));
            }
        }
        let selected: Vec<&'static str> = registry
            .iter()
            .map(|c| c.id)
            .filter(|id| self.only.is_empty() || self.only.iter().any(|o| o == id))
            .filter(|id| !self.skip.iter().any(|s| s == id))
            .collect();
        if selected.is_empty() {
            return Err(UsageError("--only and --skip leave no check to run".into()));
        }
        Ok(selected)
    }

    /// `--endpoint HOST[:PORT]` values as targets (port 443 unless given).
    fn endpoints(&self) -> Result<Vec<crate::outbound::Target>, UsageError> {
        self.endpoint
            .iter()
            .map(|raw| {
                crate::parse::proxy_url::parse_host_port(raw)
                    .map(|(host, port)| crate::outbound::Target {
                        host,
                        port: port.unwrap_or(443),
                        tcp_only: false,
                    })
                    .map_err(|e| UsageError(format!("--endpoint {e}; expected HOST[:PORT]")))
            })
            .collect()
    }

    /// Names given for Azure (storage account, regions, appliance) must be well-formed.
    fn check_azure_names(&self) -> Result<(), UsageError> {
        if let Some(name) = &self.storage_account
            && !valid_storage_account(name)
        {
            return Err(UsageError(format!(
                "--storage-account '{}': a storage account name is 3 to 24 lower-case letters and digits",
                crate::text::sanitize_terminal(name)
            )));
        }
        for (opt, v) in [
            ("--source-region", &self.source_region),
            ("--target-region", &self.target_region),
        ] {
            if let Some(r) = v
                && !valid_region(r)
            {
                return Err(UsageError(format!(
                    "{opt} '{}': an Azure region name is letters, digits, spaces and hyphens (westeurope, \"West Europe\")",
                    crate::text::sanitize_terminal(r)
                )));
            }
        }
        if let Some(h) = &self.appliance
            && crate::parse::proxy_url::parse_host_port(h).is_err()
        {
            return Err(UsageError(format!(
                "--appliance '{}': expected a host name or an IP address",
                crate::text::sanitize_terminal(h)
            )));
        }
        Ok(())
    }

    fn into_config(self) -> Result<CheckConfig, UsageError> {
        let selected = self.selected_checks()?;
        let ignore_interfaces = self
            .ignore_interface
            .iter()
            .map(|p| Glob::new(p).map_err(|e| UsageError(format!("--ignore-interface {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if !self.install_dir.is_absolute() {
            return Err(UsageError(format!(
                "--install-dir {}: must be an absolute path (where the agent will be installed)",
                self.install_dir.display()
            )));
        }
        let endpoints = self.endpoints()?;
        self.check_azure_names()?;
        let timeout = seconds(self.timeout)?;
        let service_tags = match &self.service_tags {
            None => None,
            Some(p) => Some(std::sync::Arc::new(read_service_tags(p)?)),
        };
        Ok(CheckConfig {
            root: self.root,
            cross_mounts: self.cross_mounts,
            scenario: self.scenario.map(Into::into),
            matrix: self.matrix,
            format: match self.format {
                FormatArg::Human => Format::Human,
                FormatArg::Json => Format::Json,
                FormatArg::Junit => Format::Junit,
                FormatArg::Prometheus => Format::Prometheus,
            },
            output: self.output,
            selected,
            strict: self.strict,
            color: self.color,
            waivers: self.waivers,
            options: CheckOptions {
                multi_vm: self.multi_vm,
                online: self.online,
                install_dir: self.install_dir,
                ignore_interfaces,
                scan: if self.scan.is_empty() {
                    None
                } else {
                    Some(self.scan)
                },
                storage_account: self.storage_account,
                endpoints,
                timeout,
                service_tags,
                source_region: self.source_region,
                target_region: self.target_region,
                appliance: self.appliance,
            },
        })
    }
}

/// Reads and parses `--service-tags FILE`; any problem is a usage error (exit 2).
fn read_service_tags(
    p: &std::path::Path,
) -> Result<crate::parse::service_tags::ServiceTags, UsageError> {
    let shown = crate::text::sanitize_terminal(&p.to_string_lossy());
    let text = std::fs::read_to_string(p)
        .map_err(|e| UsageError(format!("--service-tags {shown}: {e}")))?;
    crate::parse::service_tags::ServiceTags::parse(&text)
        .map_err(|e| UsageError(format!("--service-tags {shown}: {e}")))
}

/// Region names as Azure spells them, loosely (`westeurope`, `West Europe`, `west-europe`).
fn valid_region(r: &str) -> bool {
    (2..=64).contains(&r.len())
        && r.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
}

/// Azure's rule for storage account names.
fn valid_storage_account(name: &str) -> bool {
    (3..=24).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// The `--matrix FILE` format, for `matrix --help` (README "Matrix file format" says the same).
const MATRIX_FORMAT_HELP: &str = "\
Matrix file format (--matrix FILE; TOML, or JSON when the name ends in .json; unknown fields are errors):
  name, description, source, arch = [\"x86_64\"]
  [scenarios.NAME]  policy = listed | any-azure-supported | not-covered, source, limits = {...}
  [limits]          disk_max_gib, os_disk_max_gib_bios, os_disk_max_gib_uefi, disk_min_gib,
                    disk_count_max (including the OS disk), data_disk_count_max, install_space_gib, vm_cores_min, vm_memory_min_mib, source
  [[os]]            id (os-release ID), name, versions (\"9.4\" exact, \"9\" any 9.x, \"9.0..9.7\"),
                    scenarios, note, source (document key), ms_date (its date),
                    dropped = \"why\" (the document no longer lists these releases: they fail)
  kernels = [{...}] pattern (regex on uname -r, may capture (?P<build>N) for build_min/build_max/
                    exclude_builds), flavor, min_version (or later), builds = [exact releases
                    without .x86_64; after the newest listed one: a warning \"newer than the matrix\"],
                    agent (Mobility versions), description, confidence = exact | verify
`asr-preflight matrix --format json` prints any matrix in this format.";

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::collections::BTreeSet;

    /// Clap's own consistency rules (no clashing names, valid defaults, ...), which it only
    /// checks in debug builds and only when asked.
    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// The README's table under `heading`: the first cell of each row below the header.
    fn readme_rows(heading: &str) -> Vec<String> {
        let readme = include_str!("../README.md");
        let start = readme.find(heading).expect("heading in README");
        readme[start..]
            .lines()
            .skip(1)
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2)
            .filter_map(|l| l.split('|').nth(1).map(|c| c.trim().to_string()))
            .collect()
    }

    /// Every option of `check` is in the README's option table once, and the table names no
    /// option clap does not have.
    #[test]
    fn readme_option_table_is_clap() {
        let clap: BTreeSet<String> = Cli::command()
            .get_arguments()
            .filter_map(|a| a.get_long())
            .filter(|l| !matches!(*l, "help" | "version"))
            .map(|l| format!("--{l}"))
            .collect();
        let mut readme = Vec::new();
        for cell in readme_rows("## Options of `check`") {
            // "`--only ID,…` / `--skip ID,…`": every `--name` of the cell.
            for w in cell.split(['`', ' ', '/']) {
                if let Some(name) = w.strip_prefix("--") {
                    readme.push(format!("--{name}"));
                }
            }
        }
        let unique: BTreeSet<String> = readme.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            readme.len(),
            "an option listed twice: {readme:?}"
        );
        assert_eq!(unique, clap);
    }

    /// The README's finding-code table is exactly the registry's codes with their statuses,
    /// each once, and the table of fact codes is the run's.
    #[test]
    fn readme_code_tables_are_the_registry() {
        let readme = include_str!("../README.md");
        let start = readme.find("### Finding codes").expect("heading in README");
        let mut tables = readme[start..].split("| code | status | problem |").skip(1);
        let rows = |t: &str| -> Vec<(String, String)> {
            t.lines()
                .skip(2)
                .take_while(|l| l.starts_with('|'))
                .map(|l| {
                    let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                    (cells[1].trim_matches('`').to_string(), cells[2].to_string())
                })
                .collect()
        };
        let declared: Vec<(String, String)> = checks::registry()
            .iter()
            .flat_map(|c| {
                c.codes.iter().map(|k| {
                    let statuses: Vec<&str> = k.statuses.iter().map(|s| s.as_str()).collect();
                    (format!("{}/{}", c.id, k.name), statuses.join(", "))
                })
            })
            .collect();
        let table = rows(tables.next().expect("code table"));
        let unique: BTreeSet<&String> = table.iter().map(|r| &r.0).collect();
        assert_eq!(unique.len(), table.len(), "a code listed twice");
        assert_eq!(
            table.iter().cloned().collect::<BTreeSet<_>>(),
            declared.into_iter().collect::<BTreeSet<_>>()
        );
        let facts: BTreeSet<String> = rows(tables.next().expect("fact code table"))
            .into_iter()
            .map(|r| r.0)
            .collect();
        let run: BTreeSet<String> = checks::FACT_CODES
            .iter()
            .map(|(c, _)| format!("CHECK-ID/{c}"))
            .collect();
        assert_eq!(facts, run);
    }

    /// The README's check table lists exactly the registry's checks, each once.
    #[test]
    fn readme_check_table_is_the_registry() {
        let readme: Vec<String> = readme_rows("## What it checks")
            .into_iter()
            .map(|c| c.trim_matches('`').to_string())
            .collect();
        let unique: BTreeSet<String> = readme.iter().cloned().collect();
        assert_eq!(
            unique.len(),
            readme.len(),
            "a check listed twice: {readme:?}"
        );
        let registry: BTreeSet<String> = checks::registry()
            .iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(unique, registry);
    }
}
