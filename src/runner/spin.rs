//! When the tracer polls for the next stop instead of sleeping in `waitpid`.
//!
//! Every ptrace stop wakes the tracer. When it sleeps on another CPU than the program, that CPU
//! has gone idle, and on a virtual machine waking an idle CPU costs tens of microseconds: several
//! times what handling the stop costs (`docs/bench.md`, "CPU placement"). A tracer that polls
//! for a short while after resuming the program finds the next stop without that wake-up. But
//! on a busy machine no CPU idles, wake-ups are cheap, and a polling tracer only takes a CPU the
//! program (woken behind some other task) or its neighbours need. Which case holds changes with
//! the machine's load and the program's phase, so the tracer measures it: every `EPOCH` waits
//! it sleeps for `TRIAL` waits, then polls for `TRIAL` waits, and keeps for the rest of the
//! epoch whichever brought the stops back sooner. A tracer that may use one CPU only (affinity
//! or cgroup quota) never polls.

use std::time::Duration;

/// How long one wait polls at most before it sleeps.
const WINDOW: Duration = Duration::from_micros(100);
/// Waits between two measurements of both ways.
const EPOCH: u32 = 1024;
/// Waits measured each way.
const TRIAL: u32 = 32;

#[derive(Debug)]
pub struct Spin {
    enabled: bool,
    /// Waits so far; their place in the epoch says whether they are a trial's.
    waits: u32,
    /// How long each wait of this epoch's sleeping and polling trials took.
    sleeping: [Duration; TRIAL as usize],
    polling: [Duration; TRIAL as usize],
    /// What the last trials chose for the rest of their epoch.
    poll: bool,
}

impl Spin {
    /// A policy for a tracer that may use `cpus` CPUs; `enabled: false` never polls.
    pub fn new(enabled: bool, cpus: usize) -> Spin {
        Spin {
            enabled: enabled && cpus >= 2,
            waits: 0,
            sleeping: [Duration::ZERO; TRIAL as usize],
            polling: [Duration::ZERO; TRIAL as usize],
            poll: false,
        }
    }

    /// A policy for this process, from the CPUs it may use (affinity and cgroup quota).
    pub fn for_this_process(enabled: bool) -> Spin {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Spin::new(enabled, cpus)
    }

    /// Whether it may ever poll (two usable CPUs, not turned off).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// How long the next wait may poll before it sleeps: `None` to sleep at once.
    pub fn window(&self) -> Option<Duration> {
        let polls = match self.waits % EPOCH {
            i if i < TRIAL => false,
            i if i < 2 * TRIAL => true,
            _ => self.poll,
        };
        (self.enabled && polls).then_some(WINDOW)
    }

    /// The wait that `window` was asked for took `took`, from the call to the stop.
    pub fn waited(&mut self, took: Duration) {
        if !self.enabled {
            return;
        }
        match self.waits % EPOCH {
            i if i < TRIAL => self.sleeping[i as usize] = took,
            i if i < 2 * TRIAL => {
                self.polling[(i - TRIAL) as usize] = took;
                if i == 2 * TRIAL - 1 {
                    // Medians: a wait for I/O or a timer says nothing about polling, and must
                    // not decide a trial alone. Polling costs a CPU: it has to win clearly.
                    self.poll = median(&mut self.polling) * 5 < median(&mut self.sleeping) * 4;
                }
            }
            _ => {}
        }
        self.waits = self.waits.wrapping_add(1);
    }
}

fn median(waits: &mut [Duration]) -> Duration {
    let middle = waits.len() / 2;
    *waits.select_nth_unstable(middle).1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs one epoch's trials, the sleeping waits taking `sleep` and the polling ones `poll`.
    fn trials(spin: &mut Spin, sleep: Duration, poll: Duration) {
        for _ in 0..TRIAL {
            assert_eq!(spin.window(), None, "the first trial sleeps");
            spin.waited(sleep);
        }
        for _ in 0..TRIAL {
            assert_eq!(spin.window(), Some(WINDOW), "the second trial polls");
            spin.waited(poll);
        }
    }

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn one_cpu_or_disabled_never_polls() {
        for mut spin in [Spin::new(true, 1), Spin::new(false, 8)] {
            for _ in 0..EPOCH * 2 {
                assert_eq!(spin.window(), None);
                spin.waited(us(90));
            }
        }
    }

    #[test]
    fn keeps_polling_while_it_brings_stops_back_sooner() {
        let mut spin = Spin::new(true, 2);
        trials(&mut spin, us(40), us(10));
        for _ in 2 * TRIAL..EPOCH {
            assert_eq!(spin.window(), Some(WINDOW));
            spin.waited(us(10));
        }
        // The next epoch measures again: the machine got busy, and polling stopped paying.
        trials(&mut spin, us(10), us(30));
        assert_eq!(spin.window(), None);
    }

    #[test]
    fn a_tie_or_a_long_pause_does_not_make_it_poll() {
        let mut spin = Spin::new(true, 2);
        trials(&mut spin, us(20), us(19));
        assert_eq!(spin.window(), None, "a small gain does not pay for a CPU");
        for _ in 2 * TRIAL..EPOCH {
            spin.waited(us(20));
        }
        // One sleeping wait of a second among quick ones does not decide it: medians, not sums.
        for i in 0..TRIAL {
            spin.waited(if i == 0 {
                Duration::from_secs(1)
            } else {
                us(50)
            });
        }
        for _ in 0..TRIAL {
            spin.waited(us(60));
        }
        assert_eq!(spin.window(), None);
    }
}
