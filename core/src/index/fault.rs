//! Test-only fault injection: makes graph insert calls panic at a chosen rate.

use parking_lot::Mutex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Default)]
pub(crate) struct FaultInjector {
    state: Mutex<Option<(f64, ChaCha8Rng)>>,
}

impl FaultInjector {
    pub(crate) fn set(&self, rate: f64, seed: u64) {
        let rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
        *self.state.lock() = (rate > 0.0).then(|| (rate, ChaCha8Rng::seed_from_u64(seed)));
    }

    /// Panics with probability `rate`; called inside the graph's `catch_unwind`.
    pub(crate) fn maybe_panic(&self) {
        let fire = match &mut *self.state.lock() {
            Some((rate, rng)) => rng.random::<f64>() < *rate,
            None => false,
        };
        if fire {
            panic!("lakehouse fault injection: simulated graph panic");
        }
    }
}
