//! Running one child process under a budget of CPU time, with stdin fed and both output streams
//! captured without blocking the child (the readers keep draining past the capture limit).

use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use execmodel_contract::cpu::{CpuMeter, Standing};

use crate::capture::Capture;

/// How long to wait for the output pipes to close once the child is gone: a grandchild that
/// inherited them must not hold the step forever.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Status(i32),
    Signal(i32),
    /// Killed by us when it had used its budget of CPU time: this much.
    BudgetSpent(Duration),
    /// Killed by us when the wall-clock safety net passed before the budget was spent.
    TimedOut(Duration),
}

#[derive(Debug)]
pub struct Finished {
    pub exit: Exit,
    /// CPU time the process used, as last sampled before it ended.
    pub cpu_used: Duration,
    pub stdout: Capture,
    pub stderr: Capture,
}

pub fn run(mut command: Command, stdin: &[u8], budget: Duration, output_limit: usize) -> io::Result<Finished> {
    command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
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
    let (exit, cpu_used) = supervise(&mut child, budget)?;
    let grace = Instant::now() + DRAIN_GRACE;
    for _ in 0..2 {
        if done_rx.recv_timeout(grace.saturating_duration_since(Instant::now())).is_err() {
            break;
        }
    }
    Ok(Finished { exit, cpu_used, stdout: take(&stdout), stderr: take(&stderr) })
}

fn supervise(child: &mut Child, budget: Duration) -> io::Result<(Exit, Duration)> {
    let meter = CpuMeter::start(child.id(), budget);
    let mut used = Duration::ZERO;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok((exit_of(status), used));
        }
        let ended = match meter.standing() {
            Standing::Within => None,
            Standing::Spent(spent) => Some(Exit::BudgetSpent(spent)),
            Standing::TimedOut(waited) => Some(Exit::TimedOut(waited)),
        };
        if let Some(exit) = ended {
            // The child may have exited in between; kill then fails harmlessly.
            let _ = child.kill();
            child.wait()?;
            return Ok((exit, meter.used().max(used)));
        }
        used = meter.used();
        thread::sleep(pause);
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

fn drain(pipe: Option<impl Read + Send + 'static>, limit: usize, done: mpsc::Sender<()>) -> Arc<Mutex<Capture>> {
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
                Ok(n) => sink.lock().unwrap_or_else(|p| p.into_inner()).push(&buffer[..n]),
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
