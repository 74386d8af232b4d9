//! Lists the files inside an initramfs image the way the kernel unpacks it, without `lsinitrd`
//! (an offline image has none to run) and without any I/O of its own: bytes come from any
//! reader. An image is a sequence of segments: uncompressed newc cpio archives (the early
//! microcode archive usually comes first), zero padding, and compressed streams (gzip, xz,
//! legacy lzma, the kernel's legacy lz4 format, zstd) whose content is more cpio. Contents are
//! streamed past, never kept; the total unpacked size is capped so that a hostile image cannot
//! make the tool work forever.

pub mod cpio;
mod lz4_legacy;
mod peek;
mod zstd;

use std::io::{self, BufRead, Read, Write};
use std::time::{Duration, Instant};

pub use cpio::Entry;
use peek::PeekReader;

/// How a segment of the image is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Xz,
    Lzma,
    Lz4Legacy,
    Zstd,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Lzma => "lzma",
            Compression::Lz4Legacy => "lz4 (legacy)",
            Compression::Zstd => "zstd",
        }
    }
}

/// One stretch of the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Offset in the image file.
    pub offset: u64,
    pub compression: Compression,
    /// Entries listed from it.
    pub entries: usize,
}

/// Bounds on the work done for one image.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Total cpio bytes (after decompression) examined.
    pub max_unpacked: u64,
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // Distribution initramfs images unpack to tens or a few hundreds of MiB.
        Limits {
            max_unpacked: 2 << 30,
            max_entries: 1_000_000,
        }
    }
}

/// What is left of a budget shared by several images (every initramfs of a run): unpacked
/// bytes and a point in time, so that forty kernels sharing one decompression bomb cost the
/// budget once, not forty times the per-image cap.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Bytes that may still be unpacked, all images together.
    pub bytes_left: u64,
    /// The bytes the budget started with (for the message).
    pub bytes_total: u64,
    /// Decompression stops at this time.
    pub deadline: Option<Instant>,
    /// The time the budget allowed (for the message).
    pub time_total: Duration,
}

impl Budget {
    /// A budget of `bytes` unpacked bytes and `time` from now.
    pub fn new(bytes: u64, time: Duration) -> Budget {
        Budget {
            bytes_left: bytes,
            bytes_total: bytes,
            deadline: Instant::now().checked_add(time),
            time_total: time,
        }
    }

    /// No limit beyond the per-image ones.
    pub fn unlimited() -> Budget {
        Budget {
            bytes_left: u64::MAX,
            bytes_total: u64::MAX,
            deadline: None,
            time_total: Duration::MAX,
        }
    }
}

/// What the image holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub segments: Vec<Segment>,
    /// cpio bytes examined, after decompression.
    pub unpacked_bytes: u64,
    /// The caller said it had seen enough ([`list_until`]) before the image ended: the rest
    /// was neither decompressed nor checked.
    pub stopped_early: bool,
}

impl Listing {
    /// `uncompressed cpio at 0, zstd at 28672`.
    pub fn describe_segments(&self) -> String {
        self.segments
            .iter()
            .map(|s| format!("{} at byte {}", s.compression.as_str(), s.offset))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Why an image could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum InitramfsError {
    #[error("no archive in the file (empty, or zero bytes only)")]
    Empty,
    #[error(
        "byte {offset}: neither a cpio archive nor a compressed stream the kernel knows (starts {start})"
    )]
    Unrecognised { offset: u64, start: String },
    #[error("byte {offset}: {format} compression is not supported by this reader")]
    Unsupported { offset: u64, format: &'static str },
    #[error("{context}: {source}")]
    Cpio {
        context: String,
        source: cpio::CpioError,
    },
    #[error("byte {offset}: {compression} stream: {message}")]
    Decompress {
        offset: u64,
        compression: &'static str,
        message: String,
    },
    #[error("unpacks to more than {limit} bytes; not examined further")]
    TooLarge { limit: u64 },
    #[error(
        "not examined further: the run's budget of {limit} unpacked bytes for all initramfs images together is spent"
    )]
    BudgetSpent { limit: u64 },
    #[error(
        "not examined further: the run's {secs} s budget for decompressing all initramfs images is spent"
    )]
    TimeSpent { secs: u64 },
    #[error("more than {limit} entries; not examined further")]
    TooManyEntries { limit: usize },
    #[error("the image ends inside an archive member (truncated?)")]
    Truncated,
    #[error("byte {offset}: data that is not cpio inside the {compression} stream")]
    JunkInside {
        offset: u64,
        compression: &'static str,
    },
    #[error("read error: {0}")]
    Io(#[from] io::Error),
}

/// Lists the entries of an initramfs image read from `input`.
pub fn list<R: Read>(input: R, limits: &Limits) -> Result<Listing, InitramfsError> {
    list_within(input, limits, &mut Budget::unlimited())
}

/// [`list`], also within what is left of `budget`, which is charged with the bytes this image
/// unpacked (whether it could be listed or not).
pub fn list_within<R: Read>(
    input: R,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Listing, InitramfsError> {
    list_until(input, limits, budget, &mut |_| false)
}

/// [`list_within`] that stops reading as soon as `enough` (called once per entry, in archive
/// order) answers true: the cpio stream is read front to back, so nothing after that point is
/// decompressed. The listing then says `stopped_early`.
pub fn list_until<R: Read>(
    input: R,
    limits: &Limits,
    budget: &mut Budget,
    enough: &mut dyn FnMut(&Entry) -> bool,
) -> Result<Listing, InitramfsError> {
    let mut sink = Sink {
        parser: cpio::Parser::new(),
        limits: *limits,
        budget: *budget,
        failure: None,
        compression: Compression::None,
        enough,
        watched: 0,
        stopped: false,
    };
    let result = list_into(PeekReader::new(input), &mut sink);
    budget.bytes_left = budget.bytes_left.saturating_sub(sink.parser.offset());
    result
}

fn list_into<R: Read>(
    mut src: PeekReader<R>,
    sink: &mut Sink<'_>,
) -> Result<Listing, InitramfsError> {
    let mut segments: Vec<Segment> = Vec::new();
    // Entries listed before the current segment began.
    let mut seg_start = 0usize;
    // How the previous segment was stored: a compressed stream may end inside a member only
    // when the same compressor continues it (multi-frame zstd, multi-member gzip).
    let mut last: Option<Compression> = None;
    loop {
        let head = src.peek(8)?.to_vec();
        let Some(&first) = head.first() else {
            break;
        };
        let at_boundary = sink.parser.at_boundary();
        let raw = if at_boundary {
            first == 0 || first == b'0'
        } else {
            last == Some(Compression::None)
        };
        if raw && at_boundary && first == 0 {
            skip_padding(&mut src, sink)?;
            continue;
        }
        let offset = src.position();
        let compression = if raw {
            Compression::None
        } else {
            next_compression(&head, offset, at_boundary, last)?
        };
        if at_boundary {
            seg_start = sink.parser.entries().len();
            segments.push(Segment {
                offset,
                compression,
                entries: 0,
            });
        }
        sink.compression = compression;
        if raw {
            feed_raw(&mut src, sink)?;
        } else {
            decode(compression, &mut src, sink, offset)?;
        }
        last = Some(compression);
        if let Some(s) = segments.last_mut() {
            s.entries = sink.listed() - seg_start;
        }
        if sink.stopped {
            break;
        }
    }
    finish_listing(segments, sink)
}

/// Padding between archives.
fn skip_padding<R: Read>(
    src: &mut PeekReader<R>,
    sink: &mut Sink<'_>,
) -> Result<(), InitramfsError> {
    let buf = src.fill_buf()?;
    let zeros = buf.iter().take_while(|b| **b == 0).count();
    sink.push(&buf[..zeros], false)?;
    src.consume(zeros);
    Ok(())
}

/// The compressor of the stream starting at `head`; inside an archive member only the
/// compressor of the previous segment may continue it.
fn next_compression(
    head: &[u8],
    offset: u64,
    at_boundary: bool,
    last: Option<Compression>,
) -> Result<Compression, InitramfsError> {
    let detected = detect(head, offset);
    if !at_boundary && !matches!(detected, Ok(c) if Some(c) == last) {
        return Err(InitramfsError::Truncated);
    }
    detected
}

/// The listing once the input has ended (or the entries wanted were seen).
fn finish_listing(segments: Vec<Segment>, sink: &mut Sink<'_>) -> Result<Listing, InitramfsError> {
    if !sink.stopped && !sink.parser.at_boundary() {
        return Err(InitramfsError::Truncated);
    }
    if segments.is_empty() {
        return Err(InitramfsError::Empty);
    }
    let unpacked_bytes = sink.parser.offset();
    let mut entries = std::mem::take(&mut sink.parser).into_entries();
    // The piece that held the last entry wanted may have held more: they were not asked for.
    entries.truncate(sink.watched);
    Ok(Listing {
        entries,
        segments,
        unpacked_bytes,
        stopped_early: sink.stopped,
    })
}

/// Which compressor's magic starts `head`.
fn detect(head: &[u8], offset: u64) -> Result<Compression, InitramfsError> {
    let unsupported = |format| Err(InitramfsError::Unsupported { offset, format });
    match head {
        [0x1f, 0x8b, ..] | [0x1f, 0x9e, ..] => Ok(Compression::Gzip),
        [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Ok(Compression::Xz),
        [0x5d, 0x00, 0x00, ..] => Ok(Compression::Lzma),
        [0x02, 0x21, 0x4c, 0x18, ..] => Ok(Compression::Lz4Legacy),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Ok(Compression::Zstd),
        [b'B', b'Z', b'h', ..] => unsupported("bzip2"),
        [0x89, b'L', b'Z', b'O', ..] => unsupported("lzo"),
        [0x04, 0x22, 0x4d, 0x18, ..] => unsupported("lz4 frame (not the kernel's legacy lz4)"),
        _ => Err(InitramfsError::Unrecognised {
            offset,
            start: head
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
        }),
    }
}

/// The parser behind a `Write`, so that every decoder can push into it; a failure is kept
/// typed here while the decoder sees a plain I/O error.
struct Sink<'a> {
    parser: cpio::Parser,
    limits: Limits,
    /// The run-wide budget as it stood when this image began.
    budget: Budget,
    failure: Option<InitramfsError>,
    compression: Compression,
    /// Asked after each new entry whether the caller has seen enough.
    enough: &'a mut dyn FnMut(&Entry) -> bool,
    /// Entries already shown to `enough`.
    watched: usize,
    /// `enough` said yes: the decoder is stopped (by an I/O error it is given) and that is no
    /// failure.
    stopped: bool,
}

impl Sink<'_> {
    /// Entries that count: all parsed ones, or up to the one after which `enough` said yes.
    fn listed(&self) -> usize {
        if self.stopped {
            self.watched
        } else {
            self.parser.entries().len()
        }
    }

    fn push(&mut self, data: &[u8], stop_at_end: bool) -> Result<cpio::Fed, InitramfsError> {
        let after = self.parser.offset() + data.len() as u64;
        if after > self.limits.max_unpacked {
            return Err(InitramfsError::TooLarge {
                limit: self.limits.max_unpacked,
            });
        }
        if after > self.budget.bytes_left {
            return Err(InitramfsError::BudgetSpent {
                limit: self.budget.bytes_total,
            });
        }
        if self.budget.deadline.is_some_and(|d| Instant::now() > d) {
            return Err(InitramfsError::TimeSpent {
                secs: self.budget.time_total.as_secs(),
            });
        }
        let fed =
            self.parser
                .feed_with(data, stop_at_end)
                .map_err(|source| InitramfsError::Cpio {
                    context: format!("{} cpio stream", self.compression.as_str()),
                    source,
                })?;
        if self.parser.entries().len() > self.limits.max_entries {
            return Err(InitramfsError::TooManyEntries {
                limit: self.limits.max_entries,
            });
        }
        let entries = self.parser.entries();
        while !self.stopped && self.watched < entries.len() {
            self.stopped = (self.enough)(&entries[self.watched]);
            self.watched += 1;
        }
        Ok(fed)
    }
}

impl Write for Sink<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.failure.is_some() || self.stopped {
            return Err(io::Error::other("initramfs listing stopped"));
        }
        let result = self.push(data, false).and_then(|fed| {
            if fed.foreign {
                Err(InitramfsError::JunkInside {
                    offset: self.parser.offset(),
                    compression: self.compression.as_str(),
                })
            } else {
                Ok(fed.consumed)
            }
        });
        match result {
            // Seen enough: the error only stops the decoder (decode() knows it was asked for).
            Ok(_) if self.stopped => Err(io::Error::other("initramfs listing stopped")),
            Ok(n) => Ok(n),
            Err(e) => {
                self.failure = Some(e);
                Err(io::Error::other("initramfs listing stopped"))
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Feeds uncompressed bytes until the archive ends, the parser stops in front of something
/// else, or the input ends.
fn feed_raw<R: Read>(src: &mut PeekReader<R>, sink: &mut Sink) -> Result<(), InitramfsError> {
    loop {
        let buf = src.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        let fed = sink.push(buf, true)?;
        src.consume(fed.consumed);
        if fed.foreign || fed.archive_end || sink.stopped {
            return Ok(());
        }
    }
}

/// Decompresses one stream from `src` into the parser.
fn decode<R: Read>(
    compression: Compression,
    src: &mut PeekReader<R>,
    sink: &mut Sink,
    offset: u64,
) -> Result<(), InitramfsError> {
    let result: io::Result<()> = match compression {
        Compression::Gzip => copy(&mut flate2::bufread::GzDecoder::new(&mut *src), sink),
        // One frame: a following frame is the next segment (multi-frame images continue).
        Compression::Zstd => zstd::decode_frame(&mut *src, sink),
        // One stream only: what follows it is the image's next segment, not more xz. The
        // decoder keeps a dictionary of the stream's declared size and streams the rest out,
        // so a block of gigabytes of zeros costs the dictionary, and the cap on unpacked bytes
        // stops it while it streams.
        Compression::Xz => copy(
            &mut lzma_rust2::XzReader::new_mem_limit(&mut *src, false, DICT_LIMIT_KIB),
            sink,
        ),
        Compression::Lzma => {
            match lzma_rust2::LzmaReader::new_mem_limit(&mut *src, DICT_LIMIT_KIB, None) {
                Ok(mut d) => copy(&mut d, sink),
                Err(e) => Err(e),
            }
        }
        Compression::Lz4Legacy => lz4_legacy::decode(src, sink),
        Compression::None => Ok(()),
    };
    if sink.stopped {
        return Ok(());
    }
    if let Some(f) = sink.failure.take() {
        return Err(f);
    }
    result.map_err(|e| InitramfsError::Decompress {
        offset,
        compression: compression.as_str(),
        message: e.to_string(),
    })
}

/// The largest LZMA dictionary accepted, KiB: real images use 1 to 64 MiB; an absurd one is
/// refused before it is allocated.
const DICT_LIMIT_KIB: u32 = 256 * 1024;

/// `io::copy` with a larger buffer: decoders are faster with bigger reads.
fn copy<R: Read + ?Sized>(from: &mut R, to: &mut Sink) -> io::Result<()> {
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
    }
}

#[cfg(test)]
mod tests {
    use super::cpio::tests::archive;
    use super::*;

    fn names(l: &Listing) -> Vec<String> {
        l.entries
            .iter()
            .map(|e| String::from_utf8(e.path.clone()).unwrap())
            .collect()
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// An uncompressed early archive followed by a gzip main archive: both listed, two
    /// segments with the right offsets and counts.
    #[test]
    fn microcode_then_gzip() {
        let early = archive(&[("kernel/x86/microcode/GenuineIntel.bin", b"ucode")]);
        let main = archive(&[
            (
                "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/hv/hv_vmbus.ko",
                b"m",
            ),
            ("init", b"#!/bin/sh"),
        ]);
        let mut img = early.clone();
        img.extend(gzip(&main));
        let l = list(&img[..], &Limits::default()).unwrap();
        assert_eq!(
            names(&l),
            [
                "kernel/x86/microcode/GenuineIntel.bin",
                "usr/lib/modules/6.1.0-18-amd64/kernel/drivers/hv/hv_vmbus.ko",
                "init"
            ]
        );
        assert_eq!(l.segments.len(), 2);
        assert_eq!(l.segments[0].compression, Compression::None);
        assert_eq!(l.segments[0].entries, 1);
        assert_eq!(l.segments[1].compression, Compression::Gzip);
        assert_eq!(l.segments[1].offset, early.len() as u64);
        assert_eq!(l.segments[1].entries, 2);
    }

    /// Two gzip members each holding a complete archive, as some tools concatenate them.
    #[test]
    fn concatenated_compressed_archives() {
        let mut img = gzip(&archive(&[("a", b"1")]));
        img.extend(gzip(&archive(&[("b", b"2")])));
        let l = list(&img[..], &Limits::default()).unwrap();
        assert_eq!(names(&l), ["a", "b"]);
        assert_eq!(l.segments.len(), 2);
    }

    /// A gzip stream split in the middle of a member and continued by a second member is one
    /// stream to the kernel; a switch of compressor in mid-member is a truncation.
    #[test]
    fn member_split_across_streams() {
        let a = archive(&[("big", &[9u8; 5000]), ("after", b"")]);
        let mut img = gzip(&a[..3000]);
        img.extend(gzip(&a[3000..]));
        let l = list(&img[..], &Limits::default()).unwrap();
        assert_eq!(names(&l), ["big", "after"]);
        let mut bad = gzip(&a[..3000]);
        bad.extend_from_slice(&a[3000..]);
        assert!(matches!(
            list(&bad[..], &Limits::default()),
            Err(InitramfsError::Truncated)
        ));
    }

    /// Errors: empty input, unknown data, unsupported compressors, truncation, junk inside a
    /// compressed stream, and the caps.
    #[test]
    fn errors() {
        assert!(matches!(
            list(&b""[..], &Limits::default()),
            Err(InitramfsError::Empty)
        ));
        let err = list(&b"hello world"[..], &Limits::default()).unwrap_err();
        assert!(err.to_string().contains("68 65 6c 6c"), "{err}");
        assert!(matches!(
            list(&b"BZh91AY&SY"[..], &Limits::default()),
            Err(InitramfsError::Unsupported {
                format: "bzip2",
                ..
            })
        ));
        let a = archive(&[("f", &[1u8; 3000])]);
        assert!(matches!(
            list(&a[..1000], &Limits::default()),
            Err(InitramfsError::Truncated)
        ));
        let mut junk = a.clone();
        junk.extend_from_slice(b"junk");
        let err = list(&gzip(&junk)[..], &Limits::default()).unwrap_err();
        assert!(matches!(err, InitramfsError::JunkInside { .. }), "{err}");
        let small = Limits {
            max_unpacked: 1000,
            max_entries: 10,
        };
        assert!(matches!(
            list(&gzip(&a)[..], &small),
            Err(InitramfsError::TooLarge { limit: 1000 })
        ));
        let many: Vec<(String, &[u8])> = (0..20).map(|i| (format!("f{i}"), &b""[..])).collect();
        let many: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        let few = Limits {
            max_unpacked: 1 << 20,
            max_entries: 10,
        };
        assert!(matches!(
            list(&archive(&many)[..], &few),
            Err(InitramfsError::TooManyEntries { limit: 10 })
        ));
        let mut broken = gzip(&a);
        let n = broken.len();
        broken[n / 2] ^= 0xff;
        broken.truncate(n - 8);
        assert!(list(&broken[..], &Limits::default()).is_err());
    }

    /// Once the caller has seen enough, nothing after is decompressed: a gzip stream whose
    /// tail is corrupt lists up to the wanted entry, while a full listing fails on the tail.
    /// The same holds for an uncompressed archive and for a later compressed segment.
    #[test]
    fn stops_once_enough_was_seen() {
        // Content that does not compress, so that the cut lands well inside "c".
        let noise: Vec<u8> = (0u32..20_000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let a = archive(&[("a", b"1"), ("wanted", &[7u8; 4000]), ("c", &noise)]);
        let mut img = gzip(&a);
        let n = img.len();
        img.truncate(n - 200);
        assert!(list(&img[..], &Limits::default()).is_err());
        let mut asked = 0;
        let l = list_until(
            &img[..],
            &Limits::default(),
            &mut Budget::unlimited(),
            &mut |e| {
                asked += 1;
                e.path == b"wanted"
            },
        )
        .unwrap();
        assert!(l.stopped_early);
        assert_eq!(names(&l), ["a", "wanted"]);
        assert_eq!(asked, 2);
        assert!(l.unpacked_bytes < a.len() as u64);

        let mut raw = archive(&[("wanted", b"")]);
        raw.extend_from_slice(b"not an archive");
        let l = list_until(
            &raw[..],
            &Limits::default(),
            &mut Budget::unlimited(),
            &mut |e| e.path == b"wanted",
        )
        .unwrap();
        assert!(l.stopped_early);
        assert_eq!(l.segments.len(), 1);

        let mut two = archive(&[("early", b"")]);
        two.extend(gzip(&archive(&[("wanted", b""), ("late", b"")])));
        two.extend_from_slice(b"junk after");
        let l = list_until(
            &two[..],
            &Limits::default(),
            &mut Budget::unlimited(),
            &mut |e| e.path == b"wanted",
        )
        .unwrap();
        assert_eq!(names(&l), ["early", "wanted"]);
        assert_eq!(l.segments.len(), 2);
        assert_eq!(l.segments[1].entries, 1);
        // Never enough: the whole image, as list_within.
        let l = list_until(
            &a[..],
            &Limits::default(),
            &mut Budget::unlimited(),
            &mut |_| false,
        )
        .unwrap();
        assert!(!l.stopped_early);
        assert_eq!(names(&l), ["a", "wanted", "c"]);
    }

    /// Unknown data after a complete archive is reported with its offset.
    #[test]
    fn trailing_garbage() {
        let mut img = archive(&[("a", b"")]);
        let at = img.len();
        img.extend_from_slice(b"\x7fELF....");
        match list(&img[..], &Limits::default()) {
            Err(InitramfsError::Unrecognised { offset, start }) => {
                assert_eq!(offset, at as u64);
                assert!(start.starts_with("7f 45 4c 46"));
            }
            other => panic!("{other:?}"),
        }
    }
}
