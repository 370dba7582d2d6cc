//! [`BenchClock`]: criterion's measurement, either the bench thread's CPU time (the default) or
//! wall time (`UVFS_BENCH_CLOCK=wall`).
//!
//! The benchmarks run single-threaded on RAM devices (and tmpfs for the file-backed device and
//! the Posix backend), so on an idle machine CPU time and wall time agree. On a shared machine
//! (CI runners, two cores with other jobs) wall time also counts the time the thread waited
//! for a core, which differs between the two sides of a ratio measured one after the other;
//! CPU time (`CLOCK_THREAD_CPUTIME_ID`, system time included) does not. Cache and memory
//! bandwidth taken by other processes still show in both.

use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use rustix::time::{clock_gettime, ClockId};

/// Which clock a [`BenchClock`] reads.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ClockKind {
    /// CPU time of the calling thread, user and system.
    ThreadCpu,
    /// Elapsed wall time.
    Wall,
}

impl ClockKind {
    /// `UVFS_BENCH_CLOCK=wall` selects wall time; anything else (or nothing) thread CPU time.
    pub fn from_env() -> ClockKind {
        match std::env::var("UVFS_BENCH_CLOCK").as_deref() {
            Ok("wall") => ClockKind::Wall,
            _ => ClockKind::ThreadCpu,
        }
    }

    /// `"thread CPU time"` or `"wall time"`, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            ClockKind::ThreadCpu => "thread CPU time",
            ClockKind::Wall => "wall time",
        }
    }
}

/// criterion's measurement for the uvfs benches (values are durations, shown as criterion shows
/// wall time).
///
/// ```
/// use criterion::measurement::Measurement;
/// use uvfs_benches::{BenchClock, ClockKind};
///
/// let clock = BenchClock::new(ClockKind::ThreadCpu);
/// let start = clock.start();
/// let spun: u64 = (0..100_000u64).map(std::hint::black_box).sum();
/// assert!(spun > 0 && clock.end(start).as_nanos() > 0);
/// ```
pub struct BenchClock {
    kind: ClockKind,
    wall: WallTime,
}

impl std::fmt::Debug for BenchClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BenchClock")
            .field("kind", &self.kind)
            .finish()
    }
}

impl BenchClock {
    /// A clock of `kind`.
    pub fn new(kind: ClockKind) -> BenchClock {
        BenchClock {
            kind,
            wall: WallTime,
        }
    }

    /// The clock it reads.
    pub fn kind(&self) -> ClockKind {
        self.kind
    }
}

fn thread_cpu() -> Duration {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// Where a measurement started.
#[derive(Copy, Clone, Debug)]
pub enum ClockStart {
    /// Thread CPU time at the start.
    Cpu(Duration),
    /// Wall time at the start.
    Wall(Instant),
}

impl Measurement for BenchClock {
    type Intermediate = ClockStart;
    type Value = Duration;

    fn start(&self) -> ClockStart {
        match self.kind {
            ClockKind::ThreadCpu => ClockStart::Cpu(thread_cpu()),
            ClockKind::Wall => ClockStart::Wall(Instant::now()),
        }
    }

    fn end(&self, start: ClockStart) -> Duration {
        match start {
            ClockStart::Cpu(t) => thread_cpu().saturating_sub(t),
            ClockStart::Wall(t) => t.elapsed(),
        }
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}
