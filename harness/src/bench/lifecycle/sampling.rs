//! criterion drives warm-up and picks the iteration counts; the durations it is given back are
//! also kept, one per iteration, so that median and p95 come from the iterations themselves
//! (criterion reports means and bootstrap intervals, no percentiles).

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode};

use crate::views::lifecycle::Settings;

/// Median and 95th percentile of per-iteration durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentiles {
    pub median_ns: u64,
    pub p95_ns: u64,
    pub samples: usize,
}

/// The nearest-rank percentiles (the smallest duration with at least p % of all at or below
/// it); `None` without durations.
pub fn percentiles(mut durations: Vec<u64>) -> Option<Percentiles> {
    if durations.is_empty() {
        return None;
    }
    durations.sort_unstable();
    Some(Percentiles {
        median_ns: nearest_rank(&durations, 50),
        p95_ns: nearest_rank(&durations, 95),
        samples: durations.len(),
    })
}

fn nearest_rank(sorted: &[u64], percent: usize) -> u64 {
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted[rank - 1]
}

pub fn criterion(settings: &Settings, scratch: &std::path::Path) -> Criterion {
    Criterion::default()
        // Its estimates and baselines go to a scratch directory: they are not what we report,
        // and a baseline left in target/ would make the next run print comparisons.
        .output_directory(scratch)
        .without_plots()
        // The bootstrap only feeds criterion's own estimates; fewer resamples keep its analysis short.
        .nresamples(10_000)
        .warm_up_time(Duration::from_millis(settings.warm_up_ms))
        .measurement_time(Duration::from_millis(settings.measurement_ms))
        .sample_size(settings.batches)
}

/// Runs one benchmark under criterion. `time_batch(n, durations)` runs `n` iterations and
/// appends each one's duration; the durations of criterion's measurement batches (its last
/// `settings.batches` calls, after the warm-up calls) are returned.
pub fn sample(
    criterion: &mut Criterion,
    settings: &Settings,
    group: &str,
    name: &str,
    mut time_batch: impl FnMut(u64, &mut Vec<u64>) -> Result<(), String>,
) -> Result<Vec<u64>, String> {
    let mut kept: VecDeque<Vec<u64>> = VecDeque::with_capacity(settings.batches + 1);
    let sampled = catch_unwind(AssertUnwindSafe(|| {
        let mut benchmarks = criterion.benchmark_group(group);
        // Equal batches: the lifecycle steps take from 100 ns to milliseconds, and criterion's
        // default linear ramp would need far more time than the budget for the slow ones.
        benchmarks.sampling_mode(SamplingMode::Flat);
        benchmarks.bench_function(name, |bencher| {
            bencher.iter_custom(|iterations| {
                let mut durations = Vec::with_capacity(usize::try_from(iterations).unwrap_or(0));
                if let Err(why) = time_batch(iterations, &mut durations) {
                    // criterion has no way to fail a benchmark; the unwind is caught below.
                    std::panic::panic_any(why);
                }
                let total = Duration::from_nanos(durations.iter().sum());
                if kept.len() == settings.batches {
                    kept.pop_front();
                }
                kept.push_back(durations);
                total
            });
        });
        benchmarks.finish();
    }));
    sampled.map_err(|payload| execmodel_contract::panic_message(&*payload))?;
    Ok(kept.into_iter().flatten().collect())
}

/// What one `Instant::now()` costs here: every per-iteration duration includes it once.
pub fn timer_overhead_ns() -> u64 {
    let mut durations: Vec<u64> = (0..10_000)
        .map(|_| {
            let started = Instant::now();
            u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX)
        })
        .collect();
    durations.sort_unstable();
    durations[durations.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let p = percentiles((1..=100).rev().collect()).expect("durations");
        assert_eq!((p.median_ns, p.p95_ns, p.samples), (50, 95, 100));
        let p = percentiles(vec![7]).expect("one duration");
        assert_eq!((p.median_ns, p.p95_ns), (7, 7));
        // 20 values: rank ceil(0.95 * 20) = 19.
        let p = percentiles((1..=20).collect()).expect("durations");
        assert_eq!((p.median_ns, p.p95_ns), (10, 19));
        assert_eq!(percentiles(vec![]), None);
    }

    #[test]
    fn one_slow_iteration_in_a_hundred_moves_p95_not_the_median() {
        let mut durations = vec![100; 99];
        durations.push(1_000_000);
        let p = percentiles(durations).expect("durations");
        assert_eq!((p.median_ns, p.p95_ns), (100, 100));
    }

    #[test]
    fn only_the_measurement_batches_are_kept_and_errors_come_back() {
        let scratch = tempfile::tempdir().expect("tempdir");
        let settings = Settings { warm_up_ms: 20, measurement_ms: 50, batches: 10 };
        let mut criterion = criterion(&settings, scratch.path());
        let mut calls = 0;
        let durations = sample(&mut criterion, &settings, "test", "sleepless", |n, out| {
            calls += 1;
            out.extend((0..n).map(|_| 1_000));
            Ok(())
        })
        .expect("samples");
        assert!(calls > settings.batches, "warm-up calls come first");
        assert!(!durations.is_empty() && durations.iter().all(|&d| d == 1_000));
        let failed = sample(&mut criterion, &settings, "test", "failing", |_, _| Err("no instance".to_string()));
        assert_eq!(failed, Err("no instance".to_string()));
    }
}
