//! Timestamps and durations in the forms the Go server uses.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Nanoseconds since the Unix epoch.
pub(crate) type Nanos = i128;

pub(crate) const SECOND: Nanos = 1_000_000_000;

/// Go's largest `time.Duration`: what a negative `keep_alive` ("forever") turns into.
pub(crate) const FOREVER: Nanos = i64::MAX as Nanos;

pub(crate) fn now() -> Nanos {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as Nanos)
        .unwrap_or(0)
}

/// RFC 3339 in UTC with Go's `RFC3339Nano` trimming: trailing zeros of the fraction are dropped.
pub(crate) fn rfc3339(t: Nanos) -> String {
    let secs = t.div_euclid(SECOND);
    let nanos = t.rem_euclid(SECOND);
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days as i64);
    let mut out = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    if nanos != 0 {
        let fraction = format!("{nanos:09}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    out.push('Z');
    out
}

/// Parses the timestamps this server writes (and any RFC 3339 time with an offset).
pub(crate) fn parse_rfc3339(s: &str) -> Option<Nanos> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| s.get(range)?.parse::<i64>().ok();
    let days = days_from_civil(num(0..4)?, num(5..7)?, num(8..10)?);
    let mut secs =
        days as Nanos * 86_400 + (num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?) as Nanos;
    let mut rest = &s[19..];
    let mut nanos: Nanos = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        let padded = format!("{:0<9}", &fraction[..digits.min(9)]);
        nanos = padded.parse().ok()?;
        rest = &fraction[digits..];
    }
    match rest.as_bytes().first()? {
        b'Z' | b'z' => {}
        sign @ (b'+' | b'-') => {
            let h: Nanos = rest.get(1..3)?.parse().ok()?;
            let m: Nanos = rest.get(4..6)?.parse().ok()?;
            let offset = h * 3600 + m * 60;
            secs -= if *sign == b'+' { offset } else { -offset };
        }
        _ => return None,
    }
    Some(secs * SECOND + nanos)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// A request's `keep_alive`: `None` when unset, otherwise nanoseconds (`0` unloads, negative means
/// forever). Errors carry the server's 400 text.
pub(crate) fn parse_keep_alive(value: &Value) -> Result<Option<Nanos>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Number(n) => {
            let secs = n.as_f64().unwrap_or(0.0);
            Ok(Some(if secs < 0.0 {
                -1
            } else {
                (secs * 1e9) as Nanos
            }))
        }
        Value::String(s) => parse_go_duration(s).map(Some),
        Value::Bool(_) => Err("Unsupported type: 'bool'".into()),
        Value::Array(_) => Err("Unsupported type: '[]interface {}'".into()),
        Value::Object(_) => Err("Unsupported type: 'map[string]interface {}'".into()),
    }
}

/// Go's `time.ParseDuration`, with its error texts.
pub(crate) fn parse_go_duration(s: &str) -> Result<Nanos, String> {
    let invalid = || format!("time: invalid duration \"{s}\"");
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .bytes()
            .take_while(|c| c.is_ascii_digit() || *c == b'.')
            .count();
        let number = &rest[..number_len];
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return Err(invalid());
        }
        let value: f64 = number.parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale = match unit {
            "" => return Err(format!("time: missing unit in duration \"{s}\"")),
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            other => {
                return Err(format!(
                    "time: unknown unit \"{other}\" in duration \"{s}\""
                ))
            }
        };
        total += value * scale;
    }
    let total = total as Nanos;
    Ok(if negative { -total } else { total })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_timestamps() {
        let t = parse_rfc3339("2026-11-25T03:09:40.25579461Z").unwrap();
        assert_eq!(rfc3339(t), "2026-11-25T03:09:40.25579461Z");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let offset = parse_rfc3339("2025-05-10T08:06:48.639712648-07:00").unwrap();
        assert_eq!(rfc3339(offset), "2025-05-10T15:06:48.639712648Z");
        assert!(rfc3339(now() + FOREVER).starts_with("23"));
    }

    #[test]
    fn durations_like_go() {
        assert_eq!(parse_go_duration("1h30m"), Ok(5400 * SECOND));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("0s"), Ok(0));
        assert_eq!(parse_go_duration("-1m"), Ok(-60 * SECOND));
        assert_eq!(parse_go_duration("1.5s"), Ok(1_500_000_000));
        assert_eq!(
            parse_go_duration("300"),
            Err("time: missing unit in duration \"300\"".into())
        );
        assert_eq!(
            parse_go_duration("forever"),
            Err("time: invalid duration \"forever\"".into())
        );
        assert_eq!(
            parse_go_duration("5x"),
            Err("time: unknown unit \"x\" in duration \"5x\"".into())
        );
    }
}
