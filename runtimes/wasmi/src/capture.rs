//! In-memory stdout/stderr for one instance, bounded by `limits.output_bytes`.
//!
//! wasi-common's `WritePipe::new_in_memory` keeps everything; this writer keeps the first `cap`
//! bytes of the instance's life, reports every write as complete to the guest and drops the rest,
//! so a flood of output costs bounded memory. The host drains what each step wrote with `take`.

use std::sync::{Arc, RwLock};

use execmodel_contract::CappedOutput;
use wasmi_wasi::wasi_common::pipe::WritePipe;

/// The host's handle on one captured stream; the guest writes through `pipe()`.
#[derive(Debug, Clone)]
pub struct Capture(Arc<RwLock<CappedOutput>>);

impl Capture {
    pub fn new(cap: usize) -> Self {
        Capture(Arc::new(RwLock::new(CappedOutput::new(cap))))
    }

    /// The WASI file the guest writes to; it shares this capture's buffer.
    pub fn pipe(&self) -> WritePipe<CappedOutput> {
        WritePipe::from_shared(Arc::clone(&self.0))
    }

    /// The bytes written since the previous call.
    pub fn take(&self) -> Vec<u8> {
        // Every update is one append, so a poisoned buffer is still consistent.
        let mut buffer = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        buffer.take()
    }

    /// How many bytes the cap discarded since the previous call.
    pub fn take_dropped(&self) -> u64 {
        self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()).take_dropped()
    }

    /// How many bytes were discarded because the cap was reached.
    #[cfg(test)]
    pub fn dropped(&self) -> u64 {
        self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner()).dropped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

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
