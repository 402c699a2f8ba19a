//! CPU time of a child process, for the runtimes that run guest code in another process (worker
//! programs, CLIs): their step budget counts the CPU time that process used, never the time that
//! passed, so a busy machine does not change a verdict.

use std::time::{Duration, Instant};

/// Linux reports `utime` and `stime` in clock ticks of `USER_HZ`, which is 100 on every
/// architecture Linux supports, whatever the kernel's own tick rate.
const USER_HZ: u64 = 100;

/// User plus system CPU time of process `pid`, all its threads included (live and ended ones);
/// `None` where `/proc/PID/stat` cannot be read (not Linux, or the process is reaped).
pub fn process_cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    cpu_time_of_stat(&stat)
}

/// Fields 14 and 15 of a `/proc/PID/stat` line; the command name (field 2) may hold spaces and
/// parentheses, so fields are counted after its last `)`.
fn cpu_time_of_stat(stat: &str) -> Option<Duration> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
}

/// Beyond this much elapsed time a step that has not spent its CPU budget is given up on: ten
/// times the budget and a minute more, which a process still making progress does not reach
/// even on a machine ten times oversubscribed. Reaching it is the harness's timeout, reported
/// as the harness's own failure, never as the guest's `trapped deadline`.
pub fn wall_safety_net(budget: Duration) -> Duration {
    budget * 10 + Duration::from_secs(60)
}

/// Where a step stands against its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Within,
    /// The process used its CPU budget: this much.
    Spent(Duration),
    /// The wall-clock safety net passed before the budget was spent: this much time passed.
    TimedOut(Duration),
}

/// One step's CPU budget on one process: started before the request, checked while waiting.
#[derive(Debug, Clone, Copy)]
pub struct CpuMeter {
    pid: u32,
    budget: Duration,
    cpu_at_start: Option<Duration>,
    started: Instant,
}

impl CpuMeter {
    pub fn start(pid: u32, budget: Duration) -> Self {
        CpuMeter { pid, budget, cpu_at_start: process_cpu_time(pid), started: Instant::now() }
    }

    /// CPU time the process used since `start`. Where `/proc` cannot be read, elapsed time
    /// stands in (and the verdict may then depend on load).
    pub fn used(&self) -> Duration {
        match (self.cpu_at_start, process_cpu_time(self.pid)) {
            (Some(start), Some(now)) => now.saturating_sub(start),
            _ => self.started.elapsed(),
        }
    }

    pub fn standing(&self) -> Standing {
        let used = self.used();
        if used >= self.budget {
            return Standing::Spent(used);
        }
        let elapsed = self.started.elapsed();
        if elapsed >= wall_safety_net(self.budget) {
            return Standing::TimedOut(elapsed);
        }
        Standing::Within
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_counted_after_the_last_parenthesis_of_the_name() {
        let stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 30 0 0 20 0 30 0 1 2 3";
        assert_eq!(cpu_time_of_stat(stat), Some(Duration::from_millis(2800)));
        assert_eq!(cpu_time_of_stat("4242 (no fields"), None);
    }

    #[test]
    fn this_process_has_a_cpu_time_that_grows_with_work() {
        let before = process_cpu_time(std::process::id()).expect("Linux /proc");
        let mut x = 0u64;
        while process_cpu_time(std::process::id()).unwrap() < before + Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(x > 0);
    }

    #[test]
    fn the_safety_net_is_far_above_the_budget() {
        assert!(wall_safety_net(Duration::from_millis(300)) >= Duration::from_secs(60));
        assert_eq!(wall_safety_net(Duration::from_secs(5)), Duration::from_secs(110));
    }
}
