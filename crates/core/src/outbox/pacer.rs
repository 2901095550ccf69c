//! Pacing: a token bucket that holds [`BURST`] tokens, so sends go out evenly at the configured
//! rate and never in a burst that a provider's own limiter would answer with 429.
//!
//! Slots are computed from the start, not from the last send, so small delays do not add up and
//! the achieved rate stays on the setting; a sender that fell behind (a slow write, a busy
//! machine) catches up with at most `BURST - 1` extra sends at once, never more. A 429 holds every
//! slot until the provider's `Retry-After` has passed.

use std::time::Duration;

use tokio::time::Instant;

/// Tokens the bucket holds: how far a late sender may catch up at once.
pub(crate) const BURST: u32 = 4;

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
    #[cfg(test)]
    pub(crate) async fn wait(&mut self) {
        tokio::time::sleep_until(self.reserve()).await;
    }

    /// Takes the next slot and returns when it is (now or later).
    pub(crate) fn reserve(&mut self) -> Instant {
        let now = Instant::now();
        let earliest = now.checked_sub(self.interval * (BURST - 1)).unwrap_or(now);
        if self.next < earliest {
            // Fell behind by more than the bucket holds: the missed slots are gone.
            self.next = earliest;
        }
        let mut at = self.next;
        if let Some(hold) = self.hold_until.filter(|h| *h > at) {
            at = hold;
            self.next = hold;
        }
        self.next += self.interval;
        at
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
    async fn a_late_sender_catches_up_with_a_bounded_burst() {
        let mut p = Pacer::new(10.0);
        p.wait().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let t = Instant::now();
        for _ in 0..BURST {
            p.wait().await;
        }
        assert_eq!(t.elapsed(), Duration::ZERO, "the bucket's tokens go at once");
        p.wait().await;
        assert!((t.elapsed().as_secs_f64() - 0.1).abs() < 0.01, "then the rate again: {:?}", t.elapsed());
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
