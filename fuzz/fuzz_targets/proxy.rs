//! Proxy URLs (with redaction), the agent's ProxyInfo.conf, certificate bundles and names.
#![no_main]
use asr_preflight::parse::{certs, proxy_info, proxy_url, x509_name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let _ = proxy_url::parse(&s);
    let _ = proxy_url::redact(&s);
    let _ = proxy_url::parse_host_port(&s);
    let _ = proxy_info::parse(&s);
    let _ = certs::parse_pem_bundle(data);
    let _ = certs::parse_der(data);
    let _ = x509_name::issuer(data);
    let _ = x509_name::subject_and_not_after(data);
});
