//! The one clock of the engine: `CLOCK_MONOTONIC` in nanoseconds, read through the vDSO (about
//! 20 ns), and an absolute sleep on it. Every planned, sent and answered time is on this clock.

/// Now, in nanoseconds of `CLOCK_MONOTONIC`.
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Now, in nanoseconds since the Unix epoch (`CLOCK_REALTIME`).
pub fn epoch_ns() -> i128 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
}

/// The monotonic time of the wall-clock instant `epoch_ns`, from one reading of both clocks
/// (the wall clock read on either side of the monotonic one, their midpoint used). 0 for an
/// instant before the monotonic clock began.
pub fn monotonic_of_epoch_ns(epoch_ns_at: i128) -> u64 {
    let before = epoch_ns();
    let monotonic = now_ns();
    let after = epoch_ns();
    let offset = i128::from(monotonic) - (before + after) / 2;
    (epoch_ns_at + offset).clamp(0, i128::from(u64::MAX)) as u64
}

/// A monotonic time in nanoseconds as a `timespec`.
pub fn timespec_ns(ns: u64) -> libc::timespec {
    libc::timespec { tv_sec: (ns / 1_000_000_000) as libc::time_t, tv_nsec: (ns % 1_000_000_000) as libc::c_long }
}

/// Sleeps until the monotonic time `deadline_ns` (absolute, so a signal or an early wake-up
/// cannot shorten or lengthen the sleep); returns at once if it has passed.
pub fn sleep_until_ns(deadline_ns: u64) {
    let ts = timespec_ns(deadline_ns);
    // SAFETY: valid timespec; a null remainder is allowed with TIMER_ABSTIME.
    while unsafe { libc::clock_nanosleep(libc::CLOCK_MONOTONIC, libc::TIMER_ABSTIME, &ts, std::ptr::null_mut()) } == libc::EINTR {}
}

/// Asks the kernel to wake this thread's timed sleeps on time: the default timer slack (50 µs)
/// would let every sleep end up to 50 µs late, which is the whole send-lag budget.
pub fn tighten_timer_slack() {
    // SAFETY: PR_SET_TIMERSLACK takes one integer argument (nanoseconds); it only affects this thread.
    unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wall_clock_instant_converts_to_the_monotonic_clock() {
        let in_50_ms = epoch_ns() + 50_000_000;
        let monotonic = monotonic_of_epoch_ns(in_50_ms);
        let expected = now_ns() + 50_000_000;
        assert!(monotonic.abs_diff(expected) < 100_000_000, "{monotonic} vs {expected}");
        assert_eq!(monotonic_of_epoch_ns(0), 0, "before the monotonic clock began");
    }

    #[test]
    fn sleep_until_does_not_return_early() {
        let deadline_ns = now_ns() + 2_000_000;
        sleep_until_ns(deadline_ns);
        assert!(now_ns() >= deadline_ns);
        // A deadline in the past returns at once.
        sleep_until_ns(0);
    }
}
