//! Pacing: a token bucket that holds one token, so sends go out evenly at the configured rate and
//! never in a burst (a burst is what makes a provider's own limiter answer 429).
//!
//! Slots are computed from the start, not from the last send, so small delays do not add up and
//! the achieved rate stays on the setting; a sender that fell behind (a slow store, a pause) gets
//! no catch-up burst either. A 429 holds every slot until the provider's `Retry-After` has passed.

use std::time::Duration;

use tokio::time::Instant;

/// Hands out send slots at `rate` per second.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next: Instant,
    hold_until: Option<Instant>,
}

impl Pacer {
    /// A pacer at `rate_per_second` (> 0) whose first slot is now.
    pub(crate) fn new(rate_per_second: f64) -> Pacer {
        Pacer { interval: Duration::from_secs_f64(1.0 / rate_per_second), next: Instant::now(), hold_until: None }
    }

    /// Waits for the next slot.
    pub(crate) async fn wait(&mut self) {
        let now = Instant::now();
        if self.next + self.interval < now {
            // Fell behind by more than one slot: start again from now rather than burst.
            self.next = now;
        }
        let mut at = self.next;
        if let Some(hold) = self.hold_until.filter(|h| *h > at) {
            at = hold;
            self.next = hold;
        }
        tokio::time::sleep_until(at).await;
        self.next += self.interval;
    }

    /// No slot before `until` (a 429's `Retry-After`).
    pub(crate) fn hold(&mut self, until: Instant) {
        if self.hold_until.is_none_or(|h| h < until) {
            self.hold_until = Some(until);
        }
    }
}

/// A delay of `base` scaled by a random factor in 0.5–1.5, so many senders do not retry in step.
pub(crate) fn jittered(base: Duration) -> Duration {
    base.mul_f64(rand::random_range(0.5..1.5))
}

/// The backoff before retry `tries` (1-based) after a 5xx: 1 s, 2 s, 4 s … at most 60 s, jittered.
pub(crate) fn backoff(tries: u32) -> Duration {
    jittered(Duration::from_secs(1u64 << tries.saturating_sub(1).min(6)).min(Duration::from_secs(60)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn slots_follow_the_rate_without_drift_or_burst() {
        let start = Instant::now();
        let mut p = Pacer::new(80.0);
        for _ in 0..800 {
            p.wait().await;
        }
        let took = start.elapsed().as_secs_f64();
        // 800 slots at 80/s: the first is at 0, the last at 799/80 s.
        assert!((took - 799.0 / 80.0).abs() < 0.01, "took {took}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_delays_the_next_slot_and_the_rate_resumes_after_it() {
        let mut p = Pacer::new(10.0);
        p.wait().await;
        let start = Instant::now();
        p.hold(start + Duration::from_secs(3));
        p.wait().await;
        assert!(start.elapsed() >= Duration::from_secs(3));
        let t = Instant::now();
        p.wait().await;
        assert!((t.elapsed().as_secs_f64() - 0.1).abs() < 0.01);
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        for tries in 1..20 {
            let d = backoff(tries);
            assert!(d <= Duration::from_secs(90), "{tries}: {d:?}");
            assert!(d >= Duration::from_millis(500));
        }
        assert!(backoff(5) > backoff(1));
    }
}
