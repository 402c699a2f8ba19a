//! In-memory stdout/stderr for one instance, bounded by `limits.output_bytes`.
//!
//! wasi-common's `WritePipe::new_in_memory` keeps everything; this writer keeps the first `cap`
//! bytes of the instance's life, reports every write as complete to the guest and drops the rest,
//! so a flood of output costs bounded memory. The host drains what each step wrote with `take`.

use std::io::{self, Write};
use std::sync::{Arc, RwLock};

use wasmi_wasi::wasi_common::pipe::WritePipe;

#[derive(Debug, Default)]
pub struct BoundedBuffer {
    /// Bytes kept since the last `take`.
    pending: Vec<u8>,
    /// Bytes kept over the instance's life; never more than `cap`.
    kept: usize,
    dropped: u64,
    cap: usize,
}

impl Write for BoundedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.cap - self.kept;
        let keep = room.min(buf.len());
        self.pending.extend_from_slice(&buf[..keep]);
        self.kept += keep;
        self.dropped += (buf.len() - keep) as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The host's handle on one captured stream; the guest writes through `pipe()`.
#[derive(Debug, Clone)]
pub struct Capture(Arc<RwLock<BoundedBuffer>>);

impl Capture {
    pub fn new(cap: usize) -> Self {
        Capture(Arc::new(RwLock::new(BoundedBuffer { cap, ..BoundedBuffer::default() })))
    }

    /// The WASI file the guest writes to; it shares this capture's buffer.
    pub fn pipe(&self) -> WritePipe<BoundedBuffer> {
        WritePipe::from_shared(Arc::clone(&self.0))
    }

    /// The bytes written since the previous call.
    pub fn take(&self) -> Vec<u8> {
        // Every update is one append, so a poisoned buffer is still consistent.
        let mut buffer = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        std::mem::take(&mut buffer.pending)
    }

    /// How many bytes were discarded because the cap was reached.
    #[cfg(test)]
    pub fn dropped(&self) -> u64 {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()).dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_cap_bytes_and_reports_full_writes() {
        let capture = Capture::new(5);
        let shared = Arc::clone(&capture.0);
        let mut writer = shared.write().unwrap();
        assert_eq!(writer.write(b"abc").unwrap(), 3);
        drop(writer);
        assert_eq!(capture.take(), b"abc");
        let mut writer = shared.write().unwrap();
        assert_eq!(writer.write(b"defgh").unwrap(), 5);
        drop(writer);
        assert_eq!(capture.take(), b"de");
        assert_eq!(capture.dropped(), 3);
        assert_eq!(capture.take(), b"");
    }
}
