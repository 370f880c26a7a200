//! Human formats, as the official `ollama` CLI writes them: sizes in
//! decimal units, relative times, and tables.

use std::time::Duration;

/// A byte count in decimal units, as Go's `format.HumanBytes` (ollama
/// v0.32.15) writes it for `ollama list`, `ps` and the progress bars:
/// `4.7 GB`, `12 MB`, `6 GB`, `483 KB`. Values of 10 or more are truncated
/// to an integer; smaller ones that are not whole are rounded to one
/// decimal (`%.1f`: 1.99 GB is `2.0 GB`, 9.96 GB is `10.0 GB`); whole ones
/// have none.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [(&str, f64); 4] = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)];
    for (unit, size) in UNITS {
        if n as f64 >= size {
            return format!("{} {unit}", short_number(n as f64 / size));
        }
    }
    format!("{n} B")
}

/// A rate in decimal units per second, as the official progress bar
/// writes it: the rate truncated to whole bytes, then [`human_bytes`]:
/// `35 MB/s`, `2.0 MB/s`.
pub fn human_rate(bytes_per_sec: f64) -> String {
    format!("{}/s", human_bytes(bytes_per_sec.max(0.0) as u64))
}

/// The number of a size: Go's `%d` of the truncated value from 10 up,
/// `%.1f` (rounded) below 10 unless the value is whole.
fn short_number(v: f64) -> String {
    if v >= 10.0 || v.fract() == 0.0 {
        format!("{}", v.trunc() as u64)
    } else {
        format!("{v:.1}")
    }
}

/// A count the way `ollama show` writes parameter counts: `8B`, `1.5B`,
/// `438.96M`, `119K`, `999`. Billions keep one decimal and millions two,
/// unless the value is whole; thousands are rounded to an integer.
pub fn human_number(n: u64) -> String {
    let v = n as f64;
    if n >= 1_000_000_000 {
        whole_or(v / 1e9, 1, "B")
    } else if n >= 1_000_000 {
        whole_or(v / 1e6, 2, "M")
    } else if n >= 1_000 {
        format!("{:.0}K", v / 1e3)
    } else {
        n.to_string()
    }
}

fn whole_or(v: f64, decimals: usize, unit: &str) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}{unit}")
    } else {
        format!("{v:.decimals$}{unit}")
    }
}

/// A number the way Go's `%v` prints a `float64` (which is what JSON
/// numbers decode to in the official CLI): the shortest digits that
/// round-trip, in exponent form (`1e-05`, `8.030261248e+09`) when the
/// decimal exponent is below -4 or at least 6, else plain (`118976`, `0.5`).
pub fn go_float(v: f64) -> String {
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.into();
    }
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `1.18976e5`.
    let sci = format!("{:e}", v.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if v < 0.0 { "-" } else { "" };
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let point = exp + 1; // digits before the decimal point
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (int, frac) = digits.split_at(point as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{text}")
}

/// A duration as the CLI says it: `Less than a second`, `1 second`,
/// `N seconds`, `About a minute`, `N minutes`, `About an hour`, `N hours`
/// (under 48 hours), `N days` (under two weeks), `N weeks` (under two
/// months), `N months` (under two years), `N years`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    const MIN: f64 = 60.0;
    const HOUR: f64 = 3600.0;
    const DAY: f64 = 24.0 * HOUR;
    if s < 1.0 {
        "Less than a second".into()
    } else if s < MIN {
        plural(s as u64, "second")
    } else if s < 2.0 * MIN {
        "About a minute".into()
    } else if s < HOUR {
        plural((s / MIN) as u64, "minute")
    } else if s < 2.0 * HOUR {
        "About an hour".into()
    } else if s < 48.0 * HOUR {
        plural((s / HOUR) as u64, "hour")
    } else if s < 14.0 * DAY {
        plural((s / DAY) as u64, "day")
    } else if s < 60.0 * DAY {
        plural((s / (7.0 * DAY)) as u64, "week")
    } else if s < 730.0 * DAY {
        plural((s / (30.0 * DAY)) as u64, "month")
    } else {
        plural((s / (365.0 * DAY)) as u64, "year")
    }
}

/// `3 days ago`, or `4 minutes from now` for a time ahead.
pub fn relative_time(then_unix: f64, now_unix: f64) -> String {
    if then_unix <= now_unix {
        format!(
            "{} ago",
            human_duration(Duration::from_secs_f64(now_unix - then_unix))
        )
    } else {
        format!(
            "{} from now",
            human_duration(Duration::from_secs_f64(then_unix - now_unix))
        )
    }
}

/// Seconds since the Unix epoch of an RFC 3339 time such as
/// `2025-05-10T08:06:48.639712648-07:00` (0 to 9 fractional digits).
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        if t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac = 0.0;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac = format!("0.{}", s.get(start..i)?).parse().ok()?;
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        c @ (b'+' | b'-') if b.len() == i + 6 && b[i + 3] == b':' => {
            let o = num(i + 1..i + 3)? * 3600 + num(i + 4..i + 6)? * 60;
            if *c == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some((days * 86400 + hour * 3600 + min * 60 + sec - offset) as f64 + frac)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// Lays out rows in columns separated by at least four spaces, like the
/// official CLI's tables, without trailing spaces.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let cols = header.len();
    let width = |c: usize| {
        rows.iter()
            .map(|r| r.get(c).map_or(0, |s| console::measure_text_width(s)))
            .chain([header[c].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..cols).map(width).collect();
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                let pad = widths[c] - console::measure_text_width(cell) + 4;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_like_ollama_list() {
        assert_eq!(human_bytes(483_257), "483 KB");
        assert_eq!(human_bytes(7_822_376), "7.8 MB");
        assert_eq!(human_bytes(4_661_211_424), "4.7 GB");
        // Below 10, one decimal, rounded as Go's %.1f, even up to 10.0.
        assert_eq!(human_bytes(1_990_000_000), "2.0 GB");
        assert_eq!(human_bytes(2_960_000_000), "3.0 GB");
        assert_eq!(human_bytes(1_040_000), "1.0 MB");
        assert_eq!(human_bytes(1_050_000), "1.1 MB");
        assert_eq!(human_bytes(9_960_000_000), "10.0 GB");
        assert_eq!(human_bytes(9_999), "10.0 KB");
        // From 10 up, truncated.
        assert_eq!(human_bytes(19_990_000_000), "19 GB");
        assert_eq!(human_bytes(999_999), "999 KB");
        // The captures (82-cli-list, 83-cli-ps, 90-cli-pull).
        assert_eq!(human_bytes(454_998), "454 KB");
        assert_eq!(human_bytes(482_904), "482 KB");
        assert_eq!(human_bytes(12_345_678), "12 MB");
        assert_eq!(human_bytes(6_000_000_000), "6 GB");
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1_000), "1 KB");
        assert_eq!(human_bytes(2_500_000_000_000), "2.5 TB");
    }

    #[test]
    fn rates_like_the_progress_bar() {
        assert_eq!(human_rate(1_990_000.7), "2.0 MB/s");
        assert_eq!(human_rate(35_900_000.0), "35 MB/s");
        assert_eq!(human_rate(999.9), "999 B/s");
        assert_eq!(human_rate(-5.0), "0 B/s");
    }

    #[test]
    fn counts_like_ollama_show() {
        assert_eq!(human_number(119_000), "119K");
        assert_eq!(human_number(118_976), "119K");
        assert_eq!(human_number(999), "999");
        assert_eq!(human_number(0), "0");
        assert_eq!(human_number(438_960_000), "438.96M");
        assert_eq!(human_number(7_000_000), "7M");
        assert_eq!(human_number(8_030_261_248), "8.0B");
        assert_eq!(human_number(1_500_000_000), "1.5B");
        assert_eq!(human_number(70_000_000_000), "70B");
    }

    #[test]
    fn floats_like_go() {
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(go_float(118_976.0), "118976");
        assert_eq!(go_float(10_000.0), "10000");
        assert_eq!(go_float(999_999.0), "999999");
        assert_eq!(go_float(1_000_000.0), "1e+06");
        assert_eq!(go_float(8_030_261_248.0), "8.030261248e+09");
        assert_eq!(go_float(0.5), "0.5");
        assert_eq!(go_float(0.0001), "0.0001");
        assert_eq!(go_float(-2.25), "-2.25");
        assert_eq!(go_float(500_000.0), "500000");
        assert_eq!(go_float(1.5e-7), "1.5e-07");
        assert_eq!(go_float(1e100), "1e+100");
        assert_eq!(go_float(0.0), "0");
        assert_eq!(go_float(3.0), "3");
    }

    #[test]
    fn durations_like_the_cli() {
        let d = |s: u64| human_duration(Duration::from_secs(s));
        assert_eq!(
            human_duration(Duration::from_millis(300)),
            "Less than a second"
        );
        assert_eq!(d(1), "1 second");
        assert_eq!(d(5), "5 seconds");
        assert_eq!(d(90), "About a minute");
        assert_eq!(d(13 * 60 + 5), "13 minutes");
        assert_eq!(d(3600 + 5), "About an hour");
        assert_eq!(d(5 * 3600), "5 hours");
        assert_eq!(d(3 * 86400), "3 days");
        assert_eq!(d(21 * 86400), "3 weeks");
        assert_eq!(d(90 * 86400), "3 months");
        assert_eq!(d(3 * 365 * 86400), "3 years");
    }

    #[test]
    fn relative_both_ways() {
        assert_eq!(relative_time(0.0, 3.0 * 86400.0), "3 days ago");
        assert_eq!(relative_time(250.0, 0.0), "4 minutes from now");
    }

    #[test]
    fn rfc3339_with_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0.0));
        let t = parse_rfc3339("2026-11-25T03:01:17.493105798Z").unwrap();
        assert!((t - 1_795_575_677.493).abs() < 1e-3, "{t}");
        let a = parse_rfc3339("2025-05-10T08:06:48.639712648-07:00").unwrap();
        let b = parse_rfc3339("2025-05-10T15:06:48.639712648Z").unwrap();
        assert!((a - b).abs() < 1e-6);
        assert_eq!(
            parse_rfc3339("0001-01-01T00:00:00Z").map(|t| t < 0.0),
            Some(true)
        );
        for bad in [
            "",
            "yesterday",
            "2025-13-01T00:00:00Z",
            "2025-05-10T08:06:48",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn table_pads_without_trailing_spaces() {
        let t = table(
            &["NAME", "ID"],
            &[vec!["tiny:latest".into(), "6c6fb155ec0c".into()]],
        );
        assert_eq!(t, "NAME           ID\ntiny:latest    6c6fb155ec0c\n");
    }
}

/// A duration in nanoseconds the way Go prints a `time.Duration`:
/// `275.748635ms`, `580µs`, `1.5s`, `2m3.5s`, `1h0m0s`.
pub fn go_duration(ns: u64) -> String {
    fn trimmed(whole: u64, frac: u64, digits: usize) -> String {
        let mut f = format!("{frac:0digits$}");
        while f.ends_with('0') {
            f.pop();
        }
        if f.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{f}")
        }
    }
    if ns == 0 {
        return "0s".into();
    }
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{}µs", trimmed(ns / 1_000, ns % 1_000, 3));
    }
    if ns < 1_000_000_000 {
        return format!("{}ms", trimmed(ns / 1_000_000, ns % 1_000_000, 6));
    }
    let secs = ns / 1_000_000_000;
    let s = format!("{}s", trimmed(secs % 60, ns % 1_000_000_000, 9));
    let mins = secs / 60;
    if mins == 0 {
        return s;
    }
    let m = format!("{}m{s}", mins % 60);
    let hours = mins / 60;
    if hours == 0 {
        m
    } else {
        format!("{hours}h{m}")
    }
}

#[cfg(test)]
mod go_duration_tests {
    use super::go_duration;

    #[test]
    fn like_go() {
        assert_eq!(go_duration(275_748_635), "275.748635ms");
        assert_eq!(go_duration(580_000), "580µs");
        assert_eq!(go_duration(1_478_000), "1.478ms");
        assert_eq!(go_duration(999), "999ns");
        assert_eq!(go_duration(1_500_000_000), "1.5s");
        assert_eq!(go_duration(123_500_000_000), "2m3.5s");
        assert_eq!(go_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(go_duration(0), "0s");
    }
}
