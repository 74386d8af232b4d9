//! The initramfs reader against real archives: made by the system's `cpio -o -H newc` (and
//! `-H crc`), compressed by the real gzip, xz, lzma, lz4 (legacy format) and zstd programs,
//! with and without an uncompressed early-microcode archive in front; the oracle for the
//! names is `cpio -t` reading the same uncompressed archive.

use std::path::Path;

use crate::common::pipe;
use asr_preflight::initramfs::{self, Compression, InitramfsError, Limits};

/// A directory tree as an initramfs would hold it.
fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, data) in files {
        let h = dir.path().join(p);
        std::fs::create_dir_all(h.parent().unwrap()).unwrap();
        std::fs::write(h, data).unwrap();
    }
    dir
}

/// `find . | cpio -o -H FORMAT` in `dir`, as dracut and mkinitramfs run it.
fn cpio(dir: &Path, format: &str) -> Vec<u8> {
    let list = pipe(&["sh", "-c", "find . | LC_ALL=C sort"], b"", Some(dir));
    pipe(&["cpio", "-o", "-H", format, "--quiet"], &list, Some(dir))
}

/// The names `cpio -t` lists, normalised as the reader normalises them.
fn oracle(archive: &[u8]) -> Vec<String> {
    let out = pipe(&["cpio", "-t", "--quiet"], archive, None);
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.trim_start_matches("./").to_string())
        .filter(|l| !l.is_empty() && l != ".")
        .collect()
}

fn names(l: &initramfs::Listing) -> Vec<String> {
    l.entries
        .iter()
        .map(|e| String::from_utf8(e.path.clone()).unwrap())
        .collect()
}

/// The compressor command lines distributions use, and what the reader should call them.
const COMPRESSORS: &[(&[&str], Compression)] = &[
    (&["gzip", "-n", "-9"], Compression::Gzip),
    (
        &["xz", "--check=crc32", "--lzma2=dict=1MiB"],
        Compression::Xz,
    ),
    (&["xz", "--format=lzma"], Compression::Lzma),
    (&["lz4", "-l", "-9"], Compression::Lz4Legacy),
    (&["zstd", "-q", "-15"], Compression::Zstd),
];

fn main_tree() -> tempfile::TempDir {
    let rel = "usr/lib/modules/6.1.0-18-amd64/kernel/drivers";
    tree(&[
        ("init", b"#!/bin/sh\nexec /sbin/init\n"),
        (&format!("{rel}/hv/hv_vmbus.ko.xz"), &[1u8; 3000]),
        (&format!("{rel}/scsi/hv_storvsc.ko.xz"), &[2u8; 2000]),
        (&format!("{rel}/net/hyperv/hv_netvsc.ko.xz"), b"netvsc"),
        ("etc/fstab", b""),
        (
            "usr/lib/modules/6.1.0-18-amd64/modules.builtin",
            b"kernel/fs/ext4/ext4.ko\n",
        ),
    ])
}

/// Every compressor's output of the same archive lists exactly what `cpio -t` lists, in the
/// same order, and names the compression.
#[test]
fn every_compressor_matches_cpio() {
    let dir = main_tree();
    let archive = cpio(dir.path(), "newc");
    let expected = oracle(&archive);
    assert!(expected.iter().any(|n| n.ends_with("hv_vmbus.ko.xz")));
    for (cmd, comp) in COMPRESSORS {
        let img = pipe(cmd, &archive, None);
        let l = initramfs::list(&img[..], &Limits::default())
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        assert_eq!(names(&l), expected, "{cmd:?}");
        assert_eq!(l.segments.len(), 1, "{cmd:?}");
        assert_eq!(l.segments[0].compression, *comp, "{cmd:?}");
        assert_eq!(l.unpacked_bytes, archive.len() as u64, "{cmd:?}");
    }
    let l = initramfs::list(&archive[..], &Limits::default()).unwrap();
    assert_eq!(names(&l), expected);
    assert_eq!(l.segments[0].compression, Compression::None);
}

/// An uncompressed early-microcode archive in front of each compressed main archive, as dracut
/// and initramfs-tools write it: both archives are listed, the segments are told apart.
#[test]
fn early_microcode_prefix() {
    let early_dir = tree(&[
        ("kernel/x86/microcode/GenuineIntel.bin", &[0xAAu8; 5000]),
        ("kernel/x86/microcode/.enuineIntel.align.0123456789abc", b""),
    ]);
    let early = cpio(early_dir.path(), "newc");
    let dir = main_tree();
    let archive = cpio(dir.path(), "newc");
    let mut expected = oracle(&early);
    expected.extend(oracle(&archive));
    for (cmd, comp) in COMPRESSORS {
        let mut img = early.clone();
        img.extend(pipe(cmd, &archive, None));
        let l = initramfs::list(&img[..], &Limits::default())
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        assert_eq!(names(&l), expected, "{cmd:?}");
        assert_eq!(l.segments.len(), 2);
        assert_eq!(l.segments[0].compression, Compression::None);
        assert_eq!(l.segments[1].compression, *comp);
        assert_eq!(l.segments[1].offset, early.len() as u64);
        assert_eq!(l.segments[0].entries, oracle(&early).len());
    }
}

/// The checksummed "crc" variant (070702) and two uncompressed archives back to back.
#[test]
fn crc_format_and_concatenated_archives() {
    let a = tree(&[("a/one", b"1")]);
    let b = tree(&[("b/two", b"22")]);
    let crc = cpio(a.path(), "crc");
    assert!(crc.starts_with(b"070702"));
    let mut img = crc.clone();
    img.extend(cpio(b.path(), "newc"));
    let l = initramfs::list(&img[..], &Limits::default()).unwrap();
    let mut expected = oracle(&crc);
    expected.extend(oracle(&cpio(b.path(), "newc")));
    assert_eq!(names(&l), expected);
    assert_eq!(l.segments.len(), 2);
}

/// Contents larger than one lz4 legacy block (8 MiB) and than one zstd block, incompressible,
/// so that every decoder crosses its block boundaries; and a zstd image split into two frames
/// in the middle of a member.
#[test]
fn large_members_and_split_frames() {
    // A cheap deterministic pseudo-random generator: incompressible enough.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let big: Vec<u8> = (0..9 * 1024 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let dir = tree(&[("firmware/blob.bin", &big), ("after", b"x")]);
    let archive = cpio(dir.path(), "newc");
    let expected = oracle(&archive);
    for (cmd, _) in COMPRESSORS
        .iter()
        .filter(|(c, _)| c[0] == "lz4" || c[0] == "zstd" || c[0] == "gzip")
    {
        let fast: Vec<&str> = cmd
            .iter()
            .map(|a| {
                if a.starts_with("-1") || *a == "-9" {
                    "-1"
                } else {
                    a
                }
            })
            .collect();
        let img = pipe(&fast, &archive, None);
        let l = initramfs::list(&img[..], &Limits::default())
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        assert_eq!(names(&l), expected, "{cmd:?}");
    }
    let half = archive.len() / 2;
    let mut img = pipe(&["zstd", "-q", "-1"], &archive[..half], None);
    img.extend(pipe(&["zstd", "-q", "-1"], &archive[half..], None));
    let l = initramfs::list(&img[..], &Limits::default()).unwrap();
    assert_eq!(names(&l), expected);
}

/// Damaged real images fail with a reason, never a panic or a partial success: truncated
/// streams of each compressor, and an image cut inside the uncompressed early archive.
#[test]
fn damaged_images_are_errors() {
    let dir = main_tree();
    let archive = cpio(dir.path(), "newc");
    for (cmd, _) in COMPRESSORS {
        let img = pipe(cmd, &archive, None);
        let cut = &img[..img.len() * 2 / 3];
        assert!(
            initramfs::list(cut, &Limits::default()).is_err(),
            "{cmd:?}: truncated image accepted"
        );
    }
    let cut = &archive[..archive.len() / 2];
    assert!(matches!(
        initramfs::list(cut, &Limits::default()),
        Err(InitramfsError::Truncated)
    ));
    let bz = pipe(
        &[
            "sh",
            "-c",
            "command -v bzip2 >/dev/null && bzip2 -c || printf 'BZh91AY&SY'",
        ],
        &archive,
        None,
    );
    assert!(matches!(
        initramfs::list(&bz[..], &Limits::default()),
        Err(InitramfsError::Unsupported {
            format: "bzip2",
            ..
        })
    ));
}

/// The cap on unpacked bytes stops a highly compressible image early with a clear error.
#[test]
fn unpacked_size_is_capped() {
    let dir = tree(&[("zeros", &vec![0u8; 4 * 1024 * 1024])]);
    let img = pipe(&["zstd", "-q", "-19"], &cpio(dir.path(), "newc"), None);
    assert!(img.len() < 4096, "zstd made {} bytes", img.len());
    let limits = Limits {
        max_unpacked: 1024 * 1024,
        ..Limits::default()
    };
    let err = initramfs::list(&img[..], &limits).unwrap_err();
    assert!(
        matches!(err, InitramfsError::TooLarge { limit: 1048576 }),
        "{err}"
    );
    assert!(err.to_string().contains("1048576"));
}

/// Reading stops once the caller has seen enough: with every compressor's real output, the
/// listing is exactly `cpio -t`'s list up to the last Hyper-V driver, and says it stopped early.
#[test]
fn stops_after_the_drivers_with_every_compressor() {
    let dir = main_tree();
    let archive = cpio(dir.path(), "newc");
    let expected = oracle(&archive);
    let drivers = ["hv_vmbus", "hv_storvsc", "hv_netvsc"];
    let last = expected
        .iter()
        .rposition(|n| drivers.iter().any(|d| n.contains(d)))
        .unwrap();
    for (cmd, _) in COMPRESSORS {
        let img = pipe(cmd, &archive, None);
        let mut seen = 0;
        let l = initramfs::list_until(
            &img[..],
            &Limits::default(),
            &mut initramfs::Budget::unlimited(),
            &mut |e| {
                let path = String::from_utf8_lossy(&e.path);
                seen += drivers.iter().filter(|d| path.contains(*d)).count();
                seen == drivers.len()
            },
        )
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        assert!(l.stopped_early, "{cmd:?}");
        assert_eq!(names(&l), expected[..=last], "{cmd:?}");
    }
}
