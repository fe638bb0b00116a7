//! The refit of a chosen candidate on all rows (or given rows), with its pipeline fitted on
//! the same rows, and saving it as a model file.

use std::time::Instant;

use mosel_data::{Pipeline, Problem};
use mosel_train::{FitOptions, History, Learner, Predictions};

use crate::candidate::Candidate;
use crate::cv::{TrainingCurve, fold_seed, standardized};
use crate::error::{Result, SelectError};
use crate::metric::Metric;

/// A model refitted on all rows with its pipeline.
pub struct Refit {
    /// The preprocessing pipeline fitted on all rows.
    pub pipeline: Pipeline,
    /// The fitted model.
    pub model: Box<dyn Learner>,
    /// The fit's history.
    pub curve: TrainingCurve,
    /// The raw history (for the model file's summary).
    pub history: History,
    /// Seconds spent fitting.
    pub fit_seconds: f64,
    /// Scores on the training rows (all rows), one per metric.
    pub train_scores: Vec<f64>,
}

/// Fits `candidate` on `rows` of the problem (all rows when `None`), with its pipeline
/// fitted on the same rows.
pub fn refit(
    problem: &Problem,
    rows: Option<&[usize]>,
    candidate: &Candidate,
    metrics: &[Metric],
    seed: u64,
) -> Result<Refit> {
    let all: Vec<usize>;
    let rows = match rows {
        Some(r) => r,
        None => {
            all = (0..problem.target.len()).collect();
            &all
        }
    };
    let pipeline = Pipeline::fit(&problem.features, Some(rows), &candidate.preprocessing)?;
    let x = pipeline.transform(&problem.features, Some(rows))?;
    let y = problem.target.select_rows(rows);
    let mut model = candidate.learner(rows.len(), fold_seed(seed, usize::MAX))?;
    let t0 = Instant::now();
    let history = model.fit(
        &x,
        &y,
        FitOptions {
            validation: None,
            feature_names: Some(pipeline.feature_names()),
            on_epoch: None,
        },
    )?;
    let fit_seconds = t0.elapsed().as_secs_f64();
    let pred = model.predict(&x)?;
    let train_scores = metrics
        .iter()
        .map(|m| m.score(&y, &pred))
        .collect::<Result<Vec<_>>>()?;
    let validation = if candidate.early_stopping() {
        "early_stopping_split"
    } else {
        "none"
    };
    Ok(Refit {
        curve: TrainingCurve::from_history(&history, None, validation, standardized(candidate, &y)),
        pipeline,
        model,
        history,
        fit_seconds,
        train_scores,
    })
}

impl Refit {
    /// Predicts `rows` of `problem` (transformed by the refit's pipeline), in the target's
    /// units.
    pub fn predict(&self, problem: &Problem, rows: &[usize]) -> Result<Predictions> {
        let x = self.pipeline.transform(&problem.features, Some(rows))?;
        Ok(self.model.predict(&x)?)
    }

    /// Saves the model with its pipeline as a model file (`mosel predict` reads it).
    pub fn save(&self, path: &std::path::Path, target: &str, n_train: usize) -> Result<()> {
        let pipeline = serde_json::to_value(&self.pipeline).map_err(|e| SelectError::Io {
            path: path.display().to_string(),
            source: std::io::Error::other(e),
        })?;
        let info = mosel_train::SaveInfo {
            target: Some(target.to_string()),
            pipeline: Some(pipeline),
            summary: mosel_train::TrainSummary::from_history(&self.history, n_train),
        };
        mosel_train::file::save(path, self.model.as_ref(), &info)?;
        Ok(())
    }

    /// Scores `rows` of `problem` with each metric.
    pub fn score(&self, problem: &Problem, rows: &[usize], metrics: &[Metric]) -> Result<Vec<f64>> {
        let pred = self.predict(problem, rows)?;
        let y = problem.target.select_rows(rows);
        metrics.iter().map(|m| m.score(&y, &pred)).collect()
    }
}
