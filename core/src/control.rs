//! Cancellation and progress: one convention for every long call.
//!
//! A long call (corpus ingest, a materializer run, a replay run, a snapshot) has a
//! `…_with` variant that takes a [`Control`]: a [`CancelToken`] the caller may cancel
//! from any thread, and an optional progress callback receiving the call's own progress
//! record (`IngestProgress`, `MaterializeProgress`, `ReplayProgress`, …).
//!
//! - The call checks the token between units of work (a batch, a line block, a case)
//!   and stops with [`Error::Cancelled`]; what it already committed stays consistent
//!   (each call documents what that means).
//! - The progress callback is user code: a panic in it stops the call with
//!   [`Error::Callback`] instead of unwinding through the library. To stop a call from
//!   inside the callback, cancel the token (a clone of it can be captured).
//! - Bindings map `KeyboardInterrupt` (Python) or an `AbortSignal` (JS) to
//!   [`CancelToken::cancel`].
//!
//! ```
//! use lakehouse::{CancelToken, Control};
//! let token = CancelToken::new();
//! let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
//! let s = seen.clone();
//! let control: Control<u64> = Control::new()
//!     .with_cancel(token.clone())
//!     .on_progress(move |_n: &u64| { s.fetch_add(1, std::sync::atomic::Ordering::Relaxed); });
//! assert!(!control.is_cancelled());
//! token.cancel();
//! assert!(control.is_cancelled());
//! ```

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{guard, Error, Result};

/// A cancellation flag shared by clones: cheap to clone, cancel from any thread.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every call watching this token (or a clone of it). Idempotent.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// `Err(Error::Cancelled)` naming `what` once cancelled, `Ok(())` before.
    pub fn check(&self, what: impl FnOnce() -> String) -> Result<()> {
        if self.is_cancelled() {
            Err(Error::Cancelled(what()))
        } else {
            Ok(())
        }
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CancelToken")
            .field(&self.is_cancelled())
            .finish()
    }
}

/// A progress callback receiving a long call's progress record `P`.
pub type ProgressFn<P> = Arc<dyn Fn(&P) + Send + Sync>;

/// How a long call is watched: a [`CancelToken`] and an optional progress callback.
///
/// `Control::default()` watches nothing (never cancelled, no callback). Cheap to clone.
pub struct Control<P> {
    cancel: CancelToken,
    progress: Option<ProgressFn<P>>,
}

impl<P> Default for Control<P> {
    fn default() -> Self {
        Control {
            cancel: CancelToken::new(),
            progress: None,
        }
    }
}

impl<P> Clone for Control<P> {
    fn clone(&self) -> Self {
        Control {
            cancel: self.cancel.clone(),
            progress: self.progress.clone(),
        }
    }
}

impl<P> fmt::Debug for Control<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Control")
            .field("cancel", &self.cancel)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl<P> Control<P> {
    /// Same as [`Control::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Watches `token`: cancelling it (or any clone) stops the call.
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// Calls `f` with the call's progress record after each unit of work.
    pub fn on_progress(mut self, f: impl Fn(&P) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Sets (or clears) the progress callback from a shared function.
    pub fn with_progress_fn(mut self, f: Option<ProgressFn<P>>) -> Self {
        self.progress = f;
        self
    }

    /// The token this control watches.
    pub fn token(&self) -> &CancelToken {
        &self.cancel
    }

    /// Whether the token was cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// `Err(Error::Cancelled)` naming `what` once cancelled.
    pub fn check(&self, what: impl FnOnce() -> String) -> Result<()> {
        self.cancel.check(what)
    }

    /// Hands `p` to the progress callback, if any. A panic in the callback becomes
    /// [`Error::Callback`]; the caller stops with it.
    pub fn report(&self, p: &P) -> Result<()> {
        match &self.progress {
            Some(f) => guard("progress callback", || {
                f(p);
                Ok(())
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let a = CancelToken::new();
        let b = a.clone();
        assert!(a.check(|| "x".into()).is_ok());
        b.cancel();
        assert!(a.is_cancelled());
        let e = a.check(|| "ingest of 'w.parquet'".into()).unwrap_err();
        assert_eq!(e.code(), "CANCELLED");
        assert!(e.to_string().contains("w.parquet"), "{e}");
    }

    #[test]
    fn panicking_progress_callback_is_a_callback_error() {
        let c: Control<u32> = Control::new().on_progress(|n| {
            if *n == 2 {
                panic!("boom at {n}");
            }
        });
        assert!(c.report(&1).is_ok());
        let e = c.report(&2).unwrap_err();
        assert_eq!(e.code(), "CALLBACK");
        assert!(e.to_string().contains("boom at 2"), "{e}");
    }
}
