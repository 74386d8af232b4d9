//! The kernel's legacy lz4 format (`lz4 -l`, what `CONFIG_RD_LZ4` unpacks): a magic number,
//! then blocks of at most 8 MiB of output, each preceded by its compressed length as a
//! little-endian u32. There is no end marker: the input ends, or the magic number repeats
//! (concatenated streams). Zero padding after the last block ends it too.

use std::io::{self, BufRead, Read, Write};

use super::Sink;
use super::peek::PeekReader;

pub const MAGIC: u32 = 0x184C_2102;
/// Output of one block.
const BLOCK: usize = 8 << 20;
/// LZ4_COMPRESSBOUND of a full block: a longer block length is not lz4.
const MAX_COMPRESSED: usize = BLOCK + BLOCK / 255 + 16;

pub fn decode<R: Read>(src: &mut PeekReader<R>, sink: &mut Sink) -> io::Result<()> {
    src.consume(4);
    let mut input = Vec::new();
    let mut output = vec![0u8; BLOCK];
    loop {
        let head = src.peek(4)?;
        if head.is_empty() {
            return Ok(());
        }
        if head.len() < 4 {
            if head.iter().all(|b| *b == 0) {
                return Ok(());
            }
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "block length cut short",
            ));
        }
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        if len == MAGIC {
            src.consume(4);
            continue;
        }
        if len == 0 {
            // Padding: the caller's loop skips it.
            return Ok(());
        }
        let len = len as usize;
        if len > MAX_COMPRESSED {
            if head.starts_with(b"0707") {
                // An uncompressed archive follows the stream.
                return Ok(());
            }
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("block length {len} is larger than any lz4 block"),
            ));
        }
        src.consume(4);
        input.resize(len, 0);
        src.read_exact(&mut input)?;
        let n = lz4_flex::block::decompress_into(&input, &mut output)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        sink.write_all(&output[..n])?;
        // Keep fill_buf's contract simple for the peek above.
        let _ = src.fill_buf()?;
    }
}
