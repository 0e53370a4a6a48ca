//! One worker thread's event loop: its own connections, schedule, mix and record (nothing shared
//! on the hot path). The timeline is the same for every thread: connect at once, send from
//! `start_ns` (warm-up, not recorded), record requests of the window `[window_start_ns,
//! window_end_ns)`, then send nothing new and drain the window's requests for up to the timeout.
//!
//! Open loop: each planned send goes out on the next free connection (FIFO, so every connection
//! is used in turn); with none free it waits in a FIFO queue. Closed loop: every connection sends
//! its next request as soon as the previous answer is complete.

use crate::clock::now_ns;
use crate::conn::{errno_text, Conn, InFlight, RawAddress, ReadOutcome, State};
use crate::http::PreparedRequest;
use crate::job::Model;
use crate::mix::{RequestMix, SequenceCounter};
use crate::pacing::{Poller, WakeMargin};
use crate::record::{Failure, ThreadRecord};
use crate::schedule::{Ramp, Schedule};
use crate::target::TlsClient;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;

/// How long a connection stays down after an error before it reconnects (so that a dead server
/// does not make the engine spin).
pub const RECONNECT_BACKOFF_NS: u64 = 10_000_000;

/// Open loop: for this long after a send, the thread polls instead of sleeping while answers
/// are due, so that the answer is read when it arrives, not when a halted vCPU wakes up (on a
/// VM that adds 0.1-0.5 ms). Answers slower than this are read after a sleep (a small error on
/// a slow answer). Costs CPU on the load core only.
pub const AWAIT_SPIN_NS: u64 = 2_000_000;

/// What one worker thread is to do.
pub struct WorkerPlan {
    pub model: Model,
    pub connections: usize,
    /// The address of each of this thread's connections (the job's addresses, round-robin).
    pub addresses: Vec<SocketAddr>,
    /// `https://`: the TLS client every connection of the job shares.
    pub tls: Option<Arc<TlsClient>>,
    /// Open loop: this thread's planned send offsets from `start_ns`.
    pub schedule: Option<Schedule>,
    pub ramp: Ramp,
    pub mix: RequestMix,
    pub sequence: SequenceCounter,
    pub start_ns: u64,
    pub window_start_ns: u64,
    pub window_end_ns: u64,
    pub timeout_ns: u64,
    pub verify_every: u64,
    /// Open loop: planned sends beyond this many in flight or queued are dropped.
    pub max_outstanding: usize,
}

/// A planned send waiting for a free connection.
#[derive(Debug, Clone, Copy)]
struct Queued {
    request: usize,
    planned_ns: u64,
    in_window: bool,
}

struct Worker<'a> {
    plan: WorkerPlan,
    requests: &'a [PreparedRequest],
    /// Per connection, as `connect(2)` takes it.
    addresses: Vec<RawAddress>,
    poller: Poller,
    conns: Vec<Conn>,
    /// Free connections, oldest first: (index, generation when it became free).
    idle: VecDeque<(usize, u32)>,
    queue: VecDeque<Queued>,
    record: ThreadRecord,
    /// Open loop: the next planned send time, None once the plan has passed the window.
    next_planned_ns: Option<u64>,
    /// The earliest connection timer (request timeout, connect deadline, reopen).
    next_check_ns: u64,
    in_flight: usize,
    /// Requests of the window in flight or queued: what the drain waits for.
    window_outstanding: usize,
    /// When the last request was written (open loop: polls for answers until AWAIT_SPIN_NS after).
    last_send_ns: u64,
    wake_margin: WakeMargin,
}

/// Runs one worker to the end of its drain; the error is fatal (the engine cannot work).
pub fn run_worker(plan: WorkerPlan, requests: &[PreparedRequest]) -> Result<ThreadRecord, String> {
    crate::clock::tighten_timer_slack();
    let poller = Poller::new(false).map_err(|error| format!("cannot create an epoll set: {error}"))?;
    let mut worker = Worker {
        addresses: plan.addresses.iter().map(RawAddress::new).collect(),
        conns: (0..plan.connections).map(|_| Conn::default()).collect(),
        idle: VecDeque::with_capacity(plan.connections),
        queue: VecDeque::new(),
        record: ThreadRecord::new(plan.window_start_ns, plan.verify_every),
        next_planned_ns: None,
        next_check_ns: u64::MAX,
        in_flight: 0,
        window_outstanding: 0,
        last_send_ns: 0,
        wake_margin: WakeMargin::default(),
        requests,
        poller,
        plan,
    };
    worker.run().map_err(|error| format!("the event loop failed: {error}"))?;
    Ok(worker.record)
}

impl Worker<'_> {
    fn is_open_loop(&self) -> bool {
        self.plan.model == Model::Open
    }

    fn in_window(&self, at_ns: u64) -> bool {
        (self.plan.window_start_ns..self.plan.window_end_ns).contains(&at_ns)
    }

    fn run(&mut self) -> std::io::Result<()> {
        let now = now_ns();
        for index in 0..self.conns.len() {
            self.open(index, now);
        }
        self.next_planned_ns = self.next_planned();
        let drain_deadline_ns = self.plan.window_end_ns + self.plan.timeout_ns;
        loop {
            let now = now_ns();
            let draining = now >= self.plan.window_end_ns;
            if self.is_open_loop() {
                self.release_due_sends(now);
            } else if now >= self.plan.start_ns && !draining {
                while let Some(index) = self.pop_idle() {
                    self.send_closed_loop(index);
                }
            }
            if now >= self.next_check_ns {
                self.check_timers(now);
            }
            if draining && (self.window_outstanding == 0 || now >= drain_deadline_ns) {
                break;
            }
            self.wait(now, if draining { drain_deadline_ns } else { self.plan.window_end_ns })?;
        }
        self.finish();
        Ok(())
    }

    /// Sleeps until the next thing to do (waking a margin early for a planned send, then
    /// spinning; polling instead of sleeping while open-loop answers are due), serving the
    /// sockets that become ready.
    fn wait(&mut self, now: u64, phase_end_ns: u64) -> std::io::Result<()> {
        let mut wake_ns = self.next_check_ns.min(phase_end_ns);
        if let Some(planned_ns) = self.next_planned_ns {
            wake_ns = wake_ns.min(planned_ns.saturating_sub(self.wake_margin.ns()));
        }
        if !self.is_open_loop() && now < self.plan.start_ns {
            wake_ns = wake_ns.min(self.plan.start_ns);
        }
        if self.is_open_loop() && self.in_flight > 0 && now < self.last_send_ns + AWAIT_SPIN_NS {
            wake_ns = now;
        }
        let ready = self.poller.wait_until(wake_ns)?;
        if ready == 0 && wake_ns > now {
            self.wake_margin.observe(wake_ns, now_ns());
        }
        for event in 0..ready {
            let (token, flags) = self.poller.event(event);
            self.on_event(token, flags);
        }
        Ok(())
    }

    fn next_planned(&mut self) -> Option<u64> {
        let planned_ns = self.plan.start_ns + self.plan.schedule.as_mut()?.next_offset_ns();
        (planned_ns < self.plan.window_end_ns).then_some(planned_ns)
    }

    // ---- Open loop -----------------------------------------------------------------------

    /// Hands every send planned up to `now` to a free connection, or queues or drops it.
    fn release_due_sends(&mut self, now: u64) {
        while let Some(planned_ns) = self.next_planned_ns.filter(|&planned_ns| planned_ns <= now) {
            self.next_planned_ns = self.next_planned();
            let in_window = planned_ns >= self.plan.window_start_ns;
            if in_window {
                self.record.planned_in_window += 1;
            } else if !self.plan.ramp.keep(planned_ns - self.plan.start_ns) {
                continue;
            }
            if self.in_flight + self.queue.len() >= self.plan.max_outstanding {
                if in_window {
                    self.record.counts.dropped += 1;
                }
                continue;
            }
            let send = Queued { request: self.plan.mix.next_index(), planned_ns, in_window };
            match self.queue.is_empty().then(|| self.pop_idle()).flatten() {
                Some(index) => self.send_open_loop(index, send, false),
                None => {
                    self.window_outstanding += usize::from(in_window);
                    self.queue.push_back(send);
                }
            }
        }
    }

    fn pop_queued(&mut self) -> Option<Queued> {
        let send = self.queue.pop_front()?;
        self.window_outstanding -= usize::from(send.in_window);
        Some(send)
    }

    fn send_open_loop(&mut self, index: usize, send: Queued, waited: bool) {
        let sent_ns = self.send(index, send.request, send.planned_ns, send.in_window);
        if let (true, Some(sent_ns)) = (send.in_window, sent_ns) {
            let late_ns = sent_ns.saturating_sub(send.planned_ns);
            if waited {
                self.record.connection_waits += 1;
                self.record.connection_wait.saturating_record(crate::record::clamped_us(late_ns));
            } else {
                self.record.send_lag.saturating_record(crate::record::clamped_us(late_ns));
            }
        }
    }

    // ---- Closed loop ---------------------------------------------------------------------

    fn send_closed_loop(&mut self, index: usize) {
        let request = self.plan.mix.next_index();
        let now = now_ns();
        self.send(index, request, now, self.in_window(now));
    }

    // ---- Both ----------------------------------------------------------------------------

    /// Writes a request on connection `index`; returns the write time, or None if it failed.
    fn send(&mut self, index: usize, request: usize, planned_ns: u64, in_window: bool) -> Option<u64> {
        let verify = in_window && self.requests[request].expect_body.is_some() && self.record.counts.should_verify();
        let sequence = self.requests[request].is_sequenced().then(|| self.plan.sequence.take());
        let sent_ns = now_ns();
        self.last_send_ns = sent_ns;
        // Closed loop: latency counts from the write.
        let planned_ns = if self.is_open_loop() { planned_ns } else { sent_ns };
        let flight = InFlight { request, planned_ns, sent_ns, in_window, verify };
        self.in_flight += 1;
        self.window_outstanding += usize::from(in_window);
        self.next_check_ns = self.next_check_ns.min(sent_ns + self.plan.timeout_ns);
        match self.conns[index].send(index, self.requests, flight, sequence, &self.poller) {
            Ok(()) => Some(sent_ns),
            Err(errno) => {
                self.write_failed(index, errno, sent_ns);
                None
            }
        }
    }

    /// The oldest free connection (entries left by connections that closed since are skipped).
    fn pop_idle(&mut self) -> Option<usize> {
        while let Some((index, generation)) = self.idle.pop_front() {
            let conn = &self.conns[index];
            if conn.generation == generation && conn.state == State::Idle {
                return Some(index);
            }
        }
        None
    }

    /// Connection `index` is free: it takes the next send (a queued one, or the closed loop's
    /// next request) or joins the free list.
    fn on_idle(&mut self, index: usize, now: u64) {
        if self.is_open_loop() {
            if let Some(send) = self.pop_queued() {
                return self.send_open_loop(index, send, true);
            }
        } else if now >= self.plan.start_ns && now < self.plan.window_end_ns {
            return self.send_closed_loop(index);
        }
        self.idle.push_back((index, self.conns[index].generation));
    }

    fn open(&mut self, index: usize, now: u64) {
        match self.conns[index].open(index, &self.addresses[index], &self.poller, now + self.plan.timeout_ns, self.plan.tls.as_deref()) {
            Ok(()) if self.conns[index].state == State::Idle => self.on_idle(index, now),
            Ok(()) => self.next_check_ns = self.next_check_ns.min(now + self.plan.timeout_ns),
            Err(reason) => self.connect_failed(index, &reason, now),
        }
    }

    /// A connect failed: the connection waits out the backoff, and one request that was waiting
    /// for a connection (open loop) or would have been sent (closed loop) counts the error.
    fn connect_failed(&mut self, index: usize, reason: &str, now: u64) {
        self.down(index, now);
        let (request, in_window) = if self.is_open_loop() {
            match self.pop_queued() {
                Some(send) => (send.request, send.in_window),
                None => return,
            }
        } else {
            (self.plan.mix.next_index(), self.in_window(now))
        };
        if in_window {
            let label = &self.requests[request].label;
            let target = self.plan.addresses[index];
            self.record.counts.failure(Failure::Error, || format!("{label}: {reason} ({target})"), now);
        }
    }

    /// Closes connection `index` and schedules its reopening after the backoff.
    fn down(&mut self, index: usize, now: u64) {
        let conn = &mut self.conns[index];
        conn.close();
        conn.state = State::Down { reopen_at_ns: now + RECONNECT_BACKOFF_NS };
        self.next_check_ns = self.next_check_ns.min(now + RECONNECT_BACKOFF_NS);
    }

    /// Takes the request in flight on `index` off the books; returns it if it was of the window.
    fn end_flight(&mut self, index: usize) -> Option<InFlight> {
        let flight = self.conns[index].in_flight.take()?;
        self.in_flight -= 1;
        self.window_outstanding -= usize::from(flight.in_window);
        Some(flight)
    }

    /// The request on `index` failed (reset, EOF mid-answer, malformed answer): an error, never
    /// a latency; the connection reconnects after the backoff.
    fn fail(&mut self, index: usize, reason: &str, now: u64) {
        if let Some(flight) = self.end_flight(index).filter(|flight| flight.in_window) {
            let label = &self.requests[flight.request].label;
            self.record.counts.failure(Failure::Error, || format!("{label}: {reason}"), now);
        }
        self.down(index, now);
    }

    fn on_event(&mut self, token: u64, flags: u32) {
        let index = (token & 0xFFFF_FFFF) as usize;
        if self.conns.get(index).is_none_or(|conn| u64::from(conn.generation) != token >> 32) {
            return;
        }
        let now = now_ns();
        match self.conns[index].state {
            State::Down { .. } => {}
            State::Connecting { .. } => match self.conns[index].finish_connect(index, &self.poller) {
                Ok(()) if self.conns[index].state == State::Idle => self.on_idle(index, now),
                Ok(()) => {}
                Err(reason) => self.connect_failed(index, &reason, now),
            },
            State::Handshaking { .. } => match self.conns[index].handshake(index, &self.poller) {
                Ok(()) if self.conns[index].state == State::Idle => self.on_idle(index, now),
                Ok(()) => {}
                Err(reason) => self.connect_failed(index, &reason, now),
            },
            State::Idle | State::Busy => {
                // Read first: an answer that came before the request was all written ends the
                // request and its connection, and nothing more may be written for it.
                let generation = self.conns[index].generation;
                if flags & (libc::EPOLLIN | libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32 != 0 {
                    self.on_readable(index);
                }
                let conn = &self.conns[index];
                if flags & libc::EPOLLOUT as u32 != 0 && conn.generation == generation && conn.wants_write() {
                    if let Err(errno) = self.conns[index].flush(index, self.requests, &self.poller) {
                        self.write_failed(index, errno, now_ns());
                    }
                }
            }
        }
    }

    /// A write failed: a server that answers early and then closes (a 413 or 401 before the
    /// body) resets the connection under the write, with its answer already here to read. That
    /// answer counts; otherwise the request failed with the write's error.
    fn write_failed(&mut self, index: usize, errno: i32, now: u64) {
        match self.conns[index].read_what_is_there() {
            ReadOutcome::Response { status, .. } => self.on_response(index, status, true, now_ns()),
            _ => self.fail(index, &errno_text(errno), now),
        }
    }

    fn on_readable(&mut self, index: usize) {
        let outcome = self.conns[index].read();
        let now = now_ns();
        match outcome {
            ReadOutcome::Pending => {}
            ReadOutcome::Response { status, close } => self.on_response(index, status, close, now),
            ReadOutcome::Failed(reason) => self.fail(index, &reason, now),
            ReadOutcome::ClosedIdle => {
                // The server closed a keep-alive connection: reopen at once if it had served
                // (an idle timeout), after the backoff if it never did (a refusing server).
                if self.conns[index].served > 0 {
                    self.conns[index].close();
                    self.open(index, now);
                } else {
                    self.down(index, now);
                }
            }
        }
    }

    fn on_response(&mut self, index: usize, status: u16, close: bool, now: u64) {
        let Some(flight) = self.end_flight(index) else {
            return self.fail(index, "a response with no request in flight", now);
        };
        let request = &self.requests[flight.request];
        if status == request.expect_status && self.in_window(now) {
            self.record.completed_in_window += 1;
        }
        if flight.in_window {
            self.record.latency.record(now.saturating_sub(flight.planned_ns), flight.planned_ns);
            if self.is_open_loop() {
                self.record.uncorrected.record(now.saturating_sub(flight.sent_ns), flight.planned_ns);
            }
            let body = flight.verify.then_some(self.conns[index].sample.as_slice());
            self.record.counts.response(request, status, body, now);
        }
        if close {
            self.conns[index].close();
            self.open(index, now);
        } else {
            self.conns[index].state = State::Idle;
            self.on_idle(index, now);
        }
    }

    /// Request timeouts, connect deadlines and reopenings that are due; finds the next one.
    fn check_timers(&mut self, now: u64) {
        self.next_check_ns = u64::MAX;
        for index in 0..self.conns.len() {
            let due_ns = match (self.conns[index].state, self.conns[index].in_flight) {
                (State::Down { reopen_at_ns }, _) => reopen_at_ns,
                (State::Connecting { deadline_ns } | State::Handshaking { deadline_ns }, _) => deadline_ns,
                (State::Busy, Some(flight)) => flight.sent_ns + self.plan.timeout_ns,
                _ => continue,
            };
            if due_ns > now {
                self.next_check_ns = self.next_check_ns.min(due_ns);
                continue;
            }
            match self.conns[index].state {
                State::Down { .. } => self.open(index, now),
                State::Connecting { .. } => self.connect_failed(index, "connect timed out", now),
                State::Handshaking { .. } => self.connect_failed(index, "TLS handshake timed out", now),
                _ => self.time_out(index, now),
            }
        }
    }

    /// The request on `index` got no answer in time: a timeout; the connection is replaced.
    fn time_out(&mut self, index: usize, now: u64) {
        if let Some(flight) = self.end_flight(index).filter(|flight| flight.in_window) {
            let label = &self.requests[flight.request].label;
            let timeout_ms = self.plan.timeout_ns / 1_000_000;
            self.record.counts.failure(Failure::Timeout, || format!("{label}: no answer within {timeout_ms} ms"), now);
        }
        self.conns[index].close();
        self.open(index, now);
    }

    /// After the drain: the window's requests still unanswered (in flight or queued) are timeouts.
    fn finish(&mut self) {
        let unanswered = self.window_outstanding as u64;
        if unanswered > 0 {
            let timeout_ms = self.plan.timeout_ns / 1_000_000;
            self.record.counts.failure(Failure::Timeout, || format!("{unanswered} requests still unanswered {timeout_ms} ms after the window"), now_ns());
            self.record.counts.timeouts += unanswered - 1;
        }
        for conn in &mut self.conns {
            conn.close();
        }
    }
}
