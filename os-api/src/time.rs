//! Time and entropy sources, so no_std targets plug in their RTC and hardware RNG.

use crate::errno::Result;

/// A point in time: seconds and nanoseconds since 1970-01-01 00:00 UTC.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Whole seconds since the Unix epoch (negative before 1970).
    pub secs: i64,
    /// Nanoseconds within the second, below 1 000 000 000.
    pub nanos: u32,
}

impl Timestamp {
    /// MicroPython's embedded epoch, 2000-01-01 00:00 UTC, as Unix seconds.
    pub const EPOCH_2000: i64 = 946_684_800;

    /// A whole-second timestamp.
    pub const fn from_secs(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }

    /// Nanoseconds since 1970 (saturating), as littlefs v2's MicroPython mtime attribute stores them.
    pub fn as_nanos(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }

    /// From nanoseconds since 1970.
    pub fn from_nanos(nanos: i128) -> Timestamp {
        let secs = nanos.div_euclid(1_000_000_000);
        let sub = nanos.rem_euclid(1_000_000_000);
        Timestamp {
            secs: i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX }),
            nanos: u32::try_from(sub).unwrap_or(0),
        }
    }
}

/// A clock: where backends get the time they store as mtime.
pub trait TimeSource {
    /// The current time.
    fn now(&self) -> Timestamp;
}

const _: Option<&dyn TimeSource> = None;

/// A clock that always says the same time: for reproducible images and for targets without an RTC.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct FixedTime(pub Timestamp);

impl TimeSource for FixedTime {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// A source of random bytes for `os.urandom`.
pub trait EntropySource {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<()>;
}

const _: Option<&dyn EntropySource> = None;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_round_trip() {
        for t in [0i128, 1, -1, 1_795_575_748_123_456_789, -1_000_000_001] {
            assert_eq!(Timestamp::from_nanos(t).as_nanos(), t);
        }
    }
}
