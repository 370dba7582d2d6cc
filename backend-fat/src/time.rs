//! FAT timestamps: local date and time with 2-second resolution, 1980 to 2107.
//!
//! MicroPython's `VfsFat` stores the RTC's local time and `stat` reports it converted as if it
//! were UTC, in seconds since 1970 (the unix port; the fixtures were made with `TZ=UTC`). VfsFat
//! does the same with its [`TimeSource`](uvfs_os_api::TimeSource): the time is broken down as
//! UTC, and read back the same way.

use std::cell::Cell;

use uvfs_os_api::Timestamp;

/// `(date, time)` fields of a FAT directory entry for `t`: seconds are rounded down to even,
/// times before 1980 become 1980-01-01 00:00:00 and times after 2107 become 2107-12-31 23:59:58.
pub(crate) fn to_fat(t: Timestamp) -> (u16, u16) {
    const MIN: i64 = 315_532_800; // 1980-01-01
    const MAX: i64 = 4_354_819_198; // 2107-12-31 23:59:58
    let secs = t.secs.clamp(MIN, MAX);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let date = (((y - 1980) as u16) << 9) | ((m as u16) << 5) | d as u16;
    let time =
        (((rem / 3600) as u16) << 11) | ((((rem / 60) % 60) as u16) << 5) | ((rem % 60) / 2) as u16;
    (date, time)
}

/// Seconds since 1970 for FAT `date` and `time` fields (out-of-range fields are clamped, so a
/// damaged entry still gives a number).
pub(crate) fn from_fat(date: u16, time: u16) -> i64 {
    let y = 1980 + i64::from(date >> 9);
    let m = i64::from((date >> 5) & 0xF).clamp(1, 12);
    let d = i64::from(date & 0x1F).max(1);
    let h = i64::from(time >> 11).min(23);
    let mi = i64::from((time >> 5) & 0x3F).min(59);
    let s = (i64::from(time & 0x1F) * 2).min(59);
    days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

thread_local! {
    /// The time fatfs stamps new entries with during the current call (set by VfsFat from its
    /// time source before every fatfs call that may write).
    static NOW: Cell<(u16, u16)> = const { Cell::new((0x2821, 0)) };
}

/// Sets the time fatfs sees on this thread.
pub(crate) fn set_now(t: Timestamp) {
    NOW.with(|n| n.set(to_fat(t)));
}

/// fatfs's clock: reads what [`set_now`] stored. fatfs wants a `&'static` provider, so the
/// per-volume time source reaches it through this thread-local.
#[derive(Debug)]
pub(crate) struct Clock;

pub(crate) static CLOCK: Clock = Clock;

fn fatfs_date(date: u16) -> fatfs::Date {
    fatfs::Date {
        year: 1980 + (date >> 9),
        month: (date >> 5) & 0xF,
        day: date & 0x1F,
    }
}

impl fatfs::TimeProvider for Clock {
    fn get_current_date(&self) -> fatfs::Date {
        fatfs_date(NOW.with(Cell::get).0)
    }

    fn get_current_date_time(&self) -> fatfs::DateTime {
        let (date, time) = NOW.with(Cell::get);
        fatfs::DateTime {
            date: fatfs_date(date),
            time: fatfs::Time {
                hour: time >> 11,
                min: (time >> 5) & 0x3F,
                sec: (time & 0x1F) * 2,
                millis: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_at_two_second_resolution() {
        for secs in [
            315_532_800i64,
            946_684_800,
            1_795_575_748,
            1_795_575_749,
            4_354_819_198,
        ] {
            let (d, t) = to_fat(Timestamp::from_secs(secs));
            assert_eq!(from_fat(d, t), secs - secs % 2, "{secs}");
        }
    }

    #[test]
    fn out_of_range_is_clamped() {
        assert_eq!(from_fat_t(0), 315_532_800);
        assert_eq!(from_fat_t(i64::MAX), 4_354_819_198);
        assert_eq!(to_fat(Timestamp::from_secs(946_684_800)), (0x2821, 0));
    }

    fn from_fat_t(secs: i64) -> i64 {
        let (d, t) = to_fat(Timestamp::from_secs(secs));
        from_fat(d, t)
    }

    #[test]
    fn damaged_fields_do_not_panic() {
        for d in [0u16, 0xFFFF, 0x001F, 0x01E0] {
            for t in [0u16, 0xFFFF] {
                let _ = from_fat(d, t);
            }
        }
    }
}
