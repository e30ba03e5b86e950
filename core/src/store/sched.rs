//! Coalescing of snapshot requests: at most one snapshot in flight and at most one
//! pending, however many writes ask for one.
//!
//! Requests bump a counter; the worker takes the newest counter value as its job, so
//! every request made before a job starts is served by that job. `wait(ticket)`
//! returns once a job that started at or after the ticket has finished.

use parking_lot::{Condvar, Mutex};

#[derive(Default)]
struct State {
    requested: u64,
    started: u64,
    completed: u64,
    shutdown: bool,
    paused: bool,
    last_result: Option<std::result::Result<(), String>>,
    taken: u64,
    failures: u64,
    last_error: Option<String>,
}

/// The coalescing queue shared by writers, waiters and the worker thread.
#[derive(Default)]
pub(crate) struct Scheduler {
    state: Mutex<State>,
    cv: Condvar,
}

/// Counters for stats.
pub(crate) struct SchedCounts {
    pub requests: u64,
    pub taken: u64,
    pub failures: u64,
    pub last_error: Option<String>,
}

impl Scheduler {
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
            if !s.paused && s.requested > s.started {
                s.started = s.requested;
                return Some(s.started);
            }
            self.cv.wait(&mut s);
        }
    }

    /// Worker side: job `job` finished with `result`.
    pub(crate) fn done(&self, job: u64, result: std::result::Result<(), String>) {
        let mut s = self.state.lock();
        s.completed = job;
        match &result {
            Ok(()) => s.taken += 1,
            Err(e) => {
                s.failures += 1;
                s.last_error = Some(e.clone());
            }
        }
        s.last_result = Some(result);
        self.cv.notify_all();
    }

    /// Blocks until a job covering `ticket` has finished; its result. `Err` also
    /// when the store shuts down first.
    pub(crate) fn wait(&self, ticket: u64) -> std::result::Result<(), String> {
        let mut s = self.state.lock();
        loop {
            if s.completed >= ticket {
                return s.last_result.clone().unwrap_or(Ok(()));
            }
            if s.shutdown {
                return Err("the index was closed before the snapshot ran".into());
            }
            self.cv.wait(&mut s);
        }
    }

    /// Blocks until no job is running or pending.
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

    #[test]
    fn requests_while_busy_coalesce_into_one_job() {
        let s = Arc::new(Scheduler::default());
        let t1 = s.request();
        let job = s.next_job().unwrap();
        // While job 1 runs, many requests arrive: they become one pending job.
        let tickets: Vec<u64> = (0..1000).map(|_| s.request()).collect();
        s.done(job, Ok(()));
        assert_eq!(s.wait(t1), Ok(()));
        let job2 = s.next_job().unwrap();
        s.done(job2, Err("disk full".into()));
        for t in tickets {
            assert_eq!(s.wait(t), Err("disk full".into()));
        }
        let c = s.counts();
        assert_eq!((c.requests, c.taken, c.failures), (1001, 1, 1));
        s.shutdown();
        assert_eq!(s.next_job(), None);
        assert!(s.wait(5000).is_err());
    }
}
