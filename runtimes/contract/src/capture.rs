use std::io;

/// One captured output stream of one instance: keeps the first `cap` bytes over the instance's
/// life and counts the rest. The guest is always told its whole write succeeded, so a flood of
/// output costs bounded memory and ends only at the step deadline, never as a trap. Adapters wrap
/// it in whatever sharing their runtime's stream types need; `take` drains one step's bytes.
#[derive(Debug, Default)]
pub struct CappedOutput {
    /// Bytes kept since the last `take`.
    pending: Vec<u8>,
    /// Bytes kept over the instance's life; never more than `cap`.
    kept: usize,
    dropped: u64,
    /// `dropped` as of the last `take_dropped`.
    dropped_reported: u64,
    cap: usize,
}

impl CappedOutput {
    pub fn new(cap: usize) -> Self {
        CappedOutput { cap, ..CappedOutput::default() }
    }

    pub fn append(&mut self, bytes: &[u8]) {
        let keep = bytes.len().min(self.cap.saturating_sub(self.kept));
        self.pending.extend_from_slice(&bytes[..keep]);
        self.kept += keep;
        self.dropped += (bytes.len() - keep) as u64;
    }

    /// The bytes written since the previous call.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.pending)
    }

    /// How many bytes were discarded because the cap was reached.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How many bytes were discarded since the previous call (one step's share).
    pub fn take_dropped(&mut self) -> u64 {
        let new = self.dropped - self.dropped_reported;
        self.dropped_reported = self.dropped;
        new
    }
}

impl io::Write for CappedOutput {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.append(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::CappedOutput;

    #[test]
    fn keeps_the_first_cap_bytes_of_the_instance_and_counts_the_rest() {
        let mut output = CappedOutput::new(5);
        output.append(b"abc");
        assert_eq!(output.take(), b"abc");
        output.append(b"defgh");
        assert_eq!(output.take(), b"de");
        assert_eq!(output.dropped(), 3);
        output.append(b"x");
        assert_eq!(output.take(), b"");
        assert_eq!(output.dropped(), 4);
    }
}
