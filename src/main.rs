//! The `mosel` command-line tool: a thin layer over the mosel library.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mosel: train models, evaluate them honestly, and select the best one.
#[derive(Debug, Parser)]
#[command(
    name = "mosel",
    version,
    about,
    long_about = None,
    propagate_version = true,
    after_help = "Examples:\n  mosel datasets\n  mosel describe --dataset diamonds --target price\n  mosel describe --data my.csv --target label --json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the datasets bundled with mosel.
    Datasets(cli::datasets::Args),
    /// Show a data file's schema: column types, missing values, cardinalities, the target.
    Describe(cli::describe::Args),
    /// Score a predictions file: metrics with bootstrap confidence intervals.
    Eval(cli::eval::Args),
    /// Compare two models' predictions on the same rows with paired tests.
    Compare(cli::compare::Args),
    /// Train a model (linear, logistic, softmax, MLP) and save it as a model file.
    Train(cli::train::Args),
    /// Predict with a saved model; writes CSV ready for `mosel eval`.
    Predict(cli::predict::Args),
    /// Read tuning studies back: list, show, best trial / Pareto front, export CSV or JSON.
    Study(cli::study::Args),
    /// Cross-validate one candidate: per-fold scores, mean, spread, interval, overfitting gap.
    Cv(cli::cv::Args),
    /// Select the best model and optimizer by cross-validation, with significance tests;
    /// refit the winner and save it.
    Select(cli::select::Args),
    /// Write a self-contained HTML report (plots, leaderboard) from a results file.
    Report(cli::report::Args),
    /// Tune model, optimizer and hyperparameters with a stored, resumable study (TPE, pruning,
    /// Pareto fronts); refit and save the best.
    Tune(cli::tune::Args),
}

fn main() -> ExitCode {
    // Exit quietly when the reader of our output goes away (`mosel ... | head`).
    // SAFETY: restoring the default SIGPIPE disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Datasets(a) => cli::datasets::run(a),
        Command::Describe(a) => cli::describe::run(a),
        Command::Eval(a) => cli::eval::run(a),
        Command::Compare(a) => cli::compare::run(a),
        Command::Train(a) => cli::train::run(a),
        Command::Predict(a) => cli::predict::run(a),
        Command::Study(a) => cli::study::run(a),
        Command::Cv(a) => cli::cv::run(a),
        Command::Select(a) => cli::select::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Tune(a) => cli::tune::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
