//! The clock a run *records* by: the time written into the lake
//! (`observed_at`, `requested_at`, the `crawl_date` partition), the runs
//! table and the listing registry, and the time the revisit interval is
//! measured in.
//!
//! It owns that one choice: the wall clock (every real crawl), or a
//! simulated calendar that starts at a given instant and runs at wall-clock
//! speed from there (the demo marketplace, whose rounds are days apart in
//! its own calendar but seconds apart in ours).
//!
//! It must never pace anything: delays, Crawl-delay, back-offs, the robots.txt
//! cache and each host's last-request time always use the real clocks
//! (`Instant`, `Utc::now`), so a simulated calendar can never make a crawl
//! faster or let a cached robots.txt outlive its real age.

use chrono::{DateTime, TimeDelta, Utc};

/// Which calendar a run records in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RecordClock {
    /// The wall clock (UTC). Every real crawl.
    #[default]
    Wall,
    /// A simulated calendar: the run starts at `start` and its record time
    /// advances with the wall clock from there. The demo uses it so that
    /// its rounds are the days apart its marketplace says they are.
    Simulated {
        /// Record time at the run's start.
        start: DateTime<Utc>,
    },
}

/// A [`RecordClock`] pinned to the wall-clock instant its run started.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RunClock {
    /// Record time minus wall time (zero for [`RecordClock::Wall`]).
    offset: TimeDelta,
}

impl RunClock {
    /// Starts `clock` now.
    pub(crate) fn start(clock: RecordClock) -> RunClock {
        let offset = match clock {
            RecordClock::Wall => TimeDelta::zero(),
            RecordClock::Simulated { start } => start - Utc::now(),
        };
        RunClock { offset }
    }

    /// The record time now.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_is_the_wall_clock_and_simulated_starts_where_asked() {
        let before = Utc::now();
        let wall = RunClock::start(RecordClock::Wall).now();
        assert!(wall >= before && wall <= Utc::now());

        let start = DateTime::parse_from_rfc3339("2026-11-02T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let sim = RunClock::start(RecordClock::Simulated { start });
        let t = sim.now();
        assert!(t >= start && t - start < TimeDelta::seconds(5), "{t}");
        // It runs at wall-clock speed.
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(sim.now() - t >= TimeDelta::milliseconds(20));
    }
}
