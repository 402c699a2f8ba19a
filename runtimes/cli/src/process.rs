//! Running one child process under a deadline, with stdin fed and both output streams captured
//! without blocking the child (the readers keep draining past the capture limit).

use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::capture::Capture;

/// How long to wait for the output pipes to close once the child is gone: a grandchild that
/// inherited them must not hold the step forever.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Status(i32),
    Signal(i32),
    /// Killed by us when the deadline passed.
    Deadline(Duration),
}

#[derive(Debug)]
pub struct Finished {
    pub exit: Exit,
    pub stdout: Capture,
    pub stderr: Capture,
}

pub fn run(
    mut command: Command,
    stdin: &[u8],
    deadline: Duration,
    output_limit: usize,
) -> io::Result<Finished> {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn()?;
    let (done_tx, done_rx) = mpsc::channel();
    let stdout = drain(child.stdout.take(), output_limit, done_tx.clone());
    let stderr = drain(child.stderr.take(), output_limit, done_tx);
    if let Some(mut pipe) = child.stdin.take() {
        let bytes = stdin.to_vec();
        // A guest that never reads stdin closes the pipe on exit; the write error is expected then.
        thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let exit = supervise(&mut child, deadline)?;
    let grace = Instant::now() + DRAIN_GRACE;
    for _ in 0..2 {
        if done_rx
            .recv_timeout(grace.saturating_duration_since(Instant::now()))
            .is_err()
        {
            break;
        }
    }
    Ok(Finished {
        exit,
        stdout: take(&stdout),
        stderr: take(&stderr),
    })
}

fn supervise(child: &mut Child, deadline: Duration) -> io::Result<Exit> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(exit_of(status));
        }
        let elapsed = started.elapsed();
        if elapsed >= deadline {
            // The child may have exited in between; kill then fails harmlessly.
            let _ = child.kill();
            child.wait()?;
            return Ok(Exit::Deadline(elapsed));
        }
        thread::sleep(pause.min(deadline - elapsed));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Status(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Status(-1),
    }
}

fn drain(
    pipe: Option<impl Read + Send + 'static>,
    limit: usize,
    done: mpsc::Sender<()>,
) -> Arc<Mutex<Capture>> {
    let capture = Arc::new(Mutex::new(Capture::new(limit)));
    let Some(mut pipe) = pipe else {
        let _ = done.send(());
        return capture;
    };
    let sink = capture.clone();
    thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match pipe.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => sink
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(&buffer[..n]),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        let _ = done.send(());
    });
    capture
}

fn take(capture: &Arc<Mutex<Capture>>) -> Capture {
    capture.lock().unwrap_or_else(|p| p.into_inner()).clone()
}
