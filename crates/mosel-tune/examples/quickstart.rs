//! A small study on SQLite: a conditional space, TPE, median pruning.
//!
//! `cargo run -p mosel-tune --example quickstart -- sqlite:///tmp/quickstart.db`
//! then `mosel study show --storage sqlite:///tmp/quickstart.db`.

use mosel_tune::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "sqlite:///tmp/quickstart.db".into());
    let space = SearchSpace::from_toml(
        r#"
[model]
type = "categorical"
choices = ["linear", "mlp"]

[lr]
type = "float"
low = 1e-4
high = 1.0
log = true

[hidden]
type = "int"
low = 4
high = 128
log = true
when = { model = "mlp" }
"#,
    )?;
    let study = Study::builder("quickstart", space)
        .storage(mosel_tune::storage::open(&url)?)
        .sampler(Box::new(TpeSampler::with_seed(42)))
        .pruner(Box::new(MedianPruner::default()))
        .build()?;
    let summary = study.optimize(&OptimizeOptions::trials(40), |t: &mut Trial| {
        let lr = t.float("lr")?;
        let floor = match t.str("model")?.as_str() {
            "mlp" => 0.1 + (t.int("hidden")? as f64 / 32.0).ln().abs() * 0.1,
            _ => 0.3,
        } + (lr.log10() + 2.0).powi(2) * 0.05;
        let mut loss = 1.0;
        for epoch in 0..10 {
            loss = floor + 1.0 / (epoch as f64 + 1.0);
            if t.report(epoch, loss)? {
                return Err(TrialError::Pruned);
            }
        }
        Ok(loss)
    })?;
    let best = study.best_trial()?;
    println!(
        "{} complete, {} pruned; best #{} = {:.4}",
        summary.complete,
        summary.pruned,
        best.number,
        best.value().unwrap_or(f64::NAN)
    );
    Ok(())
}
