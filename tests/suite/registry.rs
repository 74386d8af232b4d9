//! Meta-tests of the check registry: every check has an `explain` page with a source and lists
//! its finding codes.

use crate::common::{repo, run};

fn ids() -> Vec<String> {
    run(["list", "--format", "json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every check's explain page states the requirement, the reason, the fix and the source.
#[test]
fn every_check_is_explained() {
    for id in ids() {
        let r = run(["explain", &id]);
        assert_eq!(r.code, 0, "{id}");
        for part in ["What it checks", "Why", "How to fix", "Source"] {
            assert!(r.stdout.contains(part), "{id}: no {part}");
        }
    }
}

/// Every check lists its finding codes, each `CHECK/CODE`, unique, with the statuses it can
/// carry. That each code is really produced is proven per check and status by the coverage
/// table of the library's tests (src/checks/coverage), which runs every check's real evaluation.
#[test]
fn every_check_lists_its_codes() {
    let list = run(["list", "--format", "json"]).json();
    let mut seen = std::collections::BTreeSet::new();
    for c in list.as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        let codes = c["codes"].as_array().unwrap();
        assert!(!codes.is_empty(), "{id}: no finding codes");
        for code in codes {
            let name = code["code"].as_str().unwrap();
            assert!(
                name.starts_with(&format!("{id}/")),
                "{name} is not under {id}"
            );
            assert!(seen.insert(name.to_string()), "{name} listed twice");
            assert!(
                !code["statuses"].as_array().unwrap().is_empty(),
                "{name}: no status"
            );
        }
    }
}

/// The `Prevents` part of a check's explain page.
fn prevents_of(id: &str) -> Option<String> {
    let r = run(["explain", id]);
    let mut lines = r.stdout.lines();
    lines.find(|l| *l == "Prevents")?;
    lines.next().map(|l| l.trim().to_string())
}

/// Site Recovery error codes of reference/asr-errors.md sections 1a-1d (guest-caused failures)
/// and the installer exit codes it names.
const DOCUMENTED_CODES: &[&str] = &[
    "95108", "95117", "97118", "95519", "95520", "95524", "95572", "95573", "95309", "95313",
    "95310", "95311", "95320", "151126", "151124", "151111", "151137", "95265", "95266", "151083",
    "151066", "151037", "151072", "151195", "151196", "151197", "151076", "150066", "151099",
    "151095", "151081", "150172", "28109", "150039", "153039", "78186", "78028", "78174", "78169",
    "78188", "153007", "78144", "153006", "170010", "95226", "78093", "162", "164", "208",
    // RecordOP 118 (BiosId mismatch of a cloned agent), section 1c.
    "118",
];

/// The list above is the reference's own: every code in it occurs in sections 1a-1d of
/// asr-errors.md (read from ../shared beside the checkout, where CI puts it).
#[test]
fn documented_codes_are_in_the_reference() {
    let path = repo().join("../shared/reference/asr-errors.md");
    let Ok(doc) = std::fs::read_to_string(&path) else {
        panic!("{} is needed beside the checkout", path.display());
    };
    let start = doc.find("## 1.").expect("section 1");
    let end = doc.find("## 2.").expect("section 2");
    let section: Vec<&str> = doc[start..end]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|n| !n.is_empty())
        .collect();
    for code in DOCUMENTED_CODES {
        assert!(
            section.contains(code),
            "{code} is not in asr-errors.md 1a-1d"
        );
    }
}

/// Every check names the Site Recovery error codes or installer errors it prevents, and every
/// number among them is one the error reference documents, so that no code is invented.
#[test]
fn every_check_names_documented_codes() {
    for id in ids() {
        let prevents = prevents_of(&id).unwrap_or_else(|| panic!("{id}: explain has no Prevents"));
        assert!(!prevents.is_empty(), "{id}: empty Prevents");
        for n in prevents
            .split(|c: char| !c.is_ascii_alphanumeric())
            // Whole numbers only: a named code such as ACS50008 is a string, not a number.
            .filter(|n| n.len() >= 3 && n.chars().all(|c| c.is_ascii_digit()))
        {
            assert!(
                DOCUMENTED_CODES.contains(&n),
                "{id}: code {n} is not in asr-errors.md"
            );
        }
    }
}
