//! Pure parsers: text in, types out. None of them knows where its text came from; callers add the
//! path to any error. Line numbers in errors are 1-based.

pub mod certs;
pub mod chrony;
pub mod cmdline;
pub mod dracut_conf;
pub mod efivar;
pub mod fstab;
pub mod glob;
pub mod grub;
pub mod hosts;
pub mod ifcfg;
pub mod ifupdown;
pub mod ini;
pub mod inittab;
pub mod kernel_release;
pub mod kmod;
pub mod lvm_metadata;
pub mod mountinfo;
pub mod netconf;
pub mod netplan;
pub mod nm_keyfile;
pub mod proc_net_tcp;
pub mod proxy_info;
pub mod proxy_url;
pub mod release_files;
pub mod routes;
pub mod service_tags;
pub mod shell_vars;
pub mod sshd_config;
pub mod systemd_unit;
pub mod upstart;
pub mod utmp;
pub mod version;
pub mod x509_name;
pub mod yaml;
