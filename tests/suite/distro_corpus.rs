//! Distribution detection against real release files nobody here wrote: the python `distro`
//! project's corpus (tests/resources/distros/*), with the `distro` library itself as the oracle
//! for the families Site Recovery's matrices name. tests/deps.d/10-distro-corpus.sh fetches it.

use crate::common;
use asr_preflight::facts::os::Family;
use asr_preflight::root::Root;
use std::path::Path;
use std::process::Command;

const CORPUS: &str = "/var/cache/asr-preflight-testdata/distro-1.9.0";

/// Families we judge, as `distro` names them, mapped to our os-release IDs.
const FAMILIES: &[(&str, &str)] = &[
    ("rhel", "rhel"),
    ("centos", "centos"),
    ("oracle", "ol"),
    ("sles", "sles"),
    ("ubuntu", "ubuntu"),
    ("debian", "debian"),
    ("rocky", "rocky"),
];

/// Corpus entries where we answer differently on purpose, with the reason.
const DELIBERATE: &[(&str, &str)] = &[
    // distro reports Scientific Linux as "rhel"; Site Recovery does not support Scientific
    // Linux, so calling it RHEL would pass a machine that is not supported.
    (
        "scientific6",
        "Scientific Linux is not RHEL for Site Recovery",
    ),
    (
        "scientific7",
        "Scientific Linux is not RHEL for Site Recovery",
    ),
];

/// What the `distro` library prints for one corpus root: `prints` is Python with `d` the
/// root's `LinuxDistribution`.
fn ask_distro(root: &Path, prints: &str) -> String {
    let script = format!(
        "import sys; sys.path.insert(0, sys.argv[1] + '/src'); import distro\n\
         d = distro.LinuxDistribution(root_dir=sys.argv[2], include_lsb=False, include_uname=False, include_oslevel=False)\n{prints}"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(CORPUS)
        .arg(root)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `distro`'s answer (id, MAJOR.MINOR) for one corpus root.
fn oracle(root: &Path) -> (String, Option<String>) {
    let text = ask_distro(
        root,
        "print(d.id()); print(d.major_version()); print(d.minor_version())",
    );
    let mut lines = text.lines();
    let id = lines.next().unwrap_or("").to_string();
    let major = lines.next().unwrap_or("").to_string();
    let minor = lines.next().unwrap_or("").to_string();
    let version = match (major.is_empty(), minor.is_empty()) {
        (true, _) => None,
        (false, true) => Some(major),
        (false, false) => Some(format!("{major}.{minor}")),
    };
    (id, version)
}

/// For every corpus root of a family we judge, our id and version equal the library's (where
/// the library finds only a major, ours may add the minor from a more precise file).
#[test]
fn agrees_with_python_distro() {
    let dir = Path::new(CORPUS).join("tests/resources/distros");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run tests/install-deps.sh)", dir.display()));
    let mut compared = 0;
    for e in entries {
        let root = e.unwrap().path();
        let name = root.file_name().unwrap().to_str().unwrap().to_string();
        if DELIBERATE.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let (their_id, their_version) = oracle(&root);
        let Some((_, our_family)) = FAMILIES.iter().find(|(d, _)| *d == their_id) else {
            continue;
        };
        let (_, v) = common::check_root(&root, &["--only", "os.supported"]);
        let os = &v["system"]["os"];
        assert_eq!(os["id"], *our_family, "{name}: {os}");
        let ours = os["version"].as_str().map(str::to_string);
        match (&their_version, &ours) {
            (Some(t), Some(o)) if !t.contains('.') => {
                assert!(
                    o == t || o.starts_with(&format!("{t}.")),
                    "{name}: {t} vs {o}"
                )
            }
            _ => assert_eq!(ours, their_version, "{name}"),
        }
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} corpus roots compared");
}

/// Corpus roots whose family we know and `distro` does not, with the reason.
const FAMILY_DELIBERATE: &[(&str, &str)] = &[(
    "amazon2014",
    "no os-release; /etc/system-release says Amazon Linux, which distro does not read",
)];

/// `distro`'s id and ID_LIKE for one corpus root.
fn oracle_like(root: &Path) -> (String, String) {
    let text = ask_distro(root, "print(d.id()); print(d.like())");
    let mut lines = text.lines();
    let id = lines.next().unwrap_or("").to_string();
    let like = lines.next().unwrap_or("").to_string();
    (id, like)
}

/// The family `distro`'s id, then its ID_LIKE, names (its own spellings: `oracle`, `amzn`...).
fn expected_family(id: &str, like: &str) -> Family {
    std::iter::once(id)
        .chain(like.split_whitespace())
        .find_map(|w| match w {
            "rhel" | "centos" | "oracle" | "rocky" | "almalinux" | "fedora" | "amzn" | "amazon"
            | "cloudlinux" | "scientific" | "xenserver" => Some(Family::Rhel),
            "sles" | "suse" | "opensuse" | "opensuse-leap" => Some(Family::Suse),
            "debian" | "ubuntu" | "raspbian" | "linuxmint" | "kali" => Some(Family::Debian),
            _ => None,
        })
        .unwrap_or(Family::Other)
}

/// Every release file of the corpus goes through `facts.os().family`: the family is the one
/// `distro`'s id and ID_LIKE name, for every root (not only the families the matrices judge).
#[test]
fn every_corpus_root_lands_in_its_family() {
    let dir = Path::new(CORPUS).join("tests/resources/distros");
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run tests/install-deps.sh)", dir.display()));
    let mut counts = [0usize; 4];
    let mut wrong = Vec::new();
    for e in entries {
        let root = e.unwrap().path();
        let name = root.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("__") {
            continue;
        }
        let (id, like) = oracle_like(&root);
        let ours = asr_preflight::facts::os::gather(&Root::image(&root).unwrap());
        counts[ours.family as usize] += 1;
        if let Some((_, why)) = FAMILY_DELIBERATE.iter().find(|(n, _)| *n == name) {
            assert_eq!(ours.family, Family::Rhel, "{name}: {why}");
            continue;
        }
        if ours.family != expected_family(&id, &like) {
            wrong.push(format!(
                "{name}: distro says '{id}' like '{like}'; we read {:?} like {:?}: {:?}",
                ours.id, ours.id_like, ours.family
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // Every family is represented in the corpus.
    assert!(counts.iter().all(|n| *n > 0), "{counts:?}");
}
