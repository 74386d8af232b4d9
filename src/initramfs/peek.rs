//! A buffered reader that can look a few bytes ahead (to recognise a compressor's magic) and
//! counts what was consumed (so that errors and segments carry file offsets). Decoders read
//! through it and take only what they need, so the next segment starts where one ends.

use std::io::{self, BufRead, Read};

const CAPACITY: usize = 64 * 1024;

pub struct PeekReader<R> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    consumed: u64,
}

impl<R: Read> PeekReader<R> {
    pub fn new(inner: R) -> PeekReader<R> {
        PeekReader {
            inner,
            buf: vec![0; CAPACITY].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            consumed: 0,
        }
    }

    /// Bytes consumed so far: the file offset of what comes next.
    pub fn position(&self) -> u64 {
        self.consumed
    }

    /// Up to `n` bytes ahead (fewer only at the end of the input), without consuming them.
    pub fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        let n = n.min(CAPACITY);
        while self.end - self.start < n && !self.eof {
            if self.end == self.buf.len() {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(k) => self.end += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let have = (self.end - self.start).min(n);
        Ok(&self.buf[self.start..self.start + have])
    }
}

impl<R: Read> Read for PeekReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for PeekReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end && !self.eof {
            self.start = 0;
            self.end = 0;
            loop {
                match self.inner.read(&mut self.buf) {
                    Ok(0) => {
                        self.eof = true;
                        break;
                    }
                    Ok(k) => {
                        self.end = k;
                        break;
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(&self.buf[self.start..self.end])
    }

    fn consume(&mut self, n: usize) {
        let n = n.min(self.end - self.start);
        self.start += n;
        self.consumed += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte per call, as a pipe might.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || out.is_empty() {
                return Ok(0);
            }
            out[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    /// Peeking gathers several short reads and does not consume; reads then see every byte
    /// once and the position counts them.
    #[test]
    fn peek_then_read() {
        let data: Vec<u8> = (0..=255u8).cycle().take(200_000).collect();
        let mut r = PeekReader::new(Trickle(&data));
        assert_eq!(r.peek(6).unwrap(), &data[..6]);
        assert_eq!(r.position(), 0);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
        assert_eq!(r.position(), 200_000);
        assert!(r.peek(4).unwrap().is_empty());
    }

    /// A peek across the end of the buffer keeps the bytes in order.
    #[test]
    fn peek_across_buffer_end() {
        let data: Vec<u8> = (0..CAPACITY as u32 + 10).map(|i| (i % 251) as u8).collect();
        let mut r = PeekReader::new(&data[..]);
        r.fill_buf().unwrap();
        r.consume(CAPACITY - 3);
        assert_eq!(r.peek(8).unwrap(), &data[CAPACITY - 3..CAPACITY + 5]);
        assert_eq!(r.position(), (CAPACITY - 3) as u64);
    }
}
