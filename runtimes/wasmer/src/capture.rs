//! In-memory stdout/stderr for one instance, capped at `limits.output_bytes`.
//!
//! The guest always sees a successful write of everything it passed; bytes past the cap are
//! counted and dropped. Each step takes the bytes written since the previous step.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use execmodel_contract::CappedOutput;
use tokio::io::{AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use wasmer_wasix::{FsError, VirtualFile};

/// The host's handle on one captured stream.
#[derive(Debug, Clone)]
pub struct Capture(Arc<Mutex<CappedOutput>>);

impl Capture {
    pub fn new(cap: usize) -> Self {
        Capture(Arc::new(Mutex::new(CappedOutput::new(cap))))
    }

    fn lock(&self) -> MutexGuard<'_, CappedOutput> {
        // A panic while holding the lock leaves the buffer consistent: every update is one append.
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

    #[cfg_attr(not(test), allow(dead_code))]
    pub fn dropped(&self) -> u64 {
        self.lock().dropped()
    }

    /// The file handed to the guest as fd 1 or 2.
    pub fn file(&self) -> Box<dyn VirtualFile + Send + Sync> {
        Box::new(CaptureFile(self.clone()))
    }

    fn append(&self, bytes: &[u8]) {
        self.lock().append(bytes);
    }
}

#[derive(Debug)]
struct CaptureFile(Capture);

impl AsyncWrite for CaptureFile {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.0.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Reading an output stream yields end-of-file.
impl AsyncRead for CaptureFile {
    fn poll_read(self: Pin<&mut Self>, _cx: &mut Context<'_>, _buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Like a pipe, the stream has no position.
impl AsyncSeek for CaptureFile {
    fn start_seek(self: Pin<&mut Self>, _position: io::SeekFrom) -> io::Result<()> {
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(0))
    }
}

impl VirtualFile for CaptureFile {
    fn last_accessed(&self) -> u64 {
        0
    }

    fn last_modified(&self) -> u64 {
        0
    }

    fn created_time(&self) -> u64 {
        0
    }

    fn size(&self) -> u64 {
        0
    }

    fn set_len(&mut self, _new_size: u64) -> Result<(), FsError> {
        Err(FsError::PermissionDenied)
    }

    fn unlink(&mut self) -> Result<(), FsError> {
        Ok(())
    }

    fn poll_read_ready(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(0))
    }

    fn poll_write_ready(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        Poll::Ready(Ok(64 * 1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_bytes_up_to_the_cap_and_counts_the_rest() {
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
