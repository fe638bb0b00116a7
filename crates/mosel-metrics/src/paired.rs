//! Paired comparisons of two models evaluated on the same rows, and tests on
//! per-fold cross-validation scores.
//!
//! * [`mcnemar`]: disagreement counts of two classifiers (exact binomial for
//!   fewer than 25 discordant rows, chi-square with continuity correction otherwise).
//! * [`paired_bootstrap`]: CI and p-value for the difference of any metric.
//! * [`delong`]: two correlated ROC-AUCs (DeLong, DeLong & Clarke-Pearson 1988).
//! * [`corrected_resampled_ttest`] / [`corrected_mean_ci`]: Nadeau & Bengio's
//!   variance correction for overlapping training sets in repeated resampling.
//! * [`holm`]: Holm's step-down adjustment of several p-values.

use serde::Serialize;

use crate::bootstrap::{
    BootstrapOptions, CiMethod, Interval, interval_from_replicates, jackknife, replicates,
};
use crate::error::{MetricsError, Result, check_finite, check_len, invalid};
use crate::label::Label;
use crate::stats::{binom_cdf, chi2_sf, normal_sf, t_ppf, t_sf};

/// Discordant-pair count below which [`mcnemar`] uses the exact binomial test.
pub const MCNEMAR_EXACT_BELOW: u64 = 25;

/// Result of McNemar's test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McNemar {
    /// Rows model A got right and model B wrong.
    pub a_only: u64,
    /// Rows model B got right and model A wrong.
    pub b_only: u64,
    /// Test statistic: min(a_only, b_only) for the exact test, else the
    /// continuity-corrected chi-square `(|b - c| - 1)² / (b + c)`.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Whether the exact binomial test was used.
    pub exact: bool,
}

/// McNemar's test from the two discordant counts.
pub fn mcnemar_from_counts(a_only: u64, b_only: u64) -> McNemar {
    let n = a_only + b_only;
    if n < MCNEMAR_EXACT_BELOW {
        let k = a_only.min(b_only);
        let p = if n == 0 {
            1.0
        } else {
            (2.0 * binom_cdf(k, n, 0.5)).min(1.0)
        };
        McNemar {
            a_only,
            b_only,
            statistic: k as f64,
            p_value: p,
            exact: true,
        }
    } else {
        let d = (a_only as f64 - b_only as f64).abs() - 1.0;
        let stat = d * d / n as f64;
        McNemar {
            a_only,
            b_only,
            statistic: stat,
            p_value: chi2_sf(stat, 1.0),
            exact: false,
        }
    }
}

/// McNemar's test of two classifiers' predictions against the same truth.
pub fn mcnemar<L: Label>(y_true: &[L], pred_a: &[L], pred_b: &[L]) -> Result<McNemar> {
    check_len("pred_a", y_true.len(), pred_a.len())?;
    check_len("pred_b", y_true.len(), pred_b.len())?;
    if y_true.is_empty() {
        return Err(MetricsError::Empty("no rows to compare"));
    }
    let (mut a, mut b) = (0u64, 0u64);
    for ((t, x), y) in y_true.iter().zip(pred_a).zip(pred_b) {
        let (ca, cb) = (t.code() == x.code(), t.code() == y.code());
        a += (ca && !cb) as u64;
        b += (cb && !ca) as u64;
    }
    Ok(mcnemar_from_counts(a, b))
}

/// Result of a paired bootstrap comparison (difference = A - B).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairedBootstrap {
    /// Metric of model A on all rows.
    pub a: f64,
    /// Metric of model B on all rows.
    pub b: f64,
    /// Interval of the difference A - B.
    pub diff: Interval,
    /// Two-sided p-value of "no difference": the share of centred bootstrap
    /// differences at least as far from 0 as the observed one,
    /// `(1 + #{|d* - d| >= |d|}) / (B + 1)`.
    pub p_value: f64,
}

/// Paired bootstrap of the difference of a metric between two models on the
/// same rows: each resample of row indices is applied to both.
pub fn paired_bootstrap<FA, FB>(
    n_rows: usize,
    metric_a: FA,
    metric_b: FB,
    opts: &BootstrapOptions,
) -> Result<PairedBootstrap>
where
    FA: Fn(&[usize]) -> Result<f64> + Sync,
    FB: Fn(&[usize]) -> Result<f64> + Sync,
{
    if n_rows == 0 {
        return Err(MetricsError::Empty("no rows to resample"));
    }
    if opts.n_resamples < 2 {
        return Err(invalid("n_resamples must be at least 2"));
    }
    let all: Vec<usize> = (0..n_rows).collect();
    let (a, b) = (metric_a(&all)?, metric_b(&all)?);
    let d = a - b;
    let diff_of = |idx: &[usize]| match (metric_a(idx), metric_b(idx)) {
        (Ok(x), Ok(y)) => x - y,
        _ => f64::NAN,
    };
    let reps: Vec<f64> = replicates(n_rows, opts.n_resamples, opts.seed, diff_of)
        .into_iter()
        .collect();
    let good: Vec<f64> = reps.iter().copied().filter(|v| !v.is_nan()).collect();
    let n_invalid = reps.len() - good.len();
    if good.len() * 2 < reps.len() || good.len() < 2 {
        return Err(MetricsError::Undefined(format!(
            "the difference is undefined on {n_invalid} of {} resamples",
            reps.len()
        )));
    }
    let jk = (opts.method == CiMethod::Bca).then(|| {
        jackknife(n_rows, &diff_of)
            .into_iter()
            .filter(|x| !x.is_nan())
            .collect::<Vec<f64>>()
    });
    let (low, high) =
        interval_from_replicates(d, &good, jk.as_deref(), opts.confidence, opts.method)?;
    let extreme = good.iter().filter(|&&x| (x - d).abs() >= d.abs()).count();
    let p_value = (1 + extreme) as f64 / (good.len() + 1) as f64;
    let m = good.iter().sum::<f64>() / good.len() as f64;
    let se = (good.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (good.len() - 1) as f64).sqrt();
    Ok(PairedBootstrap {
        a,
        b,
        diff: Interval {
            estimate: d,
            low,
            high,
            std_error: se,
            confidence: opts.confidence,
            method: opts.method,
            n_resamples: good.len(),
            n_invalid,
        },
        p_value,
    })
}

/// Result of DeLong's test for two correlated ROC-AUCs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeLong {
    /// AUC of scores A.
    pub auc_a: f64,
    /// AUC of scores B.
    pub auc_b: f64,
    /// Standard error of AUC_A - AUC_B.
    pub std_error: f64,
    /// z statistic.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Mid-ranks (1-based, ties averaged) of `x`.
fn midranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = rank;
        }
        i = j + 1;
    }
    r
}

/// AUC and DeLong structural components (V10 over positives, V01 over negatives).
fn components(pos: &[f64], neg: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let (m, n) = (pos.len() as f64, neg.len() as f64);
    let all: Vec<f64> = pos.iter().chain(neg).copied().collect();
    let r_all = midranks(&all);
    let r_pos = midranks(pos);
    let r_neg = midranks(neg);
    let v10: Vec<f64> = (0..pos.len()).map(|i| (r_all[i] - r_pos[i]) / n).collect();
    let v01: Vec<f64> = (0..neg.len())
        .map(|j| 1.0 - (r_all[pos.len() + j] - r_neg[j]) / m)
        .collect();
    let auc = v10.iter().sum::<f64>() / m;
    (auc, v10, v01)
}

fn cov(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (n - 1.0)
}

/// DeLong's test comparing the ROC-AUCs of two score vectors on the same rows
/// (`y_true == pos_label` is positive). Needs at least two positives and two negatives.
pub fn delong<L: Label>(
    y_true: &[L],
    score_a: &[f64],
    score_b: &[f64],
    pos_label: usize,
) -> Result<DeLong> {
    check_len("score_a", y_true.len(), score_a.len())?;
    check_len("score_b", y_true.len(), score_b.len())?;
    check_finite("score_a", score_a)?;
    check_finite("score_b", score_b)?;
    let is_pos: Vec<bool> = y_true.iter().map(|y| y.code() == pos_label).collect();
    let split = |s: &[f64]| -> (Vec<f64>, Vec<f64>) {
        let p = s
            .iter()
            .zip(&is_pos)
            .filter(|(_, p)| **p)
            .map(|(x, _)| *x)
            .collect();
        let n = s
            .iter()
            .zip(&is_pos)
            .filter(|(_, p)| !**p)
            .map(|(x, _)| *x)
            .collect();
        (p, n)
    };
    let (pa, na) = split(score_a);
    let (pb, nb) = split(score_b);
    if pa.len() < 2 || na.len() < 2 {
        return Err(MetricsError::Undefined(
            "DeLong's test needs at least two positive and two negative rows".into(),
        ));
    }
    let (auc_a, v10a, v01a) = components(&pa, &na);
    let (auc_b, v10b, v01b) = components(&pb, &nb);
    let (m, n) = (pa.len() as f64, na.len() as f64);
    let var_a = cov(&v10a, &v10a) / m + cov(&v01a, &v01a) / n;
    let var_b = cov(&v10b, &v10b) / m + cov(&v01b, &v01b) / n;
    let cov_ab = cov(&v10a, &v10b) / m + cov(&v01a, &v01b) / n;
    let var = var_a + var_b - 2.0 * cov_ab;
    let se = var.max(0.0).sqrt();
    let diff = auc_a - auc_b;
    let (z, p) = if se > 0.0 {
        let z = diff / se;
        (z, (2.0 * normal_sf(z.abs())).min(1.0))
    } else if diff == 0.0 {
        (0.0, 1.0)
    } else {
        (diff.signum() * f64::INFINITY, 0.0)
    };
    Ok(DeLong {
        auc_a,
        auc_b,
        std_error: se,
        z,
        p_value: p,
    })
}

/// Result of the corrected resampled t-test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorrectedTTest {
    /// Mean of the per-fold differences.
    pub mean: f64,
    /// Corrected standard error `sqrt((1/k + n_test/n_train) * s²)`.
    pub std_error: f64,
    /// t statistic.
    pub t: f64,
    /// Degrees of freedom (k - 1).
    pub df: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Lower bound of the confidence interval of the mean difference.
    pub ci_low: f64,
    /// Upper bound.
    pub ci_high: f64,
    /// Confidence level of the interval.
    pub confidence: f64,
}

fn check_folds(x: &[f64], n_train: usize, n_test: usize, confidence: f64) -> Result<()> {
    if x.len() < 2 {
        return Err(invalid(
            "the corrected resampled t-test needs at least two folds",
        ));
    }
    check_finite("per-fold values", x)?;
    if n_train == 0 || n_test == 0 {
        return Err(invalid("n_train and n_test must be positive"));
    }
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(invalid(format!(
            "confidence must be in (0, 1), got {confidence}"
        )));
    }
    Ok(())
}

fn corrected(x: &[f64], n_train: usize, n_test: usize, confidence: f64) -> CorrectedTTest {
    let k = x.len() as f64;
    let mean = x.iter().sum::<f64>() / k;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1.0);
    let se = ((1.0 / k + n_test as f64 / n_train as f64) * var).sqrt();
    let df = k - 1.0;
    let (t, p) = if se > 0.0 {
        let t = mean / se;
        (t, (2.0 * t_sf(t.abs(), df)).min(1.0))
    } else if mean == 0.0 {
        (0.0, 1.0)
    } else {
        (mean.signum() * f64::INFINITY, 0.0)
    };
    let q = t_ppf(1.0 - (1.0 - confidence) / 2.0, df);
    CorrectedTTest {
        mean,
        std_error: se,
        t,
        df,
        p_value: p,
        ci_low: mean - q * se,
        ci_high: mean + q * se,
        confidence,
    }
}

/// Nadeau & Bengio's corrected resampled t-test on per-fold score differences
/// (model A - model B, same folds) with `n_train` / `n_test` rows per fold;
/// 95 % interval of the mean difference.
pub fn corrected_resampled_ttest(
    diffs_per_fold: &[f64],
    n_train: usize,
    n_test: usize,
) -> Result<CorrectedTTest> {
    corrected_resampled_ttest_with(diffs_per_fold, n_train, n_test, 0.95)
}

/// [`corrected_resampled_ttest`] with a chosen confidence level.
pub fn corrected_resampled_ttest_with(
    diffs_per_fold: &[f64],
    n_train: usize,
    n_test: usize,
    confidence: f64,
) -> Result<CorrectedTTest> {
    check_folds(diffs_per_fold, n_train, n_test, confidence)?;
    Ok(corrected(diffs_per_fold, n_train, n_test, confidence))
}

/// A mean with a confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanCi {
    /// Mean of the values.
    pub mean: f64,
    /// Corrected standard error.
    pub std_error: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level.
    pub confidence: f64,
}

/// Confidence interval of the mean of per-fold scores with the Nadeau-Bengio
/// variance correction (one-sample version of the corrected t-test).
pub fn corrected_mean_ci(
    fold_scores: &[f64],
    n_train: usize,
    n_test: usize,
    confidence: f64,
) -> Result<MeanCi> {
    check_folds(fold_scores, n_train, n_test, confidence)?;
    let r = corrected(fold_scores, n_train, n_test, confidence);
    Ok(MeanCi {
        mean: r.mean,
        std_error: r.std_error,
        low: r.ci_low,
        high: r.ci_high,
        confidence,
    })
}

/// Holm's step-down adjustment: adjusted p-values in the input order
/// (monotone, capped at 1). NaN p-values are an error.
pub fn holm(p_values: &[f64]) -> Result<Vec<f64>> {
    if p_values.iter().any(|p| !(0.0..=1.0).contains(p)) {
        return Err(invalid("p-values must lie in [0, 1]"));
    }
    let m = p_values.len();
    let mut idx: Vec<usize> = (0..m).collect();
    idx.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut out = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in idx.iter().enumerate() {
        let adj = ((m - rank) as f64 * p_values[i]).min(1.0);
        running = running.max(adj);
        out[i] = running;
    }
    Ok(out)
}
