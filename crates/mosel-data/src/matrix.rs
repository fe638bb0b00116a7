//! Dense row-major `f32` design matrix.

use serde::{Deserialize, Serialize};

/// A dense, row-major `f32` matrix: row `i` is `data[i * n_cols..(i + 1) * n_cols]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Matrix {
    /// The values, row after row.
    pub data: Vec<f32>,
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
}

impl Matrix {
    /// A matrix of zeros.
    pub fn zeros(n_rows: usize, n_cols: usize) -> Self {
        Self {
            data: vec![0.0; n_rows * n_cols],
            n_rows,
            n_cols,
        }
    }

    /// Wraps row-major data. Returns `None` when `data.len() != n_rows * n_cols`.
    pub fn from_vec(data: Vec<f32>, n_rows: usize, n_cols: usize) -> Option<Self> {
        (data.len() == n_rows * n_cols).then_some(Self {
            data,
            n_rows,
            n_cols,
        })
    }

    /// Row `i` as a slice.
    #[inline]
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// Row `i` as a mutable slice.
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// A new matrix holding the given rows, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> Self {
        let mut data = Vec::with_capacity(rows.len() * self.n_cols);
        for &r in rows {
            data.extend_from_slice(self.row(r));
        }
        Self {
            data,
            n_rows: rows.len(),
            n_cols: self.n_cols,
        }
    }
}
