//! One zstd frame through the reference C library (zstd-sys: decompression only, linked
//! statically; README "Performance" has why not a pure-Rust decoder). Reads exactly the bytes
//! of the frame from a buffered reader, so that what follows is the image's next segment, and
//! refuses a window larger than [`WINDOW_LOG_MAX`] before allocating it.

use std::ffi::CStr;
use std::io::{self, BufRead, Write};

use zstd_sys as z;

/// Largest window accepted, as a power of two: 128 MiB (zstd's own default limit). Real
/// initramfs images use 8 MiB (`-19`) or less.
const WINDOW_LOG_MAX: i32 = 27;

/// Output piece handed to `out` at a time.
const OUT: usize = 256 * 1024;

/// The decompression context, freed on every path.
struct Context(*mut z::ZSTD_DCtx);

impl Drop for Context {
    fn drop(&mut self) {
        // SAFETY: created by ZSTD_createDCtx and freed once, here.
        unsafe { z::ZSTD_freeDCtx(self.0) };
    }
}

/// The library's name for an error code.
fn error(code: usize) -> io::Error {
    // SAFETY: ZSTD_getErrorName returns a static NUL-terminated string for any code.
    let name = unsafe { CStr::from_ptr(z::ZSTD_getErrorName(code)) };
    io::Error::new(
        io::ErrorKind::InvalidData,
        name.to_string_lossy().into_owned(),
    )
}

fn is_error(code: usize) -> bool {
    // SAFETY: a pure function of its argument.
    unsafe { z::ZSTD_isError(code) != 0 }
}

/// Decompresses the frame at the start of `src` into `out`.
pub fn decode_frame<R: BufRead + ?Sized, W: Write + ?Sized>(
    src: &mut R,
    out: &mut W,
) -> io::Result<()> {
    // SAFETY: no arguments; a null result is checked.
    let ctx = Context(unsafe { z::ZSTD_createDCtx() });
    if ctx.0.is_null() {
        return Err(io::Error::other(
            "zstd: no memory for a decompression context",
        ));
    }
    // SAFETY: a valid context and a parameter the library defines.
    let r = unsafe {
        z::ZSTD_DCtx_setParameter(
            ctx.0,
            z::ZSTD_dParameter::ZSTD_d_windowLogMax,
            WINDOW_LOG_MAX,
        )
    };
    if is_error(r) {
        return Err(error(r));
    }
    let mut piece = vec![0u8; OUT];
    loop {
        let input = src.fill_buf()?;
        if input.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the zstd frame is cut short",
            ));
        }
        let mut inb = z::ZSTD_inBuffer {
            src: input.as_ptr().cast(),
            size: input.len(),
            pos: 0,
        };
        // Drain everything this input gives before reading more: the library may hold
        // output back until the caller's buffer has room.
        loop {
            let mut outb = z::ZSTD_outBuffer {
                dst: piece.as_mut_ptr().cast(),
                size: piece.len(),
                pos: 0,
            };
            // SAFETY: both buffers point to memory that lives across the call, with their
            // true sizes; the library writes only within `outb` and reads only within `inb`.
            let left = unsafe { z::ZSTD_decompressStream(ctx.0, &mut outb, &mut inb) };
            if is_error(left) {
                return Err(error(left));
            }
            out.write_all(&piece[..outb.pos])?;
            if left == 0 {
                // The frame is complete and flushed; leave what follows it unread.
                let used = inb.pos;
                src.consume(used);
                return Ok(());
            }
            if inb.pos == inb.size && outb.pos < outb.size {
                break;
            }
        }
        let used = inb.pos;
        src.consume(used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A frame written by the `zstd` program (`printf 'hello\n' | zstd -3 -c`, with its
    /// checksum): decoded, and what follows it stays unread; a cut or damaged frame is an error.
    #[test]
    fn one_frame_and_nothing_more() {
        let frame: &[u8] = &[
            0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x31, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
            0x0a, 0x53, 0x88, 0xbd, 0x91,
        ];
        let mut input = frame.to_vec();
        input.extend_from_slice(b"NEXT");
        let mut src = &input[..];
        let mut out = Vec::new();
        decode_frame(&mut src, &mut out).unwrap();
        assert_eq!(out, b"hello\n");
        assert_eq!(src, b"NEXT");
        let mut cut = &frame[..frame.len() - 3];
        let e = decode_frame(&mut cut, &mut Vec::new()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let mut junk = &b"\x28\xb5\x2f\xfdjunkjunkjunk"[..];
        assert!(decode_frame(&mut junk, &mut Vec::new()).is_err());
    }
}
