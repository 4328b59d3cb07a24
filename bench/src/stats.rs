//! Percentiles of latency samples.

use std::time::Duration;

/// The nearest-rank percentile (`p` in 0..=100) of samples sorted ascending:
/// the smallest sample such that at least p% of the samples are less than or
/// equal to it. `None` for no samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() || !(0.0..=100.0).contains(&p) {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// What the report prints about a set of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub count: usize,
    pub min: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    pub fn of(samples: &[Duration]) -> Option<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        Some(Self {
            count: sorted.len(),
            min: *sorted.first()?,
            p50: percentile(&sorted, 50.0)?,
            p90: percentile(&sorted, 90.0)?,
            p99: percentile(&sorted, 99.0)?,
            max: *sorted.last()?,
        })
    }
}

/// Microseconds with one decimal, the unit the report uses for latencies.
pub fn micros(d: Duration) -> String {
    format!("{:.1} µs", d.as_nanos() as f64 / 1_000.0)
}

/// Milliseconds with two decimals, for cold starts and logins.
pub fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_nanos() as f64 / 1_000_000.0)
}

/// `a / b` as a ratio with two decimals.
pub fn ratio(a: Duration, b: Duration) -> String {
    if b.is_zero() { "n/a".into() } else { format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_micros(v)).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted = us(&[15, 20, 35, 40, 50]);
        assert_eq!(percentile(&sorted, 0.0), Some(Duration::from_micros(15)));
        assert_eq!(percentile(&sorted, 5.0), Some(Duration::from_micros(15)));
        assert_eq!(percentile(&sorted, 30.0), Some(Duration::from_micros(20)));
        assert_eq!(percentile(&sorted, 40.0), Some(Duration::from_micros(20)));
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_micros(35)));
        assert_eq!(percentile(&sorted, 100.0), Some(Duration::from_micros(50)));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&sorted, 101.0), None);
    }

    #[test]
    fn p99_of_a_thousand_ignores_the_worst_ten() {
        let mut samples: Vec<u64> = (1..=1000).collect();
        samples.reverse();
        let summary = Summary::of(&us(&samples)).unwrap();
        assert_eq!(summary.count, 1000);
        assert_eq!(summary.min, Duration::from_micros(1));
        assert_eq!(summary.p50, Duration::from_micros(500));
        assert_eq!(summary.p90, Duration::from_micros(900));
        assert_eq!(summary.p99, Duration::from_micros(990));
        assert_eq!(summary.max, Duration::from_micros(1000));
    }

    #[test]
    fn a_single_sample_is_every_percentile() {
        let summary = Summary::of(&us(&[7])).unwrap();
        assert_eq!(
            (summary.min, summary.p50, summary.p99, summary.max),
            (us(&[7])[0], us(&[7])[0], us(&[7])[0], us(&[7])[0])
        );
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn formatting() {
        assert_eq!(micros(Duration::from_nanos(46_240)), "46.2 µs");
        assert_eq!(millis(Duration::from_micros(1_504)), "1.50 ms");
        assert_eq!(ratio(Duration::from_micros(115), Duration::from_micros(100)), "1.15×");
        assert_eq!(ratio(Duration::from_micros(1), Duration::ZERO), "n/a");
    }
}
