//! Trust store: the root certificates the Site Recovery and Azure endpoints chain to are in
//! the store the distribution's TLS libraries use (a PEM bundle, and on SUSE the hashed
//! directory OpenSSL looks roots up in).

use super::{Applies, CheckDef, Code, Context, Doc, Finding, Status};
use crate::facts::FactError;
use crate::facts::roots::{Family, KnownRoot, ROOTS, RootRole, Store, StoreKind};

pub const CHECKS: &[CheckDef] = &[CheckDef {
    id: "trust.root-cas",
    title: "Root certificates of the Azure endpoints are trusted",
    applies: Applies::MOBILITY_AGENT,
    live_only: false,
    online_only: false,
    doc: Doc {
        requirement: "The system's certificate store must hold the roots that the Site Recovery, Entra ID, storage and Service Bus endpoints chain to: DigiCert Global Root G2 (Azure's current root) and DigiCert Global Root CA. The troubleshooting text for error 151066 also names Baltimore CyberTrust Root and VeriSign Class 3 Public Primary Certification Authority - G5; both are retired (Baltimore expired on 2025-05-12, VeriSign G5 was removed from the public stores) and are reported but not required. RHEL-family systems keep the roots in /etc/pki/tls/certs/ca-bundle.crt, Debian and Ubuntu in /etc/ssl/certs/ca-certificates.crt, SUSE in /etc/ssl/ca-bundle.pem and in OpenSSL's hashed directory /etc/ssl/certs, where each root needs its <subject-hash>.0 link.",
        why: "The agent and the Site Recovery extension talk to Azure over HTTPS only; when the root of an endpoint's chain is missing every connection fails certificate verification and enabling replication stops with 151066 (Site Recovery configuration failed), or registration fails with curl error 60 (peer certificate cannot be authenticated).",
        fix: "Update the distribution's CA package and regenerate the store: `yum update ca-certificates && update-ca-trust` (RHEL family; RHEL 6 without update-ca-trust: `yum update ca-certificates`), `apt-get install --reinstall ca-certificates && update-ca-certificates` (Debian, Ubuntu), `zypper update ca-certificates-mozilla && update-ca-certificates` (SUSE; on SLES 11 also `c_rehash /etc/ssl/certs` to recreate the hash links).",
        reference: "reference/asr-errors.md section 1b (151066: trusted roots missing; SUSE needs hash links) and section 3 (CA trust store roots); Azure TLS certificate changes (Azure endpoints chain to DigiCert Global Root G2)",
        prevents: &[
            "151066 (Site Recovery configuration failed)",
            "registration: (60) Peer certificate cannot be authenticated",
        ],
    },
    codes: &[
        Code::fail(
            "store-missing",
            "the certificate store the distribution's TLS libraries read is not there",
        ),
        Code::error("cannot-read", "no certificate store could be read"),
        Code::fail(
            "no-bundle",
            "no certificate bundle was found in any of the known places",
        ),
        Code::fail(
            "root-missing",
            "a root the Azure endpoints chain to is not in the store",
        ),
        Code::fail("root-expired", "a required root in the store has expired"),
    ],
    run: check_roots,
}];

fn present<'a>(store: &'a Store, root: &KnownRoot) -> Option<&'a crate::parse::certs::CertInfo> {
    store.certs.as_ref()?.iter().find(|c| root.matches(c))
}

/// The command that restores the roots on this family (the family table's).
fn remediation(family: Family) -> &'static str {
    family.conventions(None).map_or(
        "update the distribution's ca-certificates package and regenerate its bundle",
        |c| c.ca_restore,
    )
}

fn date(secs: u64) -> String {
    // Days since the epoch to a civil date (proleptic Gregorian), for expiry messages.
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn check_roots(ctx: &Context<'_>) -> Result<Finding, FactError> {
    let t = ctx.facts.ca_roots();
    let mut a = RootAudit::default();
    for store in &t.stores {
        a.store(store, t.now);
    }
    let fix = remediation(t.family);
    if !a.missing_stores.is_empty() {
        let f = Finding::fail(format!(
            "the distribution's certificate store is missing: {}",
            a.missing_stores.join(", ")
        ))
        .code("store-missing");
        return Ok(a
            .also(f, true)
            .details(a.details)
            .details(a.errors)
            .fix(fix));
    }
    if !a.read_any {
        if !a.errors.is_empty() {
            return Ok(Finding::error("could not read the certificate store")
                .code("cannot-read")
                .details(a.errors));
        }
        return Ok(Finding::fail(format!(
            "no certificate bundle found (looked for {}, {} and {})",
            crate::facts::roots::RHEL_BUNDLE,
            crate::facts::roots::DEBIAN_BUNDLE,
            crate::facts::roots::SUSE_BUNDLE
        ))
        .code("no-bundle")
        .fix(fix));
    }
    if !a.missing_roots.is_empty() {
        let f = Finding::fail(a.missing_line()).code("root-missing");
        return Ok(a
            .also(f, false)
            .details(a.details)
            .details(a.errors)
            .fix(fix));
    }
    if !a.expired.is_empty() {
        return Ok(Finding::fail(a.expired_line())
            .code("root-expired")
            .details(a.details)
            .fix(fix));
    }
    // Some certificates may not have parsed: the required ones did, so this is only noted.
    Ok(
        Finding::pass("DigiCert Global Root G2 and DigiCert Global Root CA are trusted")
            .details(a.details)
            .details(a.errors),
    )
}

/// What the stores say about the known roots, gathered store by store.
#[derive(Default)]
struct RootAudit {
    details: Vec<String>,
    errors: Vec<String>,
    missing_stores: Vec<String>,
    missing_roots: Vec<String>,
    expired: Vec<String>,
    read_any: bool,
}

impl RootAudit {
    fn store(&mut self, store: &Store, now: u64) {
        self.errors
            .extend(store.errors.iter().map(|e| format!("could not use: {e}")));
        let Some(certs) = &store.certs else {
            // A store that is there but cannot be read is not missing: its error says why.
            if store.required && store.errors.is_empty() {
                self.missing_stores.push(store.path.clone());
            }
            return;
        };
        self.read_any = true;
        self.details.push(match store.kind {
            StoreKind::Bundle => format!("{}: {} certificates", store.path, certs.len()),
            StoreKind::HashDir => format!(
                "{}: hash links of the known roots: {}",
                store.path,
                if store.links.is_empty() {
                    "none".to_string()
                } else {
                    store.links.join(", ")
                }
            ),
        });
        for root in ROOTS {
            self.root(store, root, now);
        }
    }

    /// One known root in one readable store: a detail line, and a problem when a current root
    /// is missing or expired.
    fn root(&mut self, store: &Store, root: &KnownRoot, now: u64) {
        let line = match (present(store, root), root.role) {
            (Some(c), RootRole::Current) => {
                if c.not_after < now {
                    self.expired.push(format!(
                        "{} in {} (expired {})",
                        root.common_name,
                        store.path,
                        date(c.not_after)
                    ));
                }
                format!(
                    "  {}: present (valid until {})",
                    root.common_name,
                    date(c.not_after)
                )
            }
            (None, RootRole::Current) => {
                let where_ = match store.kind {
                    StoreKind::Bundle => store.path.clone(),
                    StoreKind::HashDir => format!("{}/{}.0", store.path, root.subject_hash),
                };
                self.missing_roots
                    .push(format!("{} (missing from {where_})", root.common_name));
                format!("  {}: MISSING ({})", root.common_name, root.note)
            }
            (Some(c), RootRole::Retired) => format!(
                "  {}: present, not required (retired; valid until {}): {}",
                root.common_name,
                date(c.not_after),
                root.note
            ),
            (None, RootRole::Retired) => format!(
                "  {}: absent, not required: {}",
                root.common_name, root.note
            ),
        };
        self.details.push(line);
    }

    fn missing_line(&self) -> String {
        format!(
            "roots the Azure endpoints chain to are not trusted: {}",
            self.missing_roots.join("; ")
        )
    }

    fn expired_line(&self) -> String {
        format!("trusted roots have expired: {}", self.expired.join("; "))
    }

    /// The problems after the one the summary states, each on its own line.
    fn also(&self, f: Finding, missing: bool) -> Finding {
        let f = if missing && !self.missing_roots.is_empty() {
            f.problem(Status::Fail, "root-missing", self.missing_line())
        } else {
            f
        };
        if self.expired.is_empty() {
            f
        } else {
            f.problem(Status::Fail, "root-expired", self.expired_line())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::date;

    /// Civil dates from epoch seconds, including a leap day.
    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(2_147_169_600), "2038-01-15");
        assert_eq!(date(951_782_400), "2000-02-29");
    }
}
