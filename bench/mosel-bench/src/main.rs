//! mosel's side of the benchmarks. Each workload prints one JSON line per case:
//! `{"workload", "case", "tool", "seconds", "peak_mb", ...}`; `bench/run` joins them with the
//! Python peer's lines and prints the ratios. Run through `bench/run`, not by hand.

mod load;
mod measure;
mod metrics;
mod select;
mod train;
mod tune;

use std::process::ExitCode;

const USAGE: &str = "usage: mosel-bench <workload> [args...]
workloads:
  gen-csv FILE ROWS COLS     write a seeded numeric CSV
  load FILE                  load a numeric CSV into an f32 design matrix
  metrics gen|run DIR        classification metrics on 10M binary / 1M 10-class rows
  tune overhead tpe|random memory|sqlite:///F N   study engine overhead per trial
  tune quality branin|hartmann6                    median best of 100 trials, 10 seeds
  train DIR                  logistic (L-BFGS, SGD) and MLP training on bench/python/train.py data
  select grid DIR N          GridSearchCV-like selection: logistic, 10 C, stratified 5-fold, refit
  select rows DIR N...       the same selection on N rows each
  select candidates DIR N M...  M candidates on N rows";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("gen-csv") => load::gen_csv(&args[1..]),
        Some("load") => load::run(&args[1..]),
        Some("metrics") => match args.get(1).map(String::as_str) {
            Some("gen") => metrics::generate(&args[2..]),
            Some("run") => metrics::run(&args[2..]),
            _ => Err(USAGE.to_string()),
        },
        Some("tune") => match args.get(1).map(String::as_str) {
            Some("overhead") => tune::overhead(&args[2..]),
            Some("quality") => tune::quality(&args[2..]),
            _ => Err(USAGE.to_string()),
        },
        Some("train") => train::run(&args[1..]),
        Some("select") => match args.get(1).map(String::as_str) {
            Some("grid") => select::grid(&args[2..]),
            Some("rows") => select::rows(&args[2..]),
            Some("candidates") => select::n_candidates(&args[2..]),
            _ => Err(USAGE.to_string()),
        },
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
