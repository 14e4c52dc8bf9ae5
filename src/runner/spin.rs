//! When the tracer polls for the next stop instead of sleeping in `waitpid`.
//!
//! Every ptrace stop wakes the tracer. When it sleeps on another CPU than the program, that CPU
//! has gone idle, and on a virtual machine waking an idle CPU costs tens of microseconds: several
//! times what handling the stop costs (`docs/bench.md`, "CPU placement"). A tracer that polls
//! for a short while after resuming the program finds the next stop without that wake-up, when
//! the stop comes soon. Polling is only worth it under three conditions, each checked here:
//! the tracer has a CPU of its own (two or more usable CPUs, quotas counted), the stops come
//! close together (the last sleep was short), and nobody else wants the CPU (a poll that took
//! long was descheduled: the machine is busy, and polling would slow the program or its
//! neighbours, so it pauses for a while).

use std::time::Duration;

/// How long one wait polls at most before it sleeps.
const WINDOW: Duration = Duration::from_micros(100);
/// A poll (with the yield before it) that took longer than this was descheduled.
const CONTENDED: Duration = Duration::from_micros(20);
/// Waits that sleep at once after a contended poll.
const PAUSE: u32 = 1000;

#[derive(Debug)]
pub struct Spin {
    /// Polling is allowed at all (`WINDOW`), or never (`None`).
    window: Option<Duration>,
    /// The last sleep ended within the window: a stop is likely to come as soon again.
    stops_close: bool,
    /// Waits left that sleep at once, after polling found the CPU wanted.
    paused: u32,
}

impl Spin {
    /// A policy for a tracer that may use `cpus` CPUs; `enabled: false` never polls.
    pub fn new(enabled: bool, cpus: usize) -> Spin {
        Spin {
            window: (enabled && cpus >= 2).then_some(WINDOW),
            stops_close: true,
            paused: 0,
        }
    }

    /// A policy for this process, from the CPUs it may use (affinity and cgroup quota).
    pub fn for_this_process(enabled: bool) -> Spin {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Spin::new(enabled, cpus)
    }

    /// How long the next wait may poll before it sleeps: `None` to sleep at once.
    pub fn next_window(&mut self) -> Option<Duration> {
        if self.paused > 0 {
            self.paused -= 1;
            return None;
        }
        self.window.filter(|_| self.stops_close)
    }

    /// One poll took `took`; whether polling may go on (false once the CPU is wanted).
    pub fn polled(&mut self, took: Duration) -> bool {
        if took > CONTENDED {
            self.paused = PAUSE;
            return false;
        }
        true
    }

    /// A sleep in `waitpid` lasted `took`: a short one says the next stop will come soon too.
    pub fn slept(&mut self, took: Duration) {
        if let Some(window) = self.window {
            self.stops_close = took < window;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUICK: Duration = Duration::from_micros(2);

    #[test]
    fn one_cpu_or_disabled_never_polls() {
        assert_eq!(Spin::new(true, 1).next_window(), None);
        assert_eq!(Spin::new(false, 8).next_window(), None);
        assert_eq!(Spin::new(true, 2).next_window(), Some(WINDOW));
    }

    #[test]
    fn polls_while_stops_come_close_together() {
        let mut spin = Spin::new(true, 2);
        spin.slept(WINDOW * 10);
        assert_eq!(
            spin.next_window(),
            None,
            "a long sleep: the program went quiet"
        );
        spin.slept(WINDOW / 2);
        assert_eq!(
            spin.next_window(),
            Some(WINDOW),
            "a short sleep: stops are close again"
        );
    }

    #[test]
    fn a_descheduled_poll_pauses_polling() {
        let mut spin = Spin::new(true, 2);
        assert!(spin.polled(QUICK));
        assert!(!spin.polled(CONTENDED * 2));
        for _ in 0..PAUSE {
            assert_eq!(spin.next_window(), None);
        }
        assert_eq!(spin.next_window(), Some(WINDOW), "the pause ends");
    }
}
