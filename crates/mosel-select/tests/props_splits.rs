//! scikit-learn's guarantees for the shuffled splitters, on random inputs: test folds are
//! disjoint and cover every row once per repeat, training rows are the others, stratified
//! folds hold each class within one row of its share, groups are never split, and the same
//! seed gives the same folds.

use mosel_select::split::{Classes, Fold, SplitData, Splitter, Strategy};
use proptest::prelude::{
    Just, ProptestConfig, Strategy as _, prop, prop_assert, prop_assert_eq, prop_assume, proptest,
};

fn labels(n: usize) -> Vec<String> {
    (0..n).map(|c| format!("c{c}")).collect()
}

/// Every repeat's test folds partition the rows, and train is the complement of test.
fn assert_partition(folds: &[Fold], n: usize, repeats: usize) {
    for r in 0..repeats {
        let mut seen = vec![0u32; n];
        for f in folds.iter().filter(|f| f.repeat == r) {
            f.test.iter().for_each(|&i| seen[i] += 1);
            assert_complement(f, n);
        }
        assert!(
            seen.iter().all(|&s| s == 1),
            "repeat {r}: rows tested {seen:?}"
        );
    }
}

fn assert_complement(f: &Fold, n: usize) {
    let mut all: Vec<usize> = f.train.iter().chain(&f.test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..n).collect::<Vec<_>>());
    assert!(f.train.windows(2).all(|w| w[0] < w[1]));
    assert!(f.test.windows(2).all(|w| w[0] < w[1]));
}

fn class_counts(rows: &[usize], codes: &[u32], n_classes: usize) -> Vec<usize> {
    let mut c = vec![0; n_classes];
    rows.iter().for_each(|&r| c[codes[r] as usize] += 1);
    c
}

fn assert_groups_whole(folds: &[Fold], groups: &[usize]) {
    for f in folds {
        for &i in &f.train {
            for &j in &f.test {
                assert_ne!(
                    groups[i], groups[j],
                    "group {} split between train and test",
                    groups[i]
                );
            }
        }
    }
}

fn class_codes() -> impl proptest::strategy::Strategy<Value = (Vec<u32>, usize)> {
    (2usize..5).prop_flat_map(|nc| (prop::collection::vec(0u32..nc as u32, 10..200), Just(nc)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn shuffled_kfold_partitions(n in 2usize..300, k in 2usize..11, repeats in 1usize..4, seed: u64) {
        prop_assume!(k <= n);
        let s = Splitter::new(Strategy::KFold { k, shuffle: true }).repeats(repeats).seed(seed);
        let folds = s.split(&SplitData::rows(n)).unwrap();
        prop_assert_eq!(folds.len(), k * repeats);
        assert_partition(&folds, n, repeats);
        for f in &folds {
            prop_assert!(f.test.len() == n / k || f.test.len() == n / k + 1);
        }
        prop_assert_eq!(folds, s.split(&SplitData::rows(n)).unwrap());
    }

    #[test]
    fn shuffled_stratified_kfold_keeps_class_shares(
        (codes, nc) in class_codes(), k in 2usize..6, repeats in 1usize..3, seed: u64
    ) {
        let n = codes.len();
        let labels = labels(nc);
        let totals = class_counts(&(0..n).collect::<Vec<_>>(), &codes, nc);
        let data = SplitData { n_rows: n, classes: Some(Classes { codes: &codes, labels: &labels }), groups: None };
        let s = Splitter::new(Strategy::StratifiedKFold { k, shuffle: true }).repeats(repeats).seed(seed);
        match s.split(&data) {
            Ok(folds) => {
                prop_assert!(totals.iter().all(|&t| t == 0 || t >= k));
                assert_partition(&folds, n, repeats);
                for f in &folds {
                    let c = class_counts(&f.test, &codes, nc);
                    for (cls, (&got, &total)) in c.iter().zip(&totals).enumerate() {
                        let share = total as f64 / k as f64;
                        prop_assert!((got as f64 - share).abs() < 1.0, "class {} has {} rows in a fold, share {}", cls, got, share);
                    }
                }
            }
            Err(mosel_select::SelectError::TooFewInClass { count, class, .. }) => {
                let smallest = totals.iter().copied().filter(|&t| t > 0).min().unwrap();
                prop_assert_eq!(count, smallest);
                prop_assert!(count < k);
                prop_assert_eq!(class, labels[totals.iter().position(|&t| t == count).unwrap()].clone());
            }
            Err(e) => prop_assert!(false, "unexpected error {}", e),
        }
    }

    #[test]
    fn shuffled_group_kfold_keeps_groups_whole(
        groups in prop::collection::vec(0usize..30, 5..200), k in 2usize..6, seed: u64
    ) {
        let n = groups.len();
        let n_groups = { let mut g = groups.clone(); g.sort_unstable(); g.dedup(); g.len() };
        let data = SplitData { n_rows: n, classes: None, groups: Some(&groups) };
        for shuffle in [false, true] {
            let s = Splitter::new(Strategy::GroupKFold { k, shuffle }).seed(seed);
            match s.split(&data) {
                Ok(folds) => {
                    prop_assert!(n_groups >= k);
                    assert_partition(&folds, n, 1);
                    assert_groups_whole(&folds, &groups);
                    prop_assert!(folds.iter().all(|f| !f.test.is_empty()));
                }
                Err(mosel_select::SelectError::TooFewGroups { groups: g, .. }) => {
                    prop_assert_eq!(g, n_groups);
                    prop_assert!(n_groups < k);
                }
                Err(e) => prop_assert!(false, "unexpected error {}", e),
            }
        }
    }

    #[test]
    fn shuffled_stratified_group_kfold_keeps_groups_whole(
        rows in prop::collection::vec((0usize..25, 0u32..3), 10..200), k in 2usize..5,
        repeats in 1usize..3, seed: u64
    ) {
        let groups: Vec<usize> = rows.iter().map(|r| r.0).collect();
        let codes: Vec<u32> = rows.iter().map(|r| r.1).collect();
        let n = rows.len();
        let labels = labels(3);
        let data = SplitData { n_rows: n, classes: Some(Classes { codes: &codes, labels: &labels }), groups: Some(&groups) };
        let s = Splitter::new(Strategy::StratifiedGroupKFold { k, shuffle: true }).repeats(repeats).seed(seed);
        if let Ok(folds) = s.split(&data) {
            assert_partition(&folds, n, repeats);
            assert_groups_whole(&folds, &groups);
        }
    }

    #[test]
    fn shuffle_split_and_hold_out_sizes(
        (codes, nc) in class_codes(), frac in 0.05f64..0.6, n_splits in 1usize..4, seed: u64
    ) {
        let n = codes.len();
        let labels = labels(nc);
        let totals = class_counts(&(0..n).collect::<Vec<_>>(), &codes, nc);
        let data = SplitData { n_rows: n, classes: Some(Classes { codes: &codes, labels: &labels }), groups: None };
        let n_test = (frac * n as f64).ceil() as usize;
        for stratify in [false, true] {
            let s = Splitter::new(Strategy::ShuffleSplit { n_splits, test_fraction: frac, stratify }).seed(seed);
            let Ok(folds) = s.split(&data) else {
                prop_assert!(stratify && totals.contains(&1));
                continue;
            };
            prop_assert_eq!(folds.len(), n_splits);
            for f in &folds {
                assert_complement(f, n);
                prop_assert_eq!(f.test.len(), n_test);
                if stratify {
                    let c = class_counts(&f.test, &codes, nc);
                    for (&got, &total) in c.iter().zip(&totals) {
                        let exact = n_test as f64 * total as f64 / n as f64;
                        prop_assert!((got as f64 - exact).abs() < 1.0);
                    }
                }
            }
        }
    }
}

#[test]
fn seeds_change_shuffles() {
    let split = |seed| {
        Splitter::new(Strategy::KFold {
            k: 5,
            shuffle: true,
        })
        .seed(seed)
        .split(&SplitData::rows(100))
        .unwrap()
    };
    assert_eq!(split(1), split(1));
    assert_ne!(split(1), split(2));
    // Repeats differ from each other.
    let folds = Splitter::new(Strategy::KFold {
        k: 5,
        shuffle: false,
    })
    .repeats(2)
    .split(&SplitData::rows(100))
    .unwrap();
    assert_ne!(folds[0].test, folds[5].test);
}

#[test]
fn errors_name_the_problem() {
    let codes = [0u32, 0, 0, 0, 1, 1, 0, 0];
    let labels = vec!["benign".to_string(), "malignant".to_string()];
    let data = SplitData {
        n_rows: 8,
        classes: Some(Classes {
            codes: &codes,
            labels: &labels,
        }),
        groups: None,
    };
    let err = Splitter::new(Strategy::StratifiedKFold {
        k: 3,
        shuffle: false,
    })
    .split(&data)
    .unwrap_err()
    .to_string();
    assert!(err.contains("'malignant' has only 2"), "{err}");
    let err = Splitter::new(Strategy::KFold {
        k: 9,
        shuffle: false,
    })
    .split(&data)
    .unwrap_err()
    .to_string();
    assert!(err.contains("9 folds") && err.contains("has 8"), "{err}");
    let err = Splitter::new(Strategy::GroupKFold {
        k: 2,
        shuffle: false,
    })
    .split(&data)
    .unwrap_err()
    .to_string();
    assert!(err.contains("--group"), "{err}");
}
