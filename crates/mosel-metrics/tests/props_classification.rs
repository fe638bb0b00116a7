//! Property tests: order invariance, label-permutation invariance, and streaming
//! (chunked + merged) accumulation equal to one-shot computation.
#![allow(clippy::needless_range_loop)]

use mosel_metrics::classification::{self as cls, Average, ConfusionAccumulator, PrfOptions};
use proptest::prelude::*;

fn labels_and_preds() -> impl Strategy<Value = (Vec<u32>, Vec<u32>, Vec<f64>, usize)> {
    (2usize..6, 1usize..120).prop_flat_map(|(k, n)| {
        (
            prop::collection::vec(0u32..k as u32, n),
            prop::collection::vec(0u32..k as u32, n),
            prop::collection::vec(0.1f64..3.0, n),
            Just(k),
        )
    })
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #[test]
    fn row_order_invariance((t, p, w, _k) in labels_and_preds(), seed in any::<u64>()) {
        let n = t.len();
        let mut idx: Vec<usize> = (0..n).collect();
        // deterministic shuffle from the seed
        let mut s = seed | 1;
        for i in (1..n).rev() {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            idx.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let t2: Vec<u32> = idx.iter().map(|&i| t[i]).collect();
        let p2: Vec<u32> = idx.iter().map(|&i| p[i]).collect();
        let w2: Vec<f64> = idx.iter().map(|&i| w[i]).collect();
        for avg in [Average::Micro, Average::Macro, Average::Weighted] {
            let o1 = PrfOptions { average: avg, sample_weight: Some(&w), ..Default::default() };
            let o2 = PrfOptions { average: avg, sample_weight: Some(&w2), ..Default::default() };
            let a = cls::precision_recall_fscore(&t, &p, &o1).unwrap();
            let b = cls::precision_recall_fscore(&t2, &p2, &o2).unwrap();
            prop_assert!(close(a.fscore, b.fscore) && close(a.precision, b.precision));
        }
        prop_assert!(close(cls::matthews_corrcoef(&t, &p, None).unwrap(), cls::matthews_corrcoef(&t2, &p2, None).unwrap()));
    }

    #[test]
    fn label_permutation_invariance((t, p, _w, k) in labels_and_preds(), rot in 1u32..5) {
        // relabel every class c -> (c + rot) mod k: macro/micro/weighted scores,
        // accuracy, balanced accuracy, MCC and kappa do not change.
        let k = k as u32;
        let t2: Vec<u32> = t.iter().map(|&c| (c + rot) % k).collect();
        let p2: Vec<u32> = p.iter().map(|&c| (c + rot) % k).collect();
        for avg in [Average::Micro, Average::Macro, Average::Weighted] {
            let o = PrfOptions { average: avg, ..Default::default() };
            let a = cls::precision_recall_fscore(&t, &p, &o).unwrap();
            let b = cls::precision_recall_fscore(&t2, &p2, &o).unwrap();
            prop_assert!(close(a.fscore, b.fscore), "{avg:?}");
        }
        prop_assert!(close(cls::accuracy(&t, &p, None).unwrap(), cls::accuracy(&t2, &p2, None).unwrap()));
        prop_assert!(close(cls::balanced_accuracy(&t, &p, None, false).unwrap(), cls::balanced_accuracy(&t2, &p2, None, false).unwrap()));
        prop_assert!(close(cls::matthews_corrcoef(&t, &p, None).unwrap(), cls::matthews_corrcoef(&t2, &p2, None).unwrap()));
        let ka = cls::cohen_kappa(&t, &p, None, cls::KappaWeights::None, None, f64::NAN).unwrap();
        let kb = cls::cohen_kappa(&t2, &p2, None, cls::KappaWeights::None, None, f64::NAN).unwrap();
        prop_assert!(close(ka, kb));
    }

    #[test]
    fn streaming_equals_one_shot((t, p, w, k) in labels_and_preds(), cut in 0usize..120, weighted in any::<bool>()) {
        let cut = cut.min(t.len());
        let wopt = |r: std::ops::Range<usize>| if weighted { Some(&w[r]) } else { None };
        let mut a = ConfusionAccumulator::new(k).unwrap();
        a.update(&t[..cut], &p[..cut], wopt(0..cut)).unwrap();
        let mut b = ConfusionAccumulator::new(k).unwrap();
        b.update(&t[cut..], &p[cut..], wopt(cut..t.len())).unwrap();
        a.merge(&b).unwrap();
        let merged = a.finish();
        let whole = cls::Confusion::from_labels(&t, &p, wopt(0..t.len())).unwrap();
        let o = PrfOptions { average: Average::Macro, ..Default::default() };
        let x = merged.precision_recall_fscore(&o).unwrap();
        let y = whole.precision_recall_fscore(&o).unwrap();
        prop_assert!(close(x.fscore, y.fscore) && close(x.recall, y.recall));
        prop_assert!(close(merged.accuracy(), whole.accuracy()));
        prop_assert!(close(merged.matthews_corrcoef(), whole.matthews_corrcoef()));
    }
}

#[test]
fn large_parallel_counts_match_sequential() {
    // exercises the parallel chunked path (> 2^18 rows) against a plain loop
    let n = 700_001usize;
    let t: Vec<u8> = (0..n).map(|i| ((i * 7919) % 5) as u8).collect();
    let p: Vec<u8> = (0..n).map(|i| ((i * 104_729 + 3) % 5) as u8).collect();
    let c = cls::Confusion::from_labels(&t, &p, None).unwrap();
    let mut want = [[0f64; 5]; 5];
    for i in 0..n {
        want[t[i] as usize][p[i] as usize] += 1.0;
    }
    for a in 0..5 {
        for b in 0..5 {
            assert_eq!(c.get(a, b), want[a][b]);
        }
    }
    let tb: Vec<u8> = t.iter().map(|&x| (x > 2) as u8).collect();
    let pb: Vec<u8> = p.iter().map(|&x| (x > 1) as u8).collect();
    let cb = cls::Confusion::from_labels(&tb, &pb, None).unwrap();
    let tp = tb
        .iter()
        .zip(&pb)
        .filter(|(a, b)| **a == 1 && **b == 1)
        .count() as f64;
    assert_eq!(cb.get(1, 1), tp);
    assert_eq!(cb.total(), n as f64);
    let acc = cls::accuracy(&tb, &pb, None).unwrap();
    assert_eq!(
        acc,
        tb.iter().zip(&pb).filter(|(a, b)| a == b).count() as f64 / n as f64
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(cls::accuracy::<u32>(&[], &[], None).is_err());
    assert!(cls::accuracy(&[0u32, 1], &[0u32], None).is_err());
    assert!(cls::accuracy(&[0u32, 1], &[0u32, 1], Some(&[1.0])).is_err());
    assert!(cls::accuracy(&[0u32, 1], &[0u32, 1], Some(&[1.0, f64::NAN])).is_err());
    let o = PrfOptions::default();
    assert!(cls::precision_recall_fscore(&[0u32, 1, 2], &[0u32, 1, 2], &o).is_err());
    assert!(cls::precision_recall_fscore(&[0u32, 2], &[0u32, 2], &o).is_err()); // pos_label 1 absent
    assert!(cls::Confusion::from_labels(&[0u32, 100_000], &[0u32, 1], None).is_err());
    let mut acc = ConfusionAccumulator::new(2).unwrap();
    assert!(acc.update(&[0u32, 2], &[0u32, 1], None).is_err());
    assert!(
        acc.update(&[0u32, 5, 1], &[0u32, 1, 1], Some(&[1.0, 1.0, 1.0]))
            .is_err()
    );
    assert_eq!(acc.n_rows(), 0);
}
