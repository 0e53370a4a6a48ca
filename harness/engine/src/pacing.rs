//! Waiting with microsecond precision: one epoll set per worker thread carries its sockets, and
//! the wait for the next planned send is a timeout on that same set, so sockets are served while
//! the thread waits.
//!
//! Why by hand: no library paces to the microsecond. tokio's timer wheel has 1 ms granularity,
//! mio and the rest take millisecond timeouts (`epoll_wait`), and a full HTTP client per request
//! is exactly the cost this engine exists to remove. So: sleep in `epoll_pwait2` (nanosecond
//! timeout; a `timerfd` in the set where the kernel lacks it) until a margin before the planned
//! send, with the thread's timer slack cut to 1 ns (the default 50 µs would make every wake-up
//! up to 50 µs late), then spin on `CLOCK_MONOTONIC`, polling the set without blocking, until the
//! planned time. The margin is `SPIN_NS` plus how late recent timed wake-ups were (`WakeMargin`):
//! on a VM a halted vCPU can take hundreds of µs to wake, and a fixed 40 µs would then be late.
//! The spin costs CPU on the load cores only; its send lag is what is reported.

use crate::clock::{now_ns, timespec_ns};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// How long before a planned send the thread stops sleeping and starts spinning.
pub const SPIN_NS: u64 = 40_000;

/// The margin never grows beyond this (a host that wakes us later than this is overloaded).
pub const MAX_WAKE_MARGIN_NS: u64 = 1_000_000;

/// How early to wake before a planned send: `SPIN_NS` plus the recent lateness of timed
/// wake-ups, a decaying maximum (it jumps up at once, and eases down by 1/256 of the gap per
/// wake-up), which tracks a high percentile of the lateness (about the worst of the last few hundred).
#[derive(Debug, Clone)]
pub struct WakeMargin {
    margin_ns: u64,
}

impl Default for WakeMargin {
    fn default() -> Self {
        WakeMargin { margin_ns: SPIN_NS }
    }
}

impl WakeMargin {
    /// The current margin.
    pub fn ns(&self) -> u64 {
        self.margin_ns
    }

    /// A timed wait for `deadline_ns` ended by its timeout at `woke_ns`.
    pub fn observe(&mut self, deadline_ns: u64, woke_ns: u64) {
        let wanted_ns = (SPIN_NS + woke_ns.saturating_sub(deadline_ns)).min(MAX_WAKE_MARGIN_NS);
        if wanted_ns >= self.margin_ns {
            self.margin_ns = wanted_ns;
        } else {
            self.margin_ns -= (self.margin_ns - wanted_ns) / 256;
        }
    }
}

/// The token of the fallback timer's events (never a connection's).
const TIMER_TOKEN: u64 = u64::MAX;
const MAX_EVENTS: usize = 256;

/// An epoll set and a precise wait on it.
pub struct Poller {
    epoll: OwnedFd,
    events: Vec<libc::epoll_event>,
    ready: usize,
    /// Some when `epoll_pwait2` is missing (kernel < 5.11): a timerfd in the set wakes the wait.
    timer: Option<OwnedFd>,
    /// The deadline the timerfd is armed for (to re-arm only when it changes).
    timer_armed_ns: u64,
}

fn check(result: libc::c_int) -> io::Result<libc::c_int> {
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

impl Poller {
    /// A new epoll set; with `force_timerfd` the timerfd fallback is used even where
    /// `epoll_pwait2` exists (to test it).
    pub fn new(force_timerfd: bool) -> io::Result<Poller> {
        // SAFETY: plain syscalls; the returned fds are owned from here on.
        let epoll = unsafe { OwnedFd::from_raw_fd(check(libc::epoll_create1(libc::EPOLL_CLOEXEC))?) };
        let mut poller = Poller { epoll, events: vec![libc::epoll_event { events: 0, u64: 0 }; MAX_EVENTS], ready: 0, timer: None, timer_armed_ns: 0 };
        if force_timerfd || !poller.has_epoll_pwait2() {
            // SAFETY: as above.
            let timer = unsafe { OwnedFd::from_raw_fd(check(libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC))?) };
            poller.add(timer.as_raw_fd(), TIMER_TOKEN, libc::EPOLLIN as u32)?;
            poller.timer = Some(timer);
        }
        Ok(poller)
    }

    /// Whether this wait uses `epoll_pwait2` (false: the timerfd fallback).
    pub fn uses_epoll_pwait2(&self) -> bool {
        self.timer.is_none()
    }

    fn has_epoll_pwait2(&mut self) -> bool {
        let zero = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        self.pwait2(&zero).map_or_else(|error| error.raw_os_error() != Some(libc::ENOSYS), |_| true)
    }

    fn control(&self, op: libc::c_int, fd: RawFd, token: u64, interest: u32) -> io::Result<()> {
        let mut event = libc::epoll_event { events: interest, u64: token };
        // SAFETY: valid epoll fd and event pointer.
        check(unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), op, fd, &mut event) }).map(drop)
    }

    /// Watches `fd` for `interest` (EPOLLIN, EPOLLOUT, …); its events carry `token`.
    pub fn add(&self, fd: RawFd, token: u64, interest: u32) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_ADD, fd, token, interest)
    }

    /// Changes what `fd` is watched for.
    pub fn modify(&self, fd: RawFd, token: u64, interest: u32) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_MOD, fd, token, interest)
    }

    fn pwait2(&mut self, timeout: &libc::timespec) -> io::Result<usize> {
        // SAFETY: the buffer holds MAX_EVENTS events; a null sigmask keeps the thread's own.
        let count = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait2,
                self.epoll.as_raw_fd(),
                self.events.as_mut_ptr(),
                MAX_EVENTS as libc::c_int,
                timeout as *const libc::timespec,
                std::ptr::null::<libc::sigset_t>(),
                0usize,
            )
        };
        if count < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(count as usize)
        }
    }

    /// Waits until a watched fd is ready or the monotonic time `deadline_ns` comes (at once if
    /// it has passed). The ready events are then `event(0..count)`.
    pub fn wait_until(&mut self, deadline_ns: u64) -> io::Result<usize> {
        let now = now_ns();
        let timeout_ns = deadline_ns.saturating_sub(now);
        let result = if self.timer.is_none() { self.pwait2(&timespec_ns(timeout_ns)) } else { self.wait_with_timer(deadline_ns, timeout_ns) };
        self.ready = match result {
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => 0,
            Err(error) => return Err(error),
        };
        Ok(self.ready)
    }

    fn wait_with_timer(&mut self, deadline_ns: u64, timeout_ns: u64) -> io::Result<usize> {
        let blocking = timeout_ns > 0;
        if blocking && deadline_ns != self.timer_armed_ns {
            let spec = libc::itimerspec { it_interval: timespec_ns(0), it_value: timespec_ns(deadline_ns) };
            let timer = self.timer.as_ref().expect("the fallback has a timer").as_raw_fd();
            // SAFETY: valid timerfd and itimerspec.
            check(unsafe { libc::timerfd_settime(timer, libc::TFD_TIMER_ABSTIME, &spec, std::ptr::null_mut()) })?;
            self.timer_armed_ns = deadline_ns;
        }
        // SAFETY: the buffer holds MAX_EVENTS events.
        let count =
            check(unsafe { libc::epoll_wait(self.epoll.as_raw_fd(), self.events.as_mut_ptr(), MAX_EVENTS as libc::c_int, if blocking { -1 } else { 0 }) })?
                as usize;
        // Drop the timer's own event (and clear it), keeping the sockets' in place.
        let mut kept = 0;
        for index in 0..count {
            if self.events[index].u64 == TIMER_TOKEN {
                let mut expirations = 0u64;
                let timer = self.timer.as_ref().expect("the fallback has a timer").as_raw_fd();
                // SAFETY: reads 8 bytes into a u64 from a non-blocking timerfd.
                unsafe { libc::read(timer, (&mut expirations as *mut u64).cast(), 8) };
                self.timer_armed_ns = 0;
            } else {
                self.events[kept] = self.events[index];
                kept += 1;
            }
        }
        Ok(kept)
    }

    /// The `index`-th ready event of the last wait: (token, event flags).
    pub fn event(&self, index: usize) -> (u64, u32) {
        debug_assert!(index < self.ready);
        let event = self.events[index];
        (event.u64, event.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waits_about_until_the_deadline(force_timerfd: bool) {
        let mut poller = Poller::new(force_timerfd).unwrap();
        if force_timerfd {
            assert!(!poller.uses_epoll_pwait2());
        }
        let deadline_ns = now_ns() + 3_000_000;
        let mut woke = 0;
        while now_ns() < deadline_ns {
            assert_eq!(poller.wait_until(deadline_ns).unwrap(), 0);
            woke += 1;
            assert!(woke < 1000, "the wait should block until the deadline");
        }
        // A past deadline returns at once.
        assert_eq!(poller.wait_until(0).unwrap(), 0);
    }

    #[test]
    fn the_wake_margin_jumps_up_and_eases_down() {
        let mut margin = WakeMargin::default();
        assert_eq!(margin.ns(), SPIN_NS);
        margin.observe(1_000_000, 1_300_000);
        assert_eq!(margin.ns(), SPIN_NS + 300_000);
        for _ in 0..256 {
            margin.observe(1_000_000, 1_000_000);
        }
        assert!(margin.ns() > SPIN_NS && margin.ns() < SPIN_NS + 150_000, "{}", margin.ns());
        for _ in 0..2000 {
            margin.observe(1_000_000, 1_000_000);
        }
        assert!(margin.ns() < SPIN_NS + 1_000);
        margin.observe(0, 10_000_000_000);
        assert_eq!(margin.ns(), MAX_WAKE_MARGIN_NS);
    }

    #[test]
    fn epoll_pwait2_waits_until_the_deadline() {
        waits_about_until_the_deadline(false);
    }

    #[test]
    fn the_timerfd_fallback_waits_until_the_deadline() {
        waits_about_until_the_deadline(true);
    }

    #[test]
    fn a_ready_fd_ends_the_wait_with_its_token() {
        for force_timerfd in [false, true] {
            let mut poller = Poller::new(force_timerfd).unwrap();
            let mut fds = [0; 2];
            // SAFETY: a pipe for the test; closed below.
            assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
            poller.add(fds[0], 7, libc::EPOLLIN as u32).unwrap();
            // SAFETY: writes one byte from a valid buffer.
            assert_eq!(unsafe { libc::write(fds[1], b"x".as_ptr().cast(), 1) }, 1);
            assert_eq!(poller.wait_until(now_ns() + 5_000_000_000).unwrap(), 1);
            assert_eq!(poller.event(0).0, 7);
            // SAFETY: closing the test's own fds.
            unsafe { libc::close(fds[0]) };
            unsafe { libc::close(fds[1]) };
        }
    }
}
