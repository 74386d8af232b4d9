//! Debian packages as test data: `apt-get download NAME` then `dpkg-deb -x`, once per test run
//! and cached under the target's temporary directory. The files are never committed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

static LOCK: Mutex<()> = Mutex::new(());

/// The unpacked tree of the Debian package `name` (`marker` is a file the package must hold,
/// relative to the tree, proving a complete unpack).
pub fn unpacked(name: &str, marker: &str) -> PathBuf {
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("testdata/debs");
    let cache = base.join(name);
    if cache.join(marker).exists() {
        return cache;
    }
    let work = base.join(format!("{name}.{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).unwrap();
    let out = Command::new("apt-get")
        .args(["download", name])
        .current_dir(&work)
        .output()
        .expect("apt-get runs");
    assert!(
        out.status.success(),
        "apt-get download {name} failed (run tests/install-deps.sh first): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deb = fs::read_dir(&work)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("a .deb was downloaded");
    let tree = work.join("tree");
    let st = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&tree)
        .status()
        .expect("dpkg-deb runs");
    assert!(st.success(), "dpkg-deb -x {} failed", deb.display());
    // Another test binary may have won the race; either tree is the same package.
    let _ = fs::rename(&tree, &cache);
    let _ = fs::remove_dir_all(&work);
    assert!(
        cache.join(marker).exists(),
        "{name}: {marker} not in the package"
    );
    cache
}

/// Copies a file or a whole directory tree (symbolic links kept as links).
pub fn copy_tree(src: &Path, dst: &Path) {
    let meta = fs::symlink_metadata(src).unwrap();
    if meta.file_type().is_symlink() {
        if let Some(p) = dst.parent() {
            fs::create_dir_all(p).unwrap();
        }
        let _ = fs::remove_file(dst);
        std::os::unix::fs::symlink(fs::read_link(src).unwrap(), dst).unwrap();
    } else if meta.is_dir() {
        fs::create_dir_all(dst).unwrap();
        for e in fs::read_dir(src).unwrap().flatten() {
            copy_tree(&e.path(), &dst.join(e.file_name()));
        }
    } else {
        if let Some(p) = dst.parent() {
            fs::create_dir_all(p).unwrap();
        }
        fs::copy(src, dst).unwrap();
    }
}
