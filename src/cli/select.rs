//! `mosel select`: cross-validate many candidates on the same folds, rank them with
//! significance tests, pick one, refit it on all rows and save it.

use std::path::PathBuf;

use anyhow::{Result, bail};
use mosel_select::candidate::{self, dedupe_names, default_candidates};
use mosel_select::split::{Splitter, Strategy};

use super::cv::{
    CandidateArgs, OutputArgs, SplitArgs, fmt4, load, options, print_header, print_leaderboard,
    print_metrics, run_selection,
};
use super::{DataArgs, TargetArgs};

/// Select the best model, optimizer and hyperparameters by cross-validation.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --candidates or candidate flags, the default set for the task is used: \
the linear model (logistic or linear regression) with L-BFGS, GD, SGD and Adam over small grids \
of learning rates and L2 strengths, and two MLPs.\n\nExamples:\n  mosel select --dataset breast-cancer\n  mosel select --dataset breast-cancer --rule one-se -o model.mosel --results results.json --report report.html\n  mosel select --dataset iris --nested --folds 5\n  mosel select --data train.csv --target label --candidates candidates.toml --metric roc_auc\n  mosel select --dataset wine --optimizer adam --lr 0.001 --lr 0.01 --lr 0.1"
)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    /// A TOML file of candidates ([[candidate]] tables; arrays make grids).
    #[arg(long, value_name = "FILE.toml")]
    pub candidates: Option<PathBuf>,
    #[command(flatten)]
    pub candidate: CandidateArgs,
    #[command(flatten)]
    pub split: SplitArgs,
    /// Selection rule: best (best mean) or one-se (fewest parameters within one standard
    /// error of the best).
    #[arg(long, value_name = "RULE", default_value = "best")]
    pub rule: mosel_select::Rule,
    /// Also estimate the whole selection's performance honestly with nested
    /// cross-validation (the selection re-run inside each outer fold).
    #[arg(long)]
    pub nested: bool,
    /// Outer folds of --nested.
    #[arg(long, value_name = "K", default_value_t = 5, requires = "nested")]
    pub outer_folds: usize,
    /// Save the winner, refitted on all rows, as a model file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Runs `mosel select`.
pub fn run(args: Args) -> Result<()> {
    let cv = load(&args.data, &args.target, &args.split)?;
    let task = cv.problem.task;
    let spec = args.candidate.spec()?;
    let mut candidates = match (&args.candidates, spec.is_empty()) {
        (Some(_), false) => {
            bail!("give candidates either in --candidates FILE or as flags, not both")
        }
        (Some(file), true) => candidate::from_toml_file(file, task)?,
        (None, false) => spec.build(task)?,
        (None, true) => default_candidates(task, cv.n_rows()),
    };
    dedupe_names(&mut candidates);
    let nested = if args.nested {
        let inner = args.split.splitter(task)?;
        let outer = match inner.strategy {
            Strategy::TimeSeries {
                gap,
                max_train_size,
                ..
            } => Strategy::TimeSeries {
                n_splits: args.outer_folds,
                gap,
                max_train_size,
                test_size: None,
            },
            Strategy::StratifiedKFold { shuffle, .. }
            | Strategy::HoldOut {
                stratify: true,
                shuffle,
                ..
            } => Strategy::StratifiedKFold {
                k: args.outer_folds,
                shuffle,
            },
            Strategy::GroupKFold { shuffle, .. } => Strategy::GroupKFold {
                k: args.outer_folds,
                shuffle,
            },
            Strategy::StratifiedGroupKFold { shuffle, .. } => Strategy::StratifiedGroupKFold {
                k: args.outer_folds,
                shuffle,
            },
            Strategy::KFold { shuffle, .. } | Strategy::HoldOut { shuffle, .. } => {
                Strategy::KFold {
                    k: args.outer_folds,
                    shuffle,
                }
            }
            Strategy::ShuffleSplit { stratify, .. } => {
                if stratify {
                    Strategy::StratifiedKFold {
                        k: args.outer_folds,
                        shuffle: true,
                    }
                } else {
                    Strategy::KFold {
                        k: args.outer_folds,
                        shuffle: true,
                    }
                }
            }
        };
        Some(Splitter {
            strategy: outer,
            repeats: 1,
            seed: args.split.seed.wrapping_add(1),
        })
    } else {
        None
    };
    let opts = options(&args.split, &args.out, task, args.rule, nested, true)?;
    let (sel, results) = run_selection(
        "select",
        &cv,
        &candidates,
        &opts,
        &args.out,
        args.output.as_ref(),
    )?;
    if args.out.json {
        return Ok(());
    }
    print_header(&cv, &results);
    let lb = &sel.leaderboard;
    print_leaderboard(lb);
    let Some(s) = lb.selected else {
        bail!("no candidate could be selected");
    };
    let row = lb.row(s).expect("the selected candidate has a row");
    let m = &row.metrics[0];
    println!();
    let ci = if m.ci_low.is_finite() {
        format!(", 95% CI [{}, {}]", fmt4(m.ci_low), fmt4(m.ci_high))
    } else {
        String::new()
    };
    println!(
        "selected ({} rule): {}  —  {} {} ± {}{ci}, {} parameters",
        lb.rule,
        row.name,
        lb.metric,
        fmt4(m.mean),
        fmt4(m.std),
        row.n_params
    );
    println!("  {}", row.description);
    if let (Some(b), mosel_select::Rule::OneSe) = (lb.best, lb.rule)
        && b != s
    {
        let best = lb.row(b).expect("best has a row");
        println!(
            "  (best mean: {} at {}; the one-SE rule prefers the simpler model within {} of it)",
            best.name,
            fmt4(best.metrics[0].mean),
            fmt4((best.metrics[0].mean - lb.threshold.unwrap_or(f64::NAN)).abs())
        );
    }
    print_metrics(lb, s);
    if let Some(n) = &sel.nested {
        let sm = &n.summary[0];
        let winners: Vec<String> = n
            .wins
            .iter()
            .enumerate()
            .filter(|(_, w)| **w > 0)
            .map(|(c, w)| format!("{} x{w}", candidates[c].name))
            .collect();
        println!(
            "nested CV ({} outer folds): {} {} ± {}, 95% CI [{}, {}] — the honest estimate of this selection; winners: {}",
            n.folds.len(),
            sm.metric,
            fmt4(sm.mean),
            fmt4(sm.std),
            fmt4(sm.ci_low),
            fmt4(sm.ci_high),
            winners.join(", ")
        );
    }
    if let Some(r) = &results.refit {
        let note = match &args.output {
            Some(p) => format!("; saved to {}", p.display()),
            None => "; not saved (use -o FILE)".into(),
        };
        println!(
            "refit on all {} rows in {:.2} s{note}",
            r.n_rows, r.fit_seconds
        );
    }
    if let Some(p) = &args.out.results {
        println!("results written to {}", p.display());
    }
    if let Some(p) = &args.out.report {
        println!("report written to {}", p.display());
    }
    Ok(())
}
