//! Schedules (`schedule = "mon,thu 06:00"` in an integration): weekdays and
//! times of day in a time zone, and when a run is due.
//!
//! Format: `<days> <times>`. Days are a comma list of `mon`…`sun`, ranges
//! (`mon-fri`), `daily` or `weekdays`; times a comma list of `HH:MM`
//! (24-hour), e.g. `"mon-fri 06:05"`, `"daily 06:00,18:00"`.
//!
//! Rules, with the clock always given (so tests run on a simulated one):
//! - a time that does not exist on a day (the spring-forward gap, 02:30
//!   when clocks jump from 02:00 to 03:00) runs once, right after the
//!   gap; a time that happens twice (the fall-back fold) runs once, the
//!   first time: no day is skipped and none doubled;
//! - after downtime, every due time missed collapses into one catch-up run
//!   ([`Schedule::due_between`] answers the latest only).

use anyhow::{Context as _, bail};
use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use std::str::FromStr;

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Monday first.
    days: [bool; 7],
    /// Times of day, ascending, no repeats.
    times: Vec<Time>,
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(name: &str) -> anyhow::Result<usize> {
    DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(name.trim()))
        .with_context(|| format!("{name:?} is no day; use mon, tue, wed, thu, fri, sat, sun"))
}

fn weekday_index(day: Weekday) -> usize {
    usize::from(day.to_monday_zero_offset().unsigned_abs())
}

impl FromStr for Schedule {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        let shape = "a schedule is days and times, e.g. \"mon,thu 06:00\", \"mon-fri 06:05\" or \"daily 06:00,18:00\"";
        let Some((days_text, times_text)) = text.trim().split_once(char::is_whitespace) else {
            bail!("{text:?}: {shape}");
        };
        let mut days = [false; 7];
        for part in days_text.split(',') {
            match part.trim().to_ascii_lowercase().as_str() {
                "daily" => days = [true; 7],
                "weekdays" => days[..5].iter_mut().for_each(|d| *d = true),
                range if range.contains('-') => {
                    let (from, to) = range.split_once('-').unwrap_or((range, range));
                    let (from, to) = (day_index(from)?, day_index(to)?);
                    if from > to {
                        bail!("{text:?}: the day range {range} runs backwards; write it Monday first");
                    }
                    days[from..=to].iter_mut().for_each(|d| *d = true);
                }
                day => days[day_index(day)?] = true,
            }
        }
        let mut times = Vec::new();
        for part in times_text.trim().split(',') {
            let part = part.trim();
            let valid = part.len() == 5 && part.as_bytes()[2] == b':';
            let time: Time = part
                .parse()
                .ok()
                .filter(|_| valid)
                .with_context(|| format!("{text:?}: {part:?} is no time of day; write HH:MM, e.g. 06:00"))?;
            times.push(time);
        }
        times.sort();
        times.dedup();
        Ok(Self { days, times })
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let days: Vec<&str> = DAY_NAMES.iter().zip(self.days).filter(|(_, on)| *on).map(|(d, _)| *d).collect();
        let times: Vec<String> = self.times.iter().map(|t| t.strftime("%H:%M").to_string()).collect();
        write!(f, "{} {}", days.join(","), times.join(","))
    }
}

impl Schedule {
    /// The due instants of `date` in `tz`: each time of day, a time in the
    /// spring-forward gap moved past it, one in the fall-back fold taken
    /// the first time.
    fn due_on(&self, date: Date, tz: &TimeZone) -> Vec<Timestamp> {
        if !self.days[weekday_index(date.weekday())] {
            return Vec::new();
        }
        self.times
            .iter()
            .filter_map(|time| tz.to_ambiguous_zoned(date.to_datetime(*time)).compatible().ok())
            .map(|zoned| zoned.timestamp())
            .collect()
    }

    /// The first due instant strictly after `after`.
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let start = after.to_zoned(tz.clone()).date();
        (0..=8)
            .filter_map(|offset| start.checked_add(jiff::Span::new().days(offset)).ok())
            .flat_map(|date| self.due_on(date, tz))
            .find(|due| *due > after)
    }

    /// The latest due instant after `since` and not after `now`: however
    /// many were missed, one run catches up.
    pub fn due_between(&self, since: Timestamp, now: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let mut latest = None;
        let mut at = since;
        // Runs of the span are at most 24 a day (times) × days: bounded.
        while let Some(due) = self.next_after(at, tz).filter(|due| *due <= now) {
            latest = Some(due);
            at = due;
        }
        latest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oslo() -> TimeZone {
        TimeZone::get("Europe/Oslo").expect("tz")
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("instant")
    }

    fn local(ts: Timestamp) -> String {
        ts.to_zoned(oslo()).strftime("%Y-%m-%d %a %H:%M %Z").to_string()
    }

    #[test]
    fn schedules_parse_days_ranges_and_times_and_say_what_is_wrong() {
        let s: Schedule = "mon,thu 06:00".parse().expect("parses");
        assert_eq!(s.to_string(), "mon,thu 06:00");
        assert_eq!("mon-fri 06:05".parse::<Schedule>().expect("range").to_string(), "mon,tue,wed,thu,fri 06:05");
        assert_eq!(
            "daily 18:00,06:00".parse::<Schedule>().expect("daily").to_string(),
            "mon,tue,wed,thu,fri,sat,sun 06:00,18:00"
        );
        for (bad, says) in [
            ("monday 06:00", "is no day"),
            ("mon 6", "HH:MM"),
            ("mon", "days and times"),
            ("fri-mon 06:00", "backwards"),
        ] {
            let err = bad.parse::<Schedule>().expect_err(bad).to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn only_the_chosen_weekdays_run() {
        let s: Schedule = "mon,thu 06:00".parse().expect("parses");
        let tuesday = at("2026-12-01T12:00:00Z");
        let next = s.next_after(tuesday, &oslo()).expect("next");
        assert_eq!(local(next), "2026-12-03 Thu 06:00 CET");
        assert_eq!(local(s.next_after(next, &oslo()).expect("next")), "2026-12-07 Mon 06:00 CET");
    }

    #[test]
    fn the_spring_forward_day_runs_once_just_after_the_gap() {
        // Oslo, 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
        let s: Schedule = "sun 02:30".parse().expect("parses");
        let saturday = at("2026-03-28T12:00:00Z");
        let due = s.next_after(saturday, &oslo()).expect("due");
        assert_eq!(local(due), "2026-03-29 Sun 03:30 CEST");
        assert_eq!(local(s.next_after(due, &oslo()).expect("next")), "2026-04-05 Sun 02:30 CEST", "not twice that day");
        let daily: Schedule = "daily 06:00".parse().expect("parses");
        assert_eq!(local(daily.next_after(saturday, &oslo()).expect("due")), "2026-03-29 Sun 06:00 CEST");
    }

    #[test]
    fn the_fall_back_day_runs_once_at_the_first_of_the_two_times() {
        // Oslo, 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        let s: Schedule = "sun 02:30".parse().expect("parses");
        let due = s.next_after(at("2026-10-24T12:00:00Z"), &oslo()).expect("due");
        assert_eq!(due, at("2026-10-25T00:30:00Z"), "02:30 CEST, the first");
        let next = s.next_after(due, &oslo()).expect("next");
        assert_eq!(local(next), "2026-11-01 Sun 02:30 CET", "the second 02:30 is not a second run");
        let between = s.due_between(at("2026-10-24T12:00:00Z"), at("2026-10-25T03:00:00Z"), &oslo());
        assert_eq!(between, Some(due));
    }

    #[test]
    fn downtime_over_two_due_times_gives_one_catch_up_run_at_the_latest() {
        let s: Schedule = "mon,thu 06:00".parse().expect("parses");
        let last_run = at("2026-11-30T05:00:00Z"); // Monday 06:00 CET
        let back = at("2026-12-08T09:00:00Z"); // the next Tuesday: Thursday and Monday were missed
        let due = s.due_between(last_run, back, &oslo()).expect("one catch-up");
        assert_eq!(local(due), "2026-12-07 Mon 06:00 CET");
        assert_eq!(s.due_between(due, back, &oslo()), None, "and nothing more until Thursday");
    }
}
