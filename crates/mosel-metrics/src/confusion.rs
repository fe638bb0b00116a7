//! Streaming, mergeable confusion-matrix accumulation: the sufficient statistic
//! of every count-based classification metric.

use rayon::prelude::*;

use crate::error::{MetricsError, Result, check_len, check_weights};
use crate::label::{Label, MAX_CLASSES, max_code};

/// Rows per parallel chunk.
const CHUNK: usize = 1 << 18;

/// A streaming accumulator of a (weighted) confusion matrix over class codes
/// `0..n_classes` (rows: true class, columns: predicted class).
///
/// Accumulators built on disjoint parts of the data [`merge`](Self::merge)
/// into exactly the accumulator of the whole, so chunks can be processed in
/// parallel or on different machines. Every count-based metric of
/// [`crate::classification`] is a function of the finished [`Confusion`].
#[derive(Debug, Clone, PartialEq)]
pub struct ConfusionAccumulator {
    n_classes: usize,
    /// Unweighted counts (also record which labels occur).
    counts: Vec<u64>,
    /// Weighted counts, present once any weighted update was made.
    weighted: Option<Vec<f64>>,
}

impl ConfusionAccumulator {
    /// An empty accumulator for codes `0..n_classes`.
    pub fn new(n_classes: usize) -> Result<Self> {
        if n_classes > MAX_CLASSES {
            return Err(MetricsError::TooManyClasses {
                code: n_classes - 1,
                max: MAX_CLASSES,
            });
        }
        Ok(Self {
            n_classes,
            counts: vec![0; n_classes * n_classes],
            weighted: None,
        })
    }

    /// Number of class codes this accumulator covers.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Adds rows. `sample_weight`, when given, must have one finite weight per row.
    /// Fails (leaving the accumulator unchanged) on a length mismatch or a code
    /// `>= n_classes`.
    pub fn update<L: Label>(
        &mut self,
        y_true: &[L],
        y_pred: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<()> {
        check_len("y_pred", y_true.len(), y_pred.len())?;
        check_weights(sample_weight, y_true.len())?;
        let k = self.n_classes;
        match sample_weight {
            None => {
                let c = count_unweighted(y_true, y_pred, k)?;
                for (a, b) in self.counts.iter_mut().zip(&c) {
                    *a += b;
                }
                if let Some(w) = &mut self.weighted {
                    for (a, b) in w.iter_mut().zip(&c) {
                        *a += *b as f64;
                    }
                }
            }
            Some(sw) => {
                let (c, wc) = count_weighted(y_true, y_pred, sw, k)?;
                let w = self
                    .weighted
                    .get_or_insert_with(|| self.counts.iter().map(|&x| x as f64).collect());
                for (a, b) in w.iter_mut().zip(&wc) {
                    *a += b;
                }
                for (a, b) in self.counts.iter_mut().zip(&c) {
                    *a += b;
                }
            }
        }
        Ok(())
    }

    /// Merges another accumulator (built on other rows) into this one.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.n_classes != self.n_classes {
            return Err(MetricsError::InvalidArgument(format!(
                "cannot merge accumulators over {} and {} classes",
                self.n_classes, other.n_classes
            )));
        }
        if other.weighted.is_some() && self.weighted.is_none() {
            self.weighted = Some(self.counts.iter().map(|&x| x as f64).collect());
        }
        if let Some(w) = &mut self.weighted {
            match &other.weighted {
                Some(ow) => w.iter_mut().zip(ow).for_each(|(a, b)| *a += b),
                None => w
                    .iter_mut()
                    .zip(&other.counts)
                    .for_each(|(a, b)| *a += *b as f64),
            }
        }
        self.counts
            .iter_mut()
            .zip(&other.counts)
            .for_each(|(a, b)| *a += b);
        Ok(())
    }

    /// Number of rows added so far.
    pub fn n_rows(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The finished confusion matrix.
    pub fn finish(&self) -> Confusion {
        let k = self.n_classes;
        let mut present = vec![false; k];
        for t in 0..k {
            for p in 0..k {
                if self.counts[t * k + p] > 0 {
                    present[t] = true;
                    present[p] = true;
                }
            }
        }
        let mut present_true = vec![false; k];
        for (t, pt) in present_true.iter_mut().enumerate() {
            *pt = self.counts[t * k..(t + 1) * k].iter().any(|&c| c > 0);
        }
        let matrix = match &self.weighted {
            Some(w) => w.clone(),
            None => self.counts.iter().map(|&x| x as f64).collect(),
        };
        Confusion {
            k,
            matrix,
            present,
            present_true,
            n_rows: self.n_rows(),
        }
    }
}

/// A finished confusion matrix over codes `0..k`, plus which codes occur.
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion {
    pub(crate) k: usize,
    /// Row-major `k x k`, rows = true class, columns = predicted class (weighted).
    pub(crate) matrix: Vec<f64>,
    /// Code occurs in `y_true` or `y_pred` (whatever its weight).
    pub(crate) present: Vec<bool>,
    /// Code occurs in `y_true`.
    pub(crate) present_true: Vec<bool>,
    pub(crate) n_rows: u64,
}

impl Confusion {
    /// Builds the confusion matrix of `y_true` vs `y_pred` in one call.
    pub fn from_labels<L: Label>(
        y_true: &[L],
        y_pred: &[L],
        sample_weight: Option<&[f64]>,
    ) -> Result<Self> {
        check_len("y_pred", y_true.len(), y_pred.len())?;
        let k = max_code(y_true).max(max_code(y_pred)) + 1;
        if k > MAX_CLASSES {
            return Err(MetricsError::TooManyClasses {
                code: k - 1,
                max: MAX_CLASSES,
            });
        }
        let mut acc = ConfusionAccumulator::new(k)?;
        acc.update(y_true, y_pred, sample_weight)?;
        Ok(acc.finish())
    }

    /// Number of codes covered (largest code + 1).
    pub fn n_codes(&self) -> usize {
        self.k
    }

    /// Weighted count of rows with true class `t` predicted as `p` (0 outside range).
    pub fn get(&self, t: usize, p: usize) -> f64 {
        if t < self.k && p < self.k {
            self.matrix[t * self.k + p]
        } else {
            0.0
        }
    }

    /// Sorted codes occurring in `y_true` or `y_pred`.
    pub fn present_labels(&self) -> Vec<usize> {
        (0..self.k).filter(|&i| self.present[i]).collect()
    }

    /// Whether code `c` occurs in `y_true`.
    pub fn in_true(&self, c: usize) -> bool {
        c < self.k && self.present_true[c]
    }

    /// Number of rows (unweighted).
    pub fn n_rows(&self) -> u64 {
        self.n_rows
    }

    /// Weighted sum of row `t` (support of class `t`).
    pub fn row_sum(&self, t: usize) -> f64 {
        if t < self.k {
            self.matrix[t * self.k..(t + 1) * self.k].iter().sum()
        } else {
            0.0
        }
    }

    /// Weighted sum of column `p` (how often `p` was predicted).
    pub fn col_sum(&self, p: usize) -> f64 {
        if p < self.k {
            (0..self.k).map(|t| self.matrix[t * self.k + p]).sum()
        } else {
            0.0
        }
    }

    /// Total weight.
    pub fn total(&self) -> f64 {
        self.matrix.iter().sum()
    }

    /// Weight of correctly classified rows.
    pub fn trace(&self) -> f64 {
        (0..self.k).map(|i| self.matrix[i * self.k + i]).sum()
    }

    /// The sub-matrix restricted to `labels` (in that order), as rows.
    pub fn select(&self, labels: &[usize]) -> Vec<Vec<f64>> {
        labels
            .iter()
            .map(|&t| labels.iter().map(|&p| self.get(t, p)).collect())
            .collect()
    }
}

fn bad_code(code: usize, k: usize) -> MetricsError {
    MetricsError::ClassOutOfRange { code, n_classes: k }
}

/// Unweighted confusion counts, parallel over chunks.
pub(crate) fn count_unweighted<L: Label>(t: &[L], p: &[L], k: usize) -> Result<Vec<u64>> {
    if t.len() <= CHUNK {
        return count_chunk(t, p, k);
    }
    t.par_chunks(CHUNK)
        .zip(p.par_chunks(CHUNK))
        .map(|(a, b)| count_chunk(a, b, k))
        .try_reduce(
            || vec![0u64; k * k],
            |mut x, y| {
                x.iter_mut().zip(&y).for_each(|(a, b)| *a += b);
                Ok(x)
            },
        )
}

fn count_chunk<L: Label>(t: &[L], p: &[L], k: usize) -> Result<Vec<u64>> {
    debug_assert!(t.len() <= u32::MAX as usize);
    if k <= 2 {
        // Codes are 0/1: sums are enough and vectorize well.
        let (mut st, mut sp, mut stp, mut or) = (0u32, 0u32, 0u32, 0usize);
        for (&a, &b) in t.iter().zip(p) {
            let (a, b) = (a.code(), b.code());
            or |= a | b;
            st += a as u32;
            sp += b as u32;
            stp += (a & b) as u32;
        }
        if !t.is_empty() && or >= k {
            let bad = t
                .iter()
                .chain(p)
                .map(|x| x.code())
                .find(|&c| c >= k)
                .unwrap_or(or);
            return Err(bad_code(bad, k));
        }
        let n = t.len() as u64;
        let (st, sp, stp) = (st as u64, sp as u64, stp as u64);
        return Ok(if k == 2 {
            vec![n + stp - st - sp, sp - stp, st - stp, stp]
        } else {
            vec![n]
        });
    }
    // General case: four interleaved histograms hide store-to-load latency.
    let kk = k * k;
    let mut h = vec![0u32; 4 * kk];
    let (h0, rest) = h.split_at_mut(kk);
    let (h1, rest) = rest.split_at_mut(kk);
    let (h2, h3) = rest.split_at_mut(kk);
    let idx = |a: L, b: L| -> Result<usize> {
        let (a, b) = (a.code(), b.code());
        if a < k && b < k {
            Ok(a * k + b)
        } else {
            Err(bad_code(a.max(b), k))
        }
    };
    let n4 = t.len() / 4 * 4;
    let mut i = 0;
    while i < n4 {
        h0[idx(t[i], p[i])?] += 1;
        h1[idx(t[i + 1], p[i + 1])?] += 1;
        h2[idx(t[i + 2], p[i + 2])?] += 1;
        h3[idx(t[i + 3], p[i + 3])?] += 1;
        i += 4;
    }
    while i < t.len() {
        h0[idx(t[i], p[i])?] += 1;
        i += 1;
    }
    Ok((0..kk)
        .map(|j| h0[j] as u64 + h1[j] as u64 + h2[j] as u64 + h3[j] as u64)
        .collect())
}

type WeightedCounts = (Vec<u64>, Vec<f64>);

fn count_weighted<L: Label>(t: &[L], p: &[L], w: &[f64], k: usize) -> Result<WeightedCounts> {
    let one = |(t, p, w): (&[L], &[L], &[f64])| -> Result<WeightedCounts> {
        let mut c = vec![0u64; k * k];
        let mut wc = vec![0f64; k * k];
        for ((&a, &b), &x) in t.iter().zip(p).zip(w) {
            let (a, b) = (a.code(), b.code());
            if a >= k || b >= k {
                return Err(bad_code(a.max(b), k));
            }
            c[a * k + b] += 1;
            wc[a * k + b] += x;
        }
        Ok((c, wc))
    };
    if t.len() <= CHUNK {
        return one((t, p, w));
    }
    // Chunks are reduced in a fixed tree order by index so results do not depend on
    // the thread count.
    let parts: Vec<Result<WeightedCounts>> = t
        .par_chunks(CHUNK)
        .zip(p.par_chunks(CHUNK))
        .zip(w.par_chunks(CHUNK))
        .map(|((a, b), c)| one((a, b, c)))
        .collect();
    let mut c = vec![0u64; k * k];
    let mut wc = vec![0f64; k * k];
    for part in parts {
        let (pc, pw) = part?;
        c.iter_mut().zip(&pc).for_each(|(a, b)| *a += b);
        wc.iter_mut().zip(&pw).for_each(|(a, b)| *a += b);
    }
    Ok((c, wc))
}
