//! Helpers of the tests of every API area.

use serde::Serialize;
use serde_json::Value;

use crate::options::Options;

pub(crate) fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap()
}

/// The keys of a serialized value, sorted.
pub(crate) fn keys<T: Serialize>(v: &T) -> Vec<String> {
    let Value::Object(m) = serde_json::to_value(v).unwrap() else {
        panic!("not an object")
    };
    let mut k: Vec<String> = m.keys().cloned().collect();
    k.sort();
    k
}

pub(crate) fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

pub(crate) fn lines<T: serde::de::DeserializeOwned>(body: &str) -> Vec<T> {
    body.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub(crate) fn opts(pairs: &[(&str, Value)]) -> Options {
    let mut o = Options::default();
    for (k, v) in pairs {
        o.set(k, v.clone()).unwrap();
    }
    o
}
