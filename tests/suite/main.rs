//! The integration tests, one test binary (`autotests = false` in Cargo.toml): each file of
//! tests/suite is a module here, so the library and its dev-dependencies are linked once instead
//! of once per file. A file of tests/suite that is not declared here, or a tests/*.rs file
//! outside it, is found by `hygiene::every_test_file_is_in_the_suite`.

mod common;
mod netns;
mod netsrv;

mod agent;
mod ansible;
mod ascii;
mod cli;
mod distro_corpus;
mod failover;
mod firewall_checks;
mod firewall_files;
mod firewall_kernel;
mod fleet;
mod hostile;
mod hosts_corpus;
mod hygiene;
mod initramfs;
mod installer;
mod man_completions;
mod mvc;
mod net_outbound;
mod net_proxy;
mod netplan_refusal;
mod network_live;
mod network_root;
mod nm_keyfile;
mod os_matrix;
mod packer;
mod regex_lite_diff;
mod registry;
mod scenario_limits;
mod services_systemd;
mod services_sysv;
mod ssh;
mod static_binary;
mod storage;
mod toml_reader;
mod vm_size;
mod vmware;
