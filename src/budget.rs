//! A claim's work budget: how long its verification may run, and whether
//! its caller is still waiting. The verification loops check it between
//! units of bounded work (each candidate document loaded, each candidate
//! sentence judged, each window accounted), so a claim whose caller went
//! away (a cancelled call, a passed deadline, a server shutting down) or
//! whose time ran out stops within one unit instead of running to its end
//! on the blocking pool.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why work stopped before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    #[error("the caller went away")]
    Cancelled,
    #[error("the claim needed more than its {0:?} of work")]
    OutOfTime(Duration),
}

/// The budget of one piece of work; clones share the cancellation.
#[derive(Debug, Clone)]
pub struct Budget {
    cancelled: Arc<AtomicBool>,
    /// The deadline and the time it allowed.
    deadline: Option<(Instant, Duration)>,
}

impl Budget {
    /// No deadline, and nothing cancels it but [`Budget::cancel`].
    pub fn unlimited() -> Budget {
        Budget {
            cancelled: Arc::new(AtomicBool::new(false)),
            deadline: None,
        }
    }

    /// `allowed` from now.
    pub fn lasting(allowed: Duration) -> Budget {
        Budget {
            deadline: Instant::now()
                .checked_add(allowed)
                .map(|deadline| (deadline, allowed)),
            ..Budget::unlimited()
        }
    }

    /// Whether the work may go on.
    pub fn check(&self) -> Result<(), Stopped> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(Stopped::Cancelled);
        }
        match self.deadline {
            Some((deadline, allowed)) if Instant::now() >= deadline => {
                Err(Stopped::OutOfTime(allowed))
            }
            _ => Ok(()),
        }
    }

    /// Stops the work at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// A guard that cancels the work when it is dropped: held by the future
    /// that waits for the work, so dropping that future (the caller left)
    /// stops the work too.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its budget when dropped.
#[derive(Debug)]
pub struct CancelOnDrop(Budget);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_stops_when_cancelled_or_out_of_time() {
        let unlimited = Budget::unlimited();
        assert_eq!(unlimited.check(), Ok(()));
        let shared = unlimited.clone();
        drop(unlimited.cancel_on_drop());
        assert_eq!(shared.check(), Err(Stopped::Cancelled));

        let spent = Budget::lasting(Duration::ZERO);
        assert_eq!(spent.check(), Err(Stopped::OutOfTime(Duration::ZERO)));
        let long = Budget::lasting(Duration::from_secs(3600));
        assert_eq!(long.check(), Ok(()));
        // A deadline past the clock's range is no deadline.
        assert_eq!(Budget::lasting(Duration::MAX).check(), Ok(()));
    }
}
