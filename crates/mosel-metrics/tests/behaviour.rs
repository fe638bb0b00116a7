//! Behaviour of the paired tests, bootstrap and ranking on inputs whose answer
//! is known independently.

use mosel_metrics::bootstrap::{BootstrapOptions, CiMethod, bootstrap_ci};
use mosel_metrics::classification::accuracy;
use mosel_metrics::paired;
use mosel_metrics::ranking;

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64
}

#[test]
fn auc_matches_brute_force_mann_whitney_on_large_input() {
    // > 2048 rows per class exercises the radix sort path
    let mut s = 1u64;
    let n = 6000;
    let y: Vec<u8> = (0..n).map(|_| (lcg(&mut s) < 0.4) as u8).collect();
    let score: Vec<f64> = y
        .iter()
        .map(|&c| (lcg(&mut s) * 50.0).round() / 50.0 + 0.2 * c as f64)
        .collect();
    let auc = ranking::roc_auc(&y, &score, None).unwrap();
    let pos: Vec<f64> = (0..n).filter(|&i| y[i] == 1).map(|i| score[i]).collect();
    let neg: Vec<f64> = (0..n).filter(|&i| y[i] == 0).map(|i| score[i]).collect();
    let mut u = 0.0;
    for &p in &pos {
        for &q in &neg {
            u += if p > q {
                1.0
            } else if p == q {
                0.5
            } else {
                0.0
            };
        }
    }
    let want = u / (pos.len() * neg.len()) as f64;
    assert!((auc - want).abs() < 1e-12, "{auc} vs {want}");
    // the full curve integrates to the same area
    let c = ranking::roc_curve(&y, &score, 1, None, true).unwrap();
    let area: f64 = c
        .fpr
        .windows(2)
        .zip(c.tpr.windows(2))
        .map(|(x, t)| (x[1] - x[0]) * (t[1] + t[0]) / 2.0)
        .sum();
    assert!((area - want).abs() < 1e-12);
}

#[test]
fn mcnemar_counts_discordant_rows() {
    let y = [1u8, 1, 0, 0, 1, 0, 1, 1];
    let a = [1u8, 1, 0, 1, 1, 0, 0, 1];
    let b = [0u8, 1, 1, 1, 1, 0, 1, 0];
    let m = paired::mcnemar(&y, &a, &b).unwrap();
    assert_eq!((m.a_only, m.b_only), (3, 1));
    assert!(m.exact);
    // exact two-sided binomial: 2 * P(X <= 1), X ~ Bin(4, 1/2) = 2 * 5/16
    assert!((m.p_value - 0.625).abs() < 1e-15);
    assert!(paired::mcnemar(&y, &a, &b[..3]).is_err());
}

#[test]
fn paired_bootstrap_detects_a_real_difference_and_not_a_null_one() {
    let mut s = 9u64;
    let n = 400;
    let y: Vec<u8> = (0..n).map(|_| (lcg(&mut s) < 0.5) as u8).collect();
    let good: Vec<u8> = y
        .iter()
        .map(|&c| if lcg(&mut s) < 0.9 { c } else { 1 - c })
        .collect();
    let bad: Vec<u8> = y
        .iter()
        .map(|&c| if lcg(&mut s) < 0.7 { c } else { 1 - c })
        .collect();
    let acc = |p: &[u8]| {
        let p = p.to_vec();
        let y = y.clone();
        move |idx: &[usize]| {
            let (t, q): (Vec<u8>, Vec<u8>) = idx.iter().map(|&i| (y[i], p[i])).unzip();
            accuracy(&t, &q, None)
        }
    };
    let o = BootstrapOptions {
        n_resamples: 500,
        seed: 3,
        ..Default::default()
    };
    let r = paired::paired_bootstrap(n, acc(&good), acc(&bad), &o).unwrap();
    assert!(
        r.diff.estimate > 0.1 && r.diff.low > 0.0 && r.p_value < 0.01,
        "{r:?}"
    );
    let same = paired::paired_bootstrap(n, acc(&good), acc(&good), &o).unwrap();
    assert_eq!(same.diff.estimate, 0.0);
    assert!(same.p_value > 0.5);
    let bca = paired::paired_bootstrap(
        n,
        acc(&good),
        acc(&bad),
        &BootstrapOptions {
            method: CiMethod::Bca,
            ..o
        },
    )
    .unwrap();
    assert!(bca.diff.low > 0.0 && bca.diff.high > bca.diff.low);
}

#[test]
fn bootstrap_skips_undefined_resamples_and_errors_when_mostly_undefined() {
    let y = [0u8, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let s = [0.1, 0.2, 0.3, 0.1, 0.5, 0.3, 0.2, 0.1, 0.4, 0.9];
    let auc = |idx: &[usize]| {
        let (t, q): (Vec<u8>, Vec<f64>) = idx.iter().map(|&i| (y[i], s[i])).unzip();
        ranking::roc_auc(&t, &q, None)
    };
    // the single positive is missing from ~35 % of resamples: those are left out
    let ci = bootstrap_ci(
        y.len(),
        auc,
        &BootstrapOptions {
            n_resamples: 300,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(ci.n_invalid > 50 && ci.n_invalid < 150, "{ci:?}");
    assert_eq!(ci.estimate, 1.0);
    assert!(bootstrap_ci(3, |_| Ok(f64::NAN), &BootstrapOptions::default()).is_err());
}

#[test]
fn delong_of_identical_scores_is_not_significant_and_needs_both_classes() {
    let y = [0u8, 1, 0, 1, 1, 0];
    let s = [0.1, 0.8, 0.3, 0.6, 0.2, 0.4];
    let d = paired::delong(&y, &s, &s, 1).unwrap();
    assert_eq!(d.z, 0.0);
    assert_eq!(d.p_value, 1.0);
    assert!(paired::delong(&[0u8, 0, 1], &[0.1, 0.2, 0.3], &[0.1, 0.2, 0.3], 1).is_err());
}

#[test]
fn corrected_ttest_is_more_conservative_than_the_naive_one() {
    let d = [
        0.02, 0.01, 0.03, 0.015, 0.025, 0.02, 0.01, 0.03, 0.02, 0.018,
    ];
    let naive = paired::corrected_resampled_ttest(&d, usize::MAX / 2, 1).unwrap();
    let corr = paired::corrected_resampled_ttest(&d, 90, 10).unwrap();
    assert!(corr.p_value > naive.p_value);
    assert!(corr.ci_high - corr.ci_low > naive.ci_high - naive.ci_low);
    assert!(paired::corrected_resampled_ttest(&[0.1], 9, 1).is_err());
    assert!(paired::holm(&[0.2, f64::NAN]).is_err());
}
