//! The "newc" cpio format the kernel unpacks into its initial root (`070701`, and `070702`
//! with checksums), as a push parser: bytes are fed in whatever pieces a decompressor produces,
//! and only entry names are kept, never contents. Several archives may follow one another,
//! each ending with a `TRAILER!!!` entry and zero padding, exactly as the kernel accepts them
//! (an early-microcode archive in front of the main one is the common case).

/// Size of a newc header.
const HEADER_LEN: usize = 110;
/// Longest name accepted, as the kernel's PATH_MAX (the terminating NUL included).
pub const MAX_NAME: usize = 4096;
const TRAILER: &[u8] = b"TRAILER!!!";

/// One archive member: its path (leading `./` and `/` removed), mode and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: Vec<u8>,
    pub mode: u32,
    pub size: u64,
}

impl Entry {
    /// The file type bits (`S_IFMT`) say regular file.
    pub fn is_file(&self) -> bool {
        self.mode & 0o170000 == 0o100000
    }
}

/// A malformed archive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpioError {
    #[error("offset {offset}: not a newc cpio header (magic {found:?})")]
    BadMagic { offset: u64, found: String },
    #[error(
        "offset {offset}: old portable (odc, 070707) cpio format, which the kernel does not unpack"
    )]
    OldFormat { offset: u64 },
    #[error("offset {offset}: header field {field} is not hexadecimal")]
    BadField { offset: u64, field: &'static str },
    #[error("offset {offset}: name length {len} is outside 1..={MAX_NAME}")]
    BadNameLength { offset: u64, len: u64 },
    #[error("offset {offset}: name is not terminated by a NUL byte")]
    UnterminatedName { offset: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between archives (or before the first): zero padding may follow, a header starts with
    /// `0`, anything else is not cpio.
    Boundary,
    /// Collecting a header.
    Header,
    /// Collecting a name of `len` bytes.
    Name { len: usize },
    /// Skipping padding and contents; `then_boundary` after a trailer.
    Skip { remaining: u64, then_boundary: bool },
}

/// What one call to [`Parser::feed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fed {
    /// Bytes taken from the input.
    pub consumed: usize,
    /// The parser stopped at an archive boundary in front of a byte that starts no archive.
    pub foreign: bool,
    /// The parser stopped right after an archive's trailer and padding (when asked to).
    pub archive_end: bool,
}

/// Why feeding stopped before the input's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// At an archive boundary, in front of a byte that starts no archive.
    Foreign,
    /// Right after an archive's trailer and padding.
    ArchiveEnd,
}

/// The push parser.
#[derive(Debug)]
pub struct Parser {
    state: State,
    /// Bytes consumed so far.
    offset: u64,
    /// Where the current header started.
    header_at: u64,
    header: [u8; HEADER_LEN],
    have: usize,
    name: Vec<u8>,
    mode: u32,
    size: u64,
    entries: Vec<Entry>,
    archives: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    pub fn new() -> Parser {
        Parser {
            state: State::Boundary,
            offset: 0,
            header_at: 0,
            header: [0; HEADER_LEN],
            have: 0,
            name: Vec::new(),
            mode: 0,
            size: 0,
            entries: Vec::new(),
            archives: 0,
        }
    }

    /// Between archives: the input may end here, or a compressed archive may follow.
    pub fn at_boundary(&self) -> bool {
        self.state == State::Boundary
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Archives completed (trailers seen).
    pub fn archives(&self) -> usize {
        self.archives
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn into_entries(self) -> Vec<Entry> {
        self.entries
    }

    /// Feeds bytes. Consumes all of them unless it stops, at an archive boundary, in front of a
    /// byte that starts no archive (`foreign`).
    pub fn feed(&mut self, data: &[u8]) -> Result<Fed, CpioError> {
        self.feed_with(data, false)
    }

    /// Like [`Parser::feed`]; with `stop_at_end`, also stops once an archive has ended, so
    /// that the caller can tell concatenated archives apart.
    pub fn feed_with(&mut self, data: &[u8], stop_at_end: bool) -> Result<Fed, CpioError> {
        let mut i = 0;
        while i < data.len() {
            let rest = &data[i..];
            let (took, stop) = match self.state {
                State::Boundary => self.boundary_step(rest),
                State::Header => (self.header_step(rest)?, None),
                State::Name { len } => self.name_step(rest, len, stop_at_end)?,
                State::Skip {
                    remaining,
                    then_boundary,
                } => self.skip_step(rest, remaining, then_boundary, stop_at_end),
            };
            i += took;
            if let Some(stop) = stop {
                return Ok(Fed {
                    consumed: i,
                    foreign: stop == Stop::Foreign,
                    archive_end: stop == Stop::ArchiveEnd,
                });
            }
        }
        Ok(Fed {
            consumed: i,
            foreign: false,
            archive_end: false,
        })
    }

    /// Between archives: zero padding is skipped; a `0` starts a header, anything else is
    /// not an archive.
    fn boundary_step(&mut self, rest: &[u8]) -> (usize, Option<Stop>) {
        let zeros = rest.iter().take_while(|b| **b == 0).count();
        self.offset += zeros as u64;
        if zeros == rest.len() {
            return (zeros, None);
        }
        if rest[zeros] != b'0' {
            return (zeros, Some(Stop::Foreign));
        }
        self.state = State::Header;
        self.header_at = self.offset;
        self.have = 0;
        (zeros, None)
    }

    /// Collects the fixed-size header, and parses it once it is whole.
    fn header_step(&mut self, rest: &[u8]) -> Result<usize, CpioError> {
        let take = (HEADER_LEN - self.have).min(rest.len());
        self.header[self.have..self.have + take].copy_from_slice(&rest[..take]);
        self.have += take;
        self.offset += take as u64;
        if self.have == HEADER_LEN {
            self.parse_header()?;
        }
        Ok(take)
    }

    /// Collects the entry's name of `len` bytes; a trailer's name may end the archive.
    fn name_step(
        &mut self,
        rest: &[u8],
        len: usize,
        stop_at_end: bool,
    ) -> Result<(usize, Option<Stop>), CpioError> {
        let take = (len - self.name.len()).min(rest.len());
        self.name.extend_from_slice(&rest[..take]);
        self.offset += take as u64;
        if self.name.len() == len {
            self.finish_name()?;
            if stop_at_end && self.state == State::Boundary {
                return Ok((take, Some(Stop::ArchiveEnd)));
            }
        }
        Ok((take, None))
    }

    /// Skips padding and file data; what follows is the next header or, after a trailer,
    /// a boundary.
    fn skip_step(
        &mut self,
        rest: &[u8],
        remaining: u64,
        then_boundary: bool,
        stop_at_end: bool,
    ) -> (usize, Option<Stop>) {
        let take = remaining.min(rest.len() as u64);
        self.offset += take;
        let left = remaining - take;
        let mut stop = None;
        self.state = if left > 0 {
            State::Skip {
                remaining: left,
                then_boundary,
            }
        } else if then_boundary {
            if stop_at_end {
                stop = Some(Stop::ArchiveEnd);
            }
            State::Boundary
        } else {
            self.header_at = self.offset;
            self.have = 0;
            State::Header
        };
        (take as usize, stop)
    }

    fn field(&self, index: usize, name: &'static str) -> Result<u64, CpioError> {
        let start = 6 + index * 8;
        let text = &self.header[start..start + 8];
        let bad = || CpioError::BadField {
            offset: self.header_at,
            field: name,
        };
        let s = std::str::from_utf8(text).map_err(|_| bad())?;
        u64::from_str_radix(s, 16).map_err(|_| bad())
    }

    fn parse_header(&mut self) -> Result<(), CpioError> {
        let magic = &self.header[..6];
        if magic == b"070707" {
            return Err(CpioError::OldFormat {
                offset: self.header_at,
            });
        }
        if magic != b"070701" && magic != b"070702" {
            return Err(CpioError::BadMagic {
                offset: self.header_at,
                found: crate::text::escape_bytes(magic),
            });
        }
        self.mode = self.field(1, "mode")? as u32;
        self.size = self.field(6, "filesize")?;
        let len = self.field(11, "namesize")?;
        if len == 0 || len > MAX_NAME as u64 {
            return Err(CpioError::BadNameLength {
                offset: self.header_at,
                len,
            });
        }
        self.name.clear();
        self.state = State::Name { len: len as usize };
        Ok(())
    }

    fn finish_name(&mut self) -> Result<(), CpioError> {
        if self.name.last() != Some(&0) {
            return Err(CpioError::UnterminatedName {
                offset: self.header_at,
            });
        }
        self.name.pop();
        let name_pad = pad4(HEADER_LEN as u64 + self.name.len() as u64 + 1);
        let data = self.size + pad4(self.size);
        let is_trailer = self.name == TRAILER;
        if is_trailer {
            self.archives += 1;
        } else if let Some(path) = normalise(&self.name) {
            self.entries.push(Entry {
                path,
                mode: self.mode,
                size: self.size,
            });
        }
        let remaining = name_pad + data;
        self.state = if remaining == 0 {
            if is_trailer {
                State::Boundary
            } else {
                self.header_at = self.offset;
                self.have = 0;
                State::Header
            }
        } else {
            State::Skip {
                remaining,
                then_boundary: is_trailer,
            }
        };
        Ok(())
    }
}

/// Padding that brings `n` to a multiple of four.
fn pad4(n: u64) -> u64 {
    (4 - n % 4) % 4
}

/// `./usr/lib/x` and `/usr/lib/x` are `usr/lib/x`; `.` (the root itself) is no entry.
fn normalise(name: &[u8]) -> Option<Vec<u8>> {
    let mut s = name;
    loop {
        if let Some(rest) = s.strip_prefix(b"./") {
            s = rest;
        } else if let Some(rest) = s.strip_prefix(b"/") {
            s = rest;
        } else {
            break;
        }
    }
    if s.is_empty() || s == b"." {
        None
    } else {
        Some(s.to_vec())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A newc member built by hand, as `cpio -o -H newc` writes it.
    pub fn member(name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
            1,
            mode,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        )
        .into_bytes();
        out.extend_from_slice(name.as_bytes());
        out.push(0);
        while out.len() % 4 != 0 {
            out.push(0);
        }
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
        out
    }

    /// A whole archive of regular files, with its trailer and 512-byte block padding.
    pub fn archive(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = member(".", 0o040755, b"");
        for (name, data) in files {
            out.extend(member(name, 0o100644, data));
        }
        out.extend(member("TRAILER!!!", 0, b""));
        while out.len() % 512 != 0 {
            out.push(0);
        }
        out
    }

    fn paths(p: &Parser) -> Vec<String> {
        p.entries()
            .iter()
            .map(|e| String::from_utf8(e.path.clone()).unwrap())
            .collect()
    }

    /// Names come out normalised, contents are skipped whatever their length, and the parser
    /// ends at a boundary.
    #[test]
    fn lists_names() {
        let a = archive(&[
            ("./a", b"x"),
            ("/usr/b", b"hello!!"),
            ("c/d.ko", &[7u8; 1000]),
        ]);
        let mut p = Parser::new();
        let fed = p.feed(&a).unwrap();
        assert_eq!(fed.consumed, a.len());
        assert!(!fed.foreign);
        assert_eq!(paths(&p), ["a", "usr/b", "c/d.ko"]);
        assert!(p.at_boundary());
        assert_eq!(p.archives(), 1);
        assert!(p.entries()[2].is_file() && p.entries()[2].size == 1000);
    }

    /// Fed one byte at a time, the result is the same (decompressors hand out odd pieces).
    #[test]
    fn byte_by_byte() {
        let mut a = archive(&[("x/y", b"123")]);
        a.extend(archive(&[("z", b"")]));
        let mut p = Parser::new();
        for b in &a {
            assert_eq!(p.feed(std::slice::from_ref(b)).unwrap().consumed, 1);
        }
        assert_eq!(paths(&p), ["x/y", "z"]);
        assert_eq!(p.archives(), 2);
    }

    /// At a boundary, a byte that starts no archive stops the parser without consuming it.
    #[test]
    fn stops_at_foreign_data() {
        let mut a = archive(&[("f", b"1")]);
        let len = a.len();
        a.extend_from_slice(&[0x28, 0xb5, 0x2f, 0xfd]);
        let mut p = Parser::new();
        let fed = p.feed(&a).unwrap();
        assert!(fed.foreign);
        assert_eq!(fed.consumed, len);
    }

    /// Old formats and garbage are errors that say where.
    #[test]
    fn rejects_bad_headers() {
        let mut odc = b"070707".to_vec();
        odc.resize(200, b'0');
        assert!(matches!(
            Parser::new().feed(&odc),
            Err(CpioError::OldFormat { offset: 0 })
        ));
        let mut bad = archive(&[("f", b"1")]);
        bad.truncate(110 + 4);
        let mut garbage = bad.clone();
        garbage.extend_from_slice(b"0xyzzy");
        garbage.resize(garbage.len() + 200, b'z');
        let err = Parser::new().feed(&garbage).unwrap_err();
        assert!(
            matches!(err, CpioError::BadMagic { offset: 112, .. }),
            "{err}"
        );
        let mut long = member("a", 0o100644, b"");
        long[94..102].copy_from_slice(b"00100000");
        assert!(matches!(
            Parser::new().feed(&long),
            Err(CpioError::BadNameLength { .. })
        ));
    }

    /// Inside an entry the parser is not at a boundary (a truncated archive is detectable).
    #[test]
    fn truncation_is_visible() {
        let a = archive(&[("f", &[1u8; 100])]);
        let mut p = Parser::new();
        p.feed(&a[..200]).unwrap();
        assert!(!p.at_boundary());
    }
}
