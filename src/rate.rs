//! Requests per second per caller, with governor (a keyed GCRA limiter):
//! each token name has its own budget, refilled continuously, with a burst
//! of one second's worth. Without tokens every caller shares one budget.
//! A stream counts as one request, however many messages it carries. The
//! keys are the token names of the token file, so the limiter's memory is
//! bounded by that file, not by what clients send.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::auth::Caller;

/// The requests-per-second limit, or none.
pub struct RateLimit {
    limiter: Option<(DefaultKeyedRateLimiter<String>, NonZeroU32)>,
    clock: DefaultClock,
}

/// A caller over its rate: how long until its next request is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{caller} is over the limit of {per_second} requests per second; retry in {} ms", retry_after.as_millis().max(1))]
pub struct OverRate {
    pub caller: String,
    pub per_second: u32,
    pub retry_after: Duration,
}

impl RateLimit {
    /// `per_second` requests per second per caller; 0 means no limit.
    pub fn per_second(per_second: u32) -> RateLimit {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            (
                DefaultKeyedRateLimiter::keyed(Quota::per_second(rate)),
                rate,
            )
        });
        RateLimit {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// Counts one request of `caller`, or says how long it must wait.
    pub fn check(&self, caller: &Caller) -> Result<(), OverRate> {
        let Some((limiter, rate)) = &self.limiter else {
            return Ok(());
        };
        let key = caller.0.clone().unwrap_or_else(|| "-".to_string());
        limiter.check_key(&key).map_err(|not_until| OverRate {
            caller: if caller.0.is_some() {
                format!("token {key:?}")
            } else {
                "the server's callers together".to_string()
            },
            per_second: rate.get(),
            retry_after: not_until.wait_time_from(self.clock.now()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_caller_has_its_own_budget() {
        let limit = RateLimit::per_second(3);
        let desk = Caller(Some("desk".into()));
        let bot = Caller(Some("bot".into()));
        for _ in 0..3 {
            assert_eq!(limit.check(&desk), Ok(()));
        }
        let over = limit.check(&desk).unwrap_err();
        assert_eq!(over.per_second, 3);
        assert!(over.retry_after <= Duration::from_secs(1), "{over:?}");
        assert!(over.to_string().contains("\"desk\""), "{over}");
        assert_eq!(limit.check(&bot), Ok(()), "another token is not slowed");
        let open = RateLimit::per_second(0);
        for _ in 0..1000 {
            assert_eq!(open.check(&desk), Ok(()));
        }
    }
}
