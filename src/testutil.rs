//! Helpers for the unit tests: image trees built from (path, content) pairs.

use std::fs;

use crate::root::Root;

/// A temporary directory holding `files` (absolute paths inside the tree) and `links`
/// (path, target) as symbolic links.
pub fn tree_with_links(files: &[(&str, &str)], links: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path.trim_start_matches('/'));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    for (path, target) in links {
        let p = dir.path().join(path.trim_start_matches('/'));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, p).unwrap();
    }
    dir
}

/// A temporary directory holding `files`.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    tree_with_links(files, &[])
}

/// `files` as an image root; keep the directory alive as long as the root.
pub fn image(files: &[(&str, &str)]) -> (tempfile::TempDir, Root) {
    let dir = tree(files);
    let root = Root::image(dir.path()).unwrap();
    (dir, root)
}
