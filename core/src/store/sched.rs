//! Coalescing of snapshot requests: at most one snapshot in flight and at most one
//! pending, however many writes ask for one.
//!
//! Requests bump a counter; the worker takes the newest counter value as its job, so
//! every request made before a job starts is served by that job. `wait(ticket)`
//! returns once a job that started at or after the ticket has finished. A failed job
//! (full disk, I/O error) is retried by the worker itself after a backoff that
//! doubles with each consecutive failure, so a transient failure heals without a new
//! write asking for it.

use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::Error;

/// Longest pause between two automatic retries of a failing snapshot.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(60);

#[derive(Default)]
struct State {
    requested: u64,
    started: u64,
    completed: u64,
    shutdown: bool,
    paused: bool,
    last_result: Option<Result<(), Error>>,
    taken: u64,
    failures: u64,
    /// Failures since the last success (drives the retry backoff).
    consecutive_failures: u32,
    last_error: Option<Error>,
    /// When the worker retries a failed job by itself.
    retry_at: Option<Instant>,
}

/// The coalescing queue shared by writers, waiters and the worker thread.
pub(crate) struct Scheduler {
    state: Mutex<State>,
    cv: Condvar,
    /// First retry delay after a failure; `None`: no automatic retry.
    retry_base: Option<Duration>,
}

impl Default for Scheduler {
    fn default() -> Self {
        Scheduler::new(None)
    }
}

/// Counters for stats.
pub(crate) struct SchedCounts {
    pub requests: u64,
    pub taken: u64,
    pub failures: u64,
    pub last_error: Option<Error>,
}

impl Scheduler {
    /// A scheduler whose worker retries a failed job after `retry_base`, doubling
    /// with each consecutive failure up to a minute (`None`: only new requests).
    pub(crate) fn new(retry_base: Option<Duration>) -> Scheduler {
        Scheduler {
            state: Mutex::new(State::default()),
            cv: Condvar::new(),
            retry_base: retry_base.filter(|d| !d.is_zero()),
        }
    }

    /// Asks for a snapshot; returns the ticket to wait on.
    pub(crate) fn request(&self) -> u64 {
        let mut s = self.state.lock();
        s.requested += 1;
        let t = s.requested;
        self.cv.notify_all();
        t
    }

    /// Worker side: blocks until there is work (returns its job number) or shutdown.
    pub(crate) fn next_job(&self) -> Option<u64> {
        let mut s = self.state.lock();
        loop {
            if s.shutdown {
                return None;
            }
            if !s.paused {
                if s.requested == s.started && s.retry_at.is_some_and(|t| Instant::now() >= t) {
                    // The retry of a failed job is a request of its own.
                    s.requested += 1;
                }
                if s.requested > s.started {
                    s.started = s.requested;
                    s.retry_at = None;
                    return Some(s.started);
                }
            }
            match s.retry_at.filter(|_| !s.paused) {
                Some(at) => {
                    self.cv.wait_until(&mut s, at);
                }
                None => self.cv.wait(&mut s),
            }
        }
    }

    /// Worker side: job `job` finished with `result`.
    pub(crate) fn done(&self, job: u64, result: Result<(), Error>) {
        let mut s = self.state.lock();
        s.completed = job;
        match &result {
            Ok(()) => {
                s.taken += 1;
                s.consecutive_failures = 0;
                s.retry_at = None;
            }
            Err(e) => {
                s.failures += 1;
                s.consecutive_failures = s.consecutive_failures.saturating_add(1);
                s.last_error = Some(e.clone());
                s.retry_at = self.retry_base.map(|base| {
                    let shift = (s.consecutive_failures - 1).min(16);
                    Instant::now() + base.saturating_mul(1 << shift).min(MAX_RETRY_DELAY)
                });
            }
        }
        s.last_result = Some(result);
        self.cv.notify_all();
    }

    /// Blocks until a job covering `ticket` has finished; its result. `CLOSED` when
    /// the store shuts down first.
    pub(crate) fn wait(&self, ticket: u64) -> Result<(), Error> {
        let mut s = self.state.lock();
        loop {
            if s.completed >= ticket {
                return s.last_result.clone().unwrap_or(Ok(()));
            }
            if s.shutdown {
                return Err(Error::Closed(
                    "the index was closed before the snapshot ran".into(),
                ));
            }
            self.cv.wait(&mut s);
        }
    }

    /// Blocks until no job is running or pending (an automatic retry that is only
    /// scheduled does not count).
    pub(crate) fn wait_idle(&self) {
        let mut s = self.state.lock();
        while !s.shutdown && !s.paused && s.completed < s.requested {
            self.cv.wait(&mut s);
        }
    }

    /// Holds jobs back (tests of coalescing) or lets them run again.
    pub(crate) fn set_paused(&self, paused: bool) {
        let mut s = self.state.lock();
        s.paused = paused;
        self.cv.notify_all();
    }

    /// Stops the worker after its current job; waiters are released.
    pub(crate) fn shutdown(&self) {
        let mut s = self.state.lock();
        s.shutdown = true;
        self.cv.notify_all();
    }

    /// Whether [`Scheduler::shutdown`] was called (a running job stops early).
    pub(crate) fn is_shutdown(&self) -> bool {
        self.state.lock().shutdown
    }

    pub(crate) fn counts(&self) -> SchedCounts {
        let s = self.state.lock();
        SchedCounts {
            requests: s.requested,
            taken: s.taken,
            failures: s.failures,
            last_error: s.last_error.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn full() -> Error {
        Error::io(
            "snap.parquet",
            std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full"),
        )
    }

    #[test]
    fn requests_while_busy_coalesce_into_one_job() {
        let s = Arc::new(Scheduler::default());
        let t1 = s.request();
        let job = s.next_job().unwrap();
        // While job 1 runs, many requests arrive: they become one pending job.
        let tickets: Vec<u64> = (0..1000).map(|_| s.request()).collect();
        s.done(job, Ok(()));
        assert!(s.wait(t1).is_ok());
        let job2 = s.next_job().unwrap();
        s.done(job2, Err(full()));
        for t in tickets {
            assert_eq!(s.wait(t).unwrap_err().code(), "IO");
        }
        let c = s.counts();
        assert_eq!((c.requests, c.taken, c.failures), (1001, 1, 1));
        assert_eq!(c.last_error.map(|e| e.code()), Some("IO"));
        s.shutdown();
        assert_eq!(s.next_job(), None);
        assert_eq!(s.wait(5000).unwrap_err().code(), "CLOSED");
    }

    #[test]
    fn a_failed_job_is_retried_by_the_worker_until_it_succeeds() {
        let s = Scheduler::new(Some(Duration::from_millis(1)));
        s.request();
        let j1 = s.next_job().unwrap();
        s.done(j1, Err(full()));
        // No new request: the worker still gets a job, the retry.
        let j2 = s.next_job().unwrap();
        assert!(j2 > j1);
        s.done(j2, Err(full()));
        let j3 = s.next_job().unwrap();
        s.done(j3, Ok(()));
        let c = s.counts();
        assert_eq!((c.taken, c.failures), (1, 2));
        // After a success nothing is pending: the worker waits until shutdown.
        s.shutdown();
        assert_eq!(s.next_job(), None);
    }
}
