//! Meta-tests of the check registry: every check has an `explain` page with a source, and every
//! check id is exercised by at least one integration test.

mod common;

use common::{repo, run};

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

/// Every check id appears, quoted, in some integration test other than this file.
#[test]
fn every_check_has_an_integration_test() {
    let mut corpus = String::new();
    for entry in std::fs::read_dir(repo().join("tests")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("registry.rs") {
            corpus.push_str(&std::fs::read_to_string(&p).unwrap());
        }
    }
    let missing: Vec<String> = ids()
        .into_iter()
        .filter(|id| {
            !corpus.contains(&format!("\"{id}\""))
                && !corpus.contains(&format!("{id},"))
                && !corpus.contains(&format!(",{id}"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "checks without an integration test: {missing:?}"
    );
}
