//! In-memory stdout/stderr for one store, bounded by `limits.output_bytes`.
//!
//! wasmtime-wasi's `MemoryOutputPipe` turns a write past its capacity into a trap, which would
//! make a chatty guest look like a crashing one. This capture instead reports every write as
//! complete to the guest, keeps the first `cap` bytes and counts the rest, so a flood of output
//! costs bounded memory and ends only by the step budget.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use execmodel_contract::CappedOutput;
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// The largest write the guest-side stream is offered at once; p1 `fd_write` writes 4 KiB chunks.
const WRITE_PERMIT: usize = 64 * 1024;

/// The host's handle on one captured stream; clones share the buffer.
#[derive(Debug, Clone)]
pub struct Capture(Arc<Mutex<CappedOutput>>);

impl Capture {
    pub fn new(cap: usize) -> Self {
        Capture(Arc::new(Mutex::new(CappedOutput::new(cap))))
    }

    fn lock(&self) -> MutexGuard<'_, CappedOutput> {
        // Every update is a single append, so a poisoned buffer is still consistent.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The bytes written since the previous call.
    pub fn take(&self) -> Vec<u8> {
        self.lock().take()
    }

    /// How many bytes the cap discarded since the previous call.
    pub fn take_dropped(&self) -> u64 {
        self.lock().take_dropped()
    }

    /// How many bytes were discarded because the cap was reached.
    #[cfg(test)]
    fn dropped(&self) -> u64 {
        self.lock().dropped()
    }

    fn append(&self, bytes: &[u8]) {
        self.lock().append(bytes);
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(WRITE_PERMIT)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl AsyncWrite for Capture {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_up_to_the_cap_and_counts_the_rest() {
        let capture = Capture::new(5);
        capture.append(b"abc");
        assert_eq!(capture.take(), b"abc");
        capture.append(b"defg");
        assert_eq!(capture.take(), b"de");
        capture.append(b"h");
        assert_eq!(capture.take(), b"");
        assert_eq!(capture.dropped(), 3);
    }
}
