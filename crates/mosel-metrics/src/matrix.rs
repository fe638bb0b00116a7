//! Row-major score / probability matrices.

use rayon::prelude::*;

use crate::buffer::zeroed;
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

    /// All columns, copied in one pass over the data (in parallel for large
    /// matrices).
    pub fn columns(&self) -> Vec<Vec<f64>> {
        self.columns_checking(|_| true).0
    }

    /// [`columns`](Self::columns), and whether `row_ok` holds for every row
    /// (tested while the row is read for the copy).
    pub(crate) fn columns_checking(
        &self,
        row_ok: impl Fn(&[f64]) -> bool + Sync,
    ) -> (Vec<Vec<f64>>, bool) {
        const ROWS: usize = 1 << 12;
        let (n, c) = (self.n_rows(), self.n_cols);
        let mut cols: Vec<Vec<f64>> = (0..c).map(|_| zeroed(n)).collect();
        let mut blocks: Vec<Vec<&mut [f64]>> = (0..n.div_ceil(ROWS)).map(|_| Vec::new()).collect();
        for col in cols.iter_mut() {
            for (block, piece) in blocks.iter_mut().zip(col.chunks_mut(ROWS)) {
                block.push(piece);
            }
        }
        let copy = |(k, mut block): (usize, Vec<&mut [f64]>)| {
            let rows = self.data[k * ROWS * c..].chunks_exact(c).take(ROWS);
            let mut ok = true;
            for (r, row) in rows.enumerate() {
                ok &= row_ok(row);
                for (piece, &x) in block.iter_mut().zip(row) {
                    piece[r] = x;
                }
            }
            ok
        };
        let ok = if n > 1 << 16 {
            blocks
                .into_par_iter()
                .enumerate()
                .map(copy)
                .reduce(|| true, |a, b| a & b)
        } else {
            blocks
                .into_iter()
                .enumerate()
                .map(copy)
                .fold(true, |a, b| a & b)
        };
        (cols, ok)
    }

    /// The raw row-major data.
    pub fn data(&self) -> &'a [f64] {
        self.data
    }
}
