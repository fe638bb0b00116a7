//! Cross-validates the default candidates on a bundled dataset and prints the mean scores.
//! `cargo run --release -p mosel-select --example quick_cv -- breast-cancer`
use mosel_data::{DataSource, ReadOptions, datasets};
use mosel_select::cv::{CvData, CvOptions, cross_validate};
use mosel_select::default_candidates;
use mosel_select::split::{Splitter, Strategy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "breast-cancer".into());
    let table = DataSource::Bundled(name.clone()).load(&ReadOptions::default())?;
    let target = datasets::find(&name).ok_or("unknown dataset")?.target;
    let data = CvData::new(table, target, None, None, None)?;
    let task = data.problem.task;
    let strategy = if task.is_classification() {
        Strategy::StratifiedKFold {
            k: 5,
            shuffle: true,
        }
    } else {
        Strategy::KFold {
            k: 5,
            shuffle: true,
        }
    };
    let opts = CvOptions::new(Splitter::new(strategy), task);
    let cands = default_candidates(task, data.n_rows());
    let run = cross_validate(&data, &cands, &opts, None)?;
    println!(
        "{} fits in {:.2}s on {} threads",
        cands.len() * run.folds.len(),
        run.seconds,
        run.threads
    );
    for c in &run.candidates {
        match &c.error {
            Some(e) => println!("{:<36} FAILED {e}", c.candidate.name),
            None => {
                let s = c.test_scores(0);
                let tr = c.train_scores(0);
                let m = s.iter().sum::<f64>() / s.len() as f64;
                let mt = tr.iter().sum::<f64>() / tr.len() as f64;
                let ep: Vec<usize> = c.folds.iter().map(|f| f.epochs).collect();
                println!(
                    "{:<36} {:.4} (train {:.4}) fit {:.3}s params {} epochs {:?}",
                    c.candidate.name,
                    m,
                    mt,
                    c.mean_fit_seconds(),
                    c.n_params(),
                    ep
                );
            }
        }
    }
    Ok(())
}
