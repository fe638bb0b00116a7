//! Property tests for ranking and probability metrics.

use mosel_metrics::ScoreMatrix;
use mosel_metrics::probability::{self as prob, ProbabilityAccumulator};
use mosel_metrics::ranking as rk;
use proptest::prelude::*;

fn binary_scores() -> impl Strategy<Value = (Vec<u8>, Vec<f64>)> {
    (2usize..80).prop_flat_map(|n| {
        (
            prop::collection::vec(0u8..2, n),
            prop::collection::vec((0u32..20).prop_map(|x| x as f64 / 19.0), n),
        )
    })
}

proptest! {
    #[test]
    fn auc_is_order_invariant_and_antisymmetric((y, s) in binary_scores()) {
        prop_assume!(y.contains(&0) && y.contains(&1));
        let a = rk::roc_auc(&y, &s, None).unwrap();
        let mut idx: Vec<usize> = (0..y.len()).collect();
        idx.reverse();
        idx.rotate_left(y.len() / 3);
        let y2: Vec<u8> = idx.iter().map(|&i| y[i]).collect();
        let s2: Vec<f64> = idx.iter().map(|&i| s[i]).collect();
        let b = rk::roc_auc(&y2, &s2, None).unwrap();
        prop_assert!((a - b).abs() < 1e-12);
        let neg: Vec<f64> = s.iter().map(|x| 1.0 - x).collect();
        let c = rk::roc_auc(&y, &neg, None).unwrap();
        prop_assert!((a + c - 1.0).abs() < 1e-9);
        // the AP of a score is order invariant too
        let p1 = rk::average_precision(&y, &s, 1, None).unwrap();
        let p2 = rk::average_precision(&y2, &s2, 1, None).unwrap();
        prop_assert!((p1 - p2).abs() < 1e-12);
    }

    #[test]
    fn streaming_log_loss_and_brier_equal_one_shot((y, s) in binary_scores(), cut in 0usize..80) {
        prop_assume!(y.contains(&0) && y.contains(&1));
        let cut = cut.min(y.len());
        let o: Vec<bool> = y.iter().map(|&v| v == 1).collect();
        let mut a = ProbabilityAccumulator::new();
        a.update(&o[..cut], &s[..cut], None).unwrap();
        let mut b = ProbabilityAccumulator::new();
        b.update(&o[cut..], &s[cut..], None).unwrap();
        a.merge(&b);
        let m = ScoreMatrix::new(&s, 1).unwrap();
        let ll = prob::log_loss(&y, &m, None, None, true).unwrap();
        let br = prob::brier_score(&y, &s, None, None).unwrap();
        prop_assert!((a.log_loss() - ll).abs() <= 1e-12 * ll.max(1.0));
        prop_assert!((a.brier_score() - br).abs() <= 1e-12);
    }

    #[test]
    fn ovr_auc_invariant_under_class_relabelling(n in 6usize..60, seed in any::<u64>()) {
        let k = 3;
        let mut z = seed;
        let mut next = || { z = z.wrapping_mul(6364136223846793005).wrapping_add(1); (z >> 33) as f64 / (1u64 << 31) as f64 };
        let mut y: Vec<u32> = (0..n).map(|i| (i % k) as u32).collect();
        y.rotate_left(n / 2);
        let mut p = Vec::new();
        for _ in 0..n {
            let r: Vec<f64> = (0..k).map(|_| next() + 0.01).collect();
            let s: f64 = r.iter().sum();
            p.extend(r.iter().map(|x| x / s));
        }
        // relabel c -> (c + 1) % k and rotate the columns to match
        let y2: Vec<u32> = y.iter().map(|&c| (c + 1) % k as u32).collect();
        let mut p2 = vec![0.0; p.len()];
        for i in 0..n {
            for c in 0..k {
                p2[i * k + (c + 1) % k] = p[i * k + c];
            }
        }
        for mc in [rk::MultiClass::Ovr, rk::MultiClass::Ovo] {
            let a = rk::roc_auc_multiclass(&y, &ScoreMatrix::new(&p, k).unwrap(), mc, rk::ScoreAverage::Macro, None, None).unwrap();
            let b = rk::roc_auc_multiclass(&y2, &ScoreMatrix::new(&p2, k).unwrap(), mc, rk::ScoreAverage::Macro, None, None).unwrap();
            prop_assert!((a - b).abs() < 1e-12);
        }
    }
}

#[test]
fn bad_scores_are_errors() {
    assert!(rk::roc_auc(&[0u8, 1], &[0.1, f64::NAN], None).is_err());
    assert!(rk::roc_auc(&[0u8, 1], &[0.1, f64::INFINITY], None).is_err());
    assert!(rk::roc_auc(&[0u8, 1], &[0.1], None).is_err());
    assert!(rk::roc_auc::<u8>(&[], &[], None).is_err());
    let m = ScoreMatrix::new(&[0.2, 1.3], 1).unwrap();
    assert!(prob::log_loss(&[0u8, 1], &m, None, None, true).is_err());
    assert!(prob::brier_score(&[0u8, 1, 2], &[0.1, 0.2, 0.3], None, None).is_err());
    assert!(ScoreMatrix::new(&[0.1, 0.2, 0.3], 2).is_err());
}
