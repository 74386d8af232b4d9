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

/// Writes NetworkManager profiles made by `profile(name, uuid)` into the tree at `base`: one
/// it loads (`loaded`, mode 0600 in /etc) and three it does not: `open` (mode 0644),
/// `shadowed` (in /etc, its uuid also used by a plain ethernet profile in /run, which wins)
/// and `deleted` (in /usr/lib, hidden by the tombstone /etc/.../UUID.nmmeta -> /dev/null).
/// For the readers of profiles that must follow facts/nm_profiles.rs's loading rules.
pub fn nm_profiles_not_loaded(base: &std::path::Path, profile: &dyn Fn(&str, &str) -> String) {
    use std::os::unix::fs::PermissionsExt;
    let etc = "etc/NetworkManager/system-connections";
    let uuid = |n: u32| format!("{n:08}-1111-2222-3333-444444444444");
    let write = |dir: &str, name: &str, text: &str, mode: u32| {
        let p = base.join(dir).join(format!("{name}.nmconnection"));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    };
    write(etc, "loaded", &profile("loaded", &uuid(1)), 0o600);
    write(etc, "open", &profile("open", &uuid(2)), 0o644);
    write(etc, "shadowed", &profile("shadowed", &uuid(3)), 0o600);
    write(
        "run/NetworkManager/system-connections",
        "winner",
        &format!(
            "[connection]\nid=winner\ntype=ethernet\ninterface-name=eth9\nuuid={}\n",
            uuid(3)
        ),
        0o600,
    );
    write(
        "usr/lib/NetworkManager/system-connections",
        "deleted",
        &profile("deleted", &uuid(4)),
        0o600,
    );
    std::os::unix::fs::symlink(
        "/dev/null",
        base.join(etc).join(format!("{}.nmmeta", uuid(4))),
    )
    .unwrap();
}
