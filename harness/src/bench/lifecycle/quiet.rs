//! criterion 0.8 prints its own estimates to stdout and its progress to stderr, and can be made
//! quiet only by flags it parses from the process's own argv. While it samples, both descriptors
//! point at a scratch log instead; `bench lifecycle` prints its own progress to the real stderr
//! and passes on criterion's warnings.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

pub struct Quiet {
    log: File,
    read_up_to: u64,
    #[cfg(unix)]
    saved: Option<[std::os::fd::OwnedFd; 2]>,
}

impl Quiet {
    /// Points stdout and stderr at a scratch log. If that fails, output is left as it was.
    pub fn begin() -> std::io::Result<Quiet> {
        let log = tempfile::tempfile()?;
        #[cfg(unix)]
        {
            use std::os::fd::{AsFd, AsRawFd};
            let _ = (std::io::stdout().flush(), std::io::stderr().flush());
            let saved =
                [std::io::stdout().as_fd().try_clone_to_owned()?, std::io::stderr().as_fd().try_clone_to_owned()?];
            for target in [1, 2] {
                // SAFETY: dup2 on descriptors this process owns; `saved` keeps the originals open.
                if unsafe { libc::dup2(log.as_raw_fd(), target) } < 0 {
                    let error = std::io::Error::last_os_error();
                    restore(&saved);
                    return Err(error);
                }
            }
            Ok(Quiet { log, read_up_to: 0, saved: Some(saved) })
        }
        #[cfg(not(unix))]
        Ok(Quiet { log, read_up_to: 0 })
    }

    /// Writes a line to the real stderr.
    pub fn progress(&self, line: &str) {
        #[cfg(unix)]
        if let Some([_, stderr]) = &self.saved {
            if let Ok(stderr) = stderr.try_clone() {
                let _ = writeln!(File::from(stderr), "{line}");
                return;
            }
        }
        eprintln!("{line}");
    }

    /// criterion's warnings logged since the last call, e.g. that a step is too slow for the
    /// number of batches asked for.
    pub fn new_warnings(&mut self) -> Vec<String> {
        let _ = (std::io::stdout().flush(), std::io::stderr().flush());
        let mut text = String::new();
        let read = self.log.seek(SeekFrom::Start(self.read_up_to)).and_then(|_| self.log.read_to_string(&mut text));
        if read.is_err() {
            return Vec::new();
        }
        self.read_up_to += text.len() as u64;
        text.lines().filter(|line| line.contains("Warning")).map(|line| line.trim().to_string()).collect()
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = self.saved.take() {
            let _ = (std::io::stdout().flush(), std::io::stderr().flush());
            restore(&saved);
        }
    }
}

#[cfg(unix)]
fn restore(saved: &[std::os::fd::OwnedFd; 2]) {
    use std::os::fd::AsRawFd;
    for (target, original) in [1, 2].into_iter().zip(saved) {
        // SAFETY: as in `begin`; `original` is a valid descriptor owned by `saved`.
        unsafe { libc::dup2(original.as_raw_fd(), target) };
    }
}
