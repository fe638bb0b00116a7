//! Shared helpers for the golden-file tests.
#![allow(dead_code)]

use serde_json::Value;

pub const RTOL: f64 = 1e-9;
pub const ATOL: f64 = 1e-12;

pub struct Case {
    pub name: String,
    pub func: String,
    pub args: Value,
    pub expected: Value,
}

pub fn load(file: &str) -> Vec<Case> {
    let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().unwrap().to_string(),
            func: c["fn"].as_str().unwrap().to_string(),
            args: c["args"].clone(),
            expected: c["expected"].clone(),
        })
        .collect()
}

pub fn f(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            _ => panic!("not a float: {s}"),
        },
        Value::Bool(b) => *b as u8 as f64,
        _ => panic!("not a float: {v}"),
    }
}

pub fn fv(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

pub fn fm(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(fv).collect()
}

pub fn opt_fv(v: &Value) -> Option<Vec<f64>> {
    if v.is_null() { None } else { Some(fv(v)) }
}

pub fn uv(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

pub fn opt_usize(v: &Value) -> Option<Vec<usize>> {
    if v.is_null() {
        None
    } else {
        Some(
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect(),
        )
    }
}

pub fn is_error(expected: &Value) -> bool {
    expected.get("error").is_some()
}

pub fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= ATOL.max(RTOL * a.abs().max(b.abs()))
}

/// Collects failures so one run reports all of them.
#[derive(Default)]
pub struct Report {
    pub failures: Vec<String>,
    pub checked: usize,
}

impl Report {
    pub fn num(&mut self, case: &str, what: &str, got: f64, want: f64) {
        self.checked += 1;
        if !close(got, want) {
            self.failures
                .push(format!("{case} [{what}]: got {got:e}, want {want:e}"));
        }
    }

    pub fn vec(&mut self, case: &str, what: &str, got: &[f64], want: &[f64]) {
        if got.len() != want.len() {
            self.checked += 1;
            self.failures.push(format!(
                "{case} [{what}]: length {} vs {}: {got:?} vs {want:?}",
                got.len(),
                want.len()
            ));
            return;
        }
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            self.num(case, &format!("{what}[{i}]"), *g, *w);
        }
    }

    pub fn mat(&mut self, case: &str, what: &str, got: &[Vec<f64>], want: &[Vec<f64>]) {
        if got.len() != want.len() {
            self.checked += 1;
            self.failures.push(format!(
                "{case} [{what}]: {} rows vs {}",
                got.len(),
                want.len()
            ));
            return;
        }
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            self.vec(case, &format!("{what}[{i}]"), g, w);
        }
    }

    /// The case expects an error: `got` must be one.
    pub fn err<T: std::fmt::Debug, E>(&mut self, case: &str, got: &Result<T, E>) {
        self.checked += 1;
        if let Ok(v) = got {
            self.failures
                .push(format!("{case}: expected an error, got {v:?}"));
        }
    }

    pub fn unexpected_err<E: std::fmt::Display>(&mut self, case: &str, e: E) {
        self.checked += 1;
        self.failures.push(format!("{case}: unexpected error: {e}"));
    }

    pub fn finish(self, file: &str) {
        assert!(self.checked > 0, "{file}: nothing checked");
        if !self.failures.is_empty() {
            let n = self.failures.len();
            let shown: Vec<_> = self.failures.into_iter().take(40).collect();
            panic!(
                "{file}: {n} failures of {} checks:\n{}",
                self.checked,
                shown.join("\n")
            );
        }
        eprintln!("{file}: {} checks passed", self.checked);
    }
}
