//! One output stream of a child process: the first `limit` bytes for the step's result, and a
//! window of the last bytes, where a CLI's own failure report and printed results are found even
//! when the guest wrote past the limit.

use std::collections::VecDeque;

/// How much of the end of a stream is kept for finding the CLI's report.
pub const TAIL_BYTES: usize = 64 * 1024;

#[derive(Debug, Default, Clone)]
pub struct Capture {
    head: Vec<u8>,
    limit: usize,
    tail: VecDeque<u8>,
    total: usize,
}

impl Capture {
    pub fn new(limit: usize) -> Self {
        Capture { head: Vec::new(), limit, tail: VecDeque::new(), total: 0 }
    }

    pub fn push(&mut self, bytes: &[u8]) {
        let room = self.limit.saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..bytes.len().min(room)]);
        let keep = bytes.len().min(TAIL_BYTES);
        self.tail.extend(&bytes[bytes.len() - keep..]);
        let excess = self.tail.len().saturating_sub(TAIL_BYTES);
        self.tail.drain(..excess);
        self.total += bytes.len();
    }

    /// The last bytes written and the stream offset of their first byte.
    pub fn tail(&self) -> (Vec<u8>, usize) {
        let tail: Vec<u8> = self.tail.iter().copied().collect();
        let start = self.total - tail.len();
        (tail, start)
    }

    /// The kept bytes written before stream offset `end`.
    pub fn head_before(&self, end: usize) -> Vec<u8> {
        self.head[..end.min(self.head.len())].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_head_up_to_the_limit_and_the_tail_window() {
        let mut capture = Capture::new(4);
        capture.push(b"abc");
        capture.push(b"defgh");
        assert_eq!(capture.head_before(usize::MAX), b"abcd");
        let (tail, start) = capture.tail();
        assert_eq!((tail.as_slice(), start), (&b"abcdefgh"[..], 0));
        assert_eq!(capture.head_before(2), b"ab");
    }

    #[test]
    fn the_tail_window_slides() {
        let mut capture = Capture::new(0);
        capture.push(&vec![b'x'; TAIL_BYTES]);
        capture.push(b"end");
        let (tail, start) = capture.tail();
        assert_eq!(tail.len(), TAIL_BYTES);
        assert_eq!(start, 3);
        assert!(tail.ends_with(b"xend"));
        assert!(capture.head_before(usize::MAX).is_empty());
    }
}
