//! Workload `tune`: study engine overhead and search quality, side by side with Optuna
//! (bench/python/tune.py runs the same objectives and budgets).
//!
//! - overhead: N trials of the trivial objective x² + y (x float in [-10, 10], y int in
//!   [-10, 10]), TPE or random, in memory or in SQLite; per-trial time over all trials and over
//!   the last 100 (where TPE is slowest).
//! - quality: median best value after 100 trials over seeds 0..9 on Branin / Hartmann-6.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use mosel_tune::prelude::*;
use mosel_tune::storage;
use mosel_tune::testfns::{branin, hartmann6};

use crate::measure::emit;

fn sampler(kind: &str, seed: u64) -> Result<Box<dyn Sampler>, String> {
    match kind {
        "tpe" => Ok(Box::new(TpeSampler::with_seed(seed))),
        "random" => Ok(Box::new(RandomSampler::new(seed))),
        k => Err(format!("unknown sampler {k}")),
    }
}

/// `tune overhead SAMPLER STORAGE N` (STORAGE: memory or sqlite:///path).
pub fn overhead(args: &[String]) -> Result<(), String> {
    let [kind, url, n] = args else {
        return Err("usage: tune overhead tpe|random memory|sqlite:///F N".into());
    };
    let n: usize = n.parse().map_err(|e| format!("N: {e}"))?;
    let space = SearchSpace::builder()
        .float("x", -10.0, 10.0)
        .int("y", -10, 10)
        .build()
        .map_err(|e| e.to_string())?;
    let st = storage::open(url).map_err(|e| e.to_string())?;
    let study = Study::builder(&format!("bench-{kind}-{}", std::process::id()), space)
        .storage(st)
        .sampler(sampler(kind, 0)?)
        .build()
        .map_err(|e| e.to_string())?;
    let stamps = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let t0 = Instant::now();
    study
        .optimize_with(
            &OptimizeOptions::trials(n),
            |t: &mut Trial| {
                let x = t.float("x")?;
                Ok(x * x + t.int("y")? as f64)
            },
            |_t: &FrozenTrial| stamps.lock().unwrap().push(Instant::now()),
        )
        .map_err(|e| e.to_string())?;
    let total = t0.elapsed().as_secs_f64();
    let s = stamps.lock().unwrap();
    let last100 = (s[n - 1] - s[n - 101]).as_secs_f64() / 100.0;
    let where_ = if url == "memory" { "memory" } else { "sqlite" };
    let best = study.best_trial().map_err(|e| e.to_string())?.value();
    emit(
        "tune",
        &format!("{kind} {where_} {n} trials: per trial"),
        total / n as f64,
        serde_json::json!({"total_s": total, "last100_ms": last100 * 1e3, "best": best}),
    );
    emit(
        "tune",
        &format!("{kind} {where_} {n} trials: last 100, per trial"),
        last100,
        serde_json::json!({}),
    );
    Ok(())
}

fn best_after_100(kind: &str, seed: u64, hartmann: bool) -> Result<f64, String> {
    let space = if hartmann {
        let mut b = SearchSpace::builder();
        for i in 0..6 {
            b = b.float(&format!("x{i}"), 0.0, 1.0);
        }
        b.build()
    } else {
        SearchSpace::builder()
            .float("x1", -5.0, 10.0)
            .float("x2", 0.0, 15.0)
            .build()
    }
    .map_err(|e| e.to_string())?;
    let study = Study::builder("q", space)
        .sampler(sampler(kind, seed)?)
        .build()
        .map_err(|e| e.to_string())?;
    study
        .optimize(&OptimizeOptions::trials(100), |t: &mut Trial| {
            Ok(if hartmann {
                let mut x = [0.0; 6];
                for (i, xi) in x.iter_mut().enumerate() {
                    *xi = t.float(&format!("x{i}"))?;
                }
                hartmann6(&x)
            } else {
                branin(t.float("x1")?, t.float("x2")?)
            })
        })
        .map_err(|e| e.to_string())?;
    Ok(study
        .best_trial()
        .map_err(|e| e.to_string())?
        .value()
        .unwrap_or(f64::NAN))
}

/// `tune quality branin|hartmann6`.
pub fn quality(args: &[String]) -> Result<(), String> {
    let func = args.first().map(String::as_str).unwrap_or("branin");
    let hartmann = match func {
        "branin" => false,
        "hartmann6" => true,
        f => return Err(format!("unknown function {f}")),
    };
    for kind in ["tpe", "random"] {
        let t0 = Instant::now();
        let mut bests = (0..10)
            .map(|s| best_after_100(kind, s, hartmann))
            .collect::<Result<Vec<f64>, String>>()?;
        let secs = t0.elapsed().as_secs_f64();
        bests.sort_by(|a, b| a.total_cmp(b));
        let median = 0.5 * (bests[4] + bests[5]);
        emit(
            "tune",
            &format!("{func} {kind}: median best of 100 trials, 10 seeds"),
            secs,
            serde_json::json!({"median_best": median}),
        );
    }
    Ok(())
}
