//! Row-major score / probability matrices.

use crate::error::{Result, invalid};

/// A row-major `n_rows x n_cols` matrix of scores or probabilities; column `j`
/// belongs to the `j`-th class (in sorted class-code order unless a function
/// takes explicit `labels`).
#[derive(Debug, Clone, Copy)]
pub struct ScoreMatrix<'a> {
    data: &'a [f64],
    n_cols: usize,
}

impl<'a> ScoreMatrix<'a> {
    /// Wraps `data` (length must be a multiple of `n_cols`, `n_cols > 0`).
    pub fn new(data: &'a [f64], n_cols: usize) -> Result<Self> {
        if n_cols == 0 {
            return Err(invalid("a score matrix needs at least one column"));
        }
        if !data.len().is_multiple_of(n_cols) {
            return Err(invalid(format!(
                "score data of length {} is not a multiple of n_cols={n_cols}",
                data.len()
            )));
        }
        Ok(Self { data, n_cols })
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.data.len() / self.n_cols
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// Column `j`, copied.
    pub fn column(&self, j: usize) -> Vec<f64> {
        self.data
            .iter()
            .skip(j)
            .step_by(self.n_cols)
            .copied()
            .collect()
    }

    /// The raw row-major data.
    pub fn data(&self) -> &'a [f64] {
        self.data
    }
}
