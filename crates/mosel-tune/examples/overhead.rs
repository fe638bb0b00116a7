//! Per-trial engine overhead on a trivial objective (the bench's `tune overhead` case without
//! the bench harness): `cargo run --release -p mosel-tune --example overhead -- tpe memory 1000`.

use std::time::Instant;

use mosel_tune::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let kind = args.first().map(String::as_str).unwrap_or("tpe");
    let url = args.get(1).map(String::as_str).unwrap_or("memory");
    let n: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(1000);
    let space = SearchSpace::builder()
        .float("x", -10.0, 10.0)
        .int("y", -10, 10)
        .build()?;
    let sampler: Box<dyn Sampler> = match kind {
        "random" => Box::new(RandomSampler::new(0)),
        _ => Box::new(TpeSampler::with_seed(0)),
    };
    let study = Study::builder(&format!("overhead-{}", std::process::id()), space)
        .storage(mosel_tune::storage::open(url)?)
        .sampler(sampler)
        .build()?;
    let stamps = std::sync::Mutex::new(Vec::with_capacity(n));
    let t0 = Instant::now();
    study.optimize_with(
        &OptimizeOptions::trials(n),
        |t: &mut Trial| {
            let x = t.float("x")?;
            Ok(x * x + t.int("y")? as f64)
        },
        |_t: &FrozenTrial| stamps.lock().unwrap().push(Instant::now()),
    )?;
    let total = t0.elapsed().as_secs_f64();
    let s = stamps.into_inner().unwrap();
    let last = (s[n - 1] - s[n - 101]).as_secs_f64() / 100.0;
    println!(
        "{kind} {url}: {n} trials in {total:.3} s, {:.1} us/trial, last 100: {:.1} us/trial, best {:?}",
        total / n as f64 * 1e6,
        last * 1e6,
        study.best_trial()?.value()
    );
    Ok(())
}
