//! Splitters: which rows train and which rows test, fold after fold.
//!
//! The non-shuffled splitters assign exactly the folds scikit-learn 1.9.1 assigns
//! (`KFold`, `StratifiedKFold`, `GroupKFold`, `StratifiedGroupKFold`, `TimeSeriesSplit`,
//! `train_test_split(shuffle=False)`); the golden tests in `tests/golden_splits.rs` check
//! that case by case. The shuffled ones are seeded (ChaCha8, one stream per repeat) and keep
//! scikit-learn's guarantees: test folds are disjoint and cover every row once, stratified
//! folds hold each class within one row of its share, and group folds never split a group.
//!
//! ```
//! use mosel_select::split::{SplitData, Splitter, Strategy};
//!
//! let folds = Splitter::new(Strategy::KFold { k: 3, shuffle: false }).split(&SplitData::rows(7))?;
//! let tests: Vec<Vec<usize>> = folds.iter().map(|f| f.test.clone()).collect();
//! assert_eq!(tests, vec![vec![0, 1, 2], vec![3, 4], vec![5, 6]]);
//! assert_eq!(folds[1].train, vec![0, 1, 2, 5, 6]);
//! # Ok::<(), mosel_select::SelectError>(())
//! ```

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use mosel_data::{Column, ColumnData};

use crate::error::{Result, SelectError};

/// One train/test split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    /// 0-based repeat (always 0 without repeats).
    pub repeat: usize,
    /// 0-based fold number within its repeat.
    pub index: usize,
    /// Training rows, ascending.
    pub train: Vec<usize>,
    /// Test (validation) rows, ascending.
    pub test: Vec<usize>,
}

/// How rows are split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Strategy {
    /// One split: the last `ceil(test_fraction * n)` rows test (after shuffling, when
    /// `shuffle`); with `stratify`, each class keeps its share of the test rows (implies
    /// shuffling).
    HoldOut {
        /// Share of rows in the test part, in (0, 1).
        test_fraction: f64,
        /// Shuffle before splitting.
        shuffle: bool,
        /// Keep class proportions in both parts.
        stratify: bool,
    },
    /// `k` consecutive folds (scikit-learn `KFold`).
    KFold {
        /// Number of folds (≥ 2).
        k: usize,
        /// Shuffle rows first.
        shuffle: bool,
    },
    /// `k` folds keeping class proportions (scikit-learn `StratifiedKFold`).
    StratifiedKFold {
        /// Number of folds (≥ 2).
        k: usize,
        /// Shuffle within classes.
        shuffle: bool,
    },
    /// `k` folds that never split a group, balanced by size (scikit-learn `GroupKFold`).
    GroupKFold {
        /// Number of folds (≥ 2).
        k: usize,
        /// Shuffle the groups and split them evenly instead of balancing sizes.
        shuffle: bool,
    },
    /// `k` folds that never split a group and keep class proportions as well as they can
    /// (scikit-learn `StratifiedGroupKFold`).
    StratifiedGroupKFold {
        /// Number of folds (≥ 2).
        k: usize,
        /// Shuffle the groups before the greedy assignment.
        shuffle: bool,
    },
    /// Expanding (or sliding, with `max_train_size`) windows over rows in time order
    /// (scikit-learn `TimeSeriesSplit`).
    TimeSeries {
        /// Number of splits (≥ 2).
        n_splits: usize,
        /// Rows left out between the end of training and the start of testing.
        gap: usize,
        /// Keep at most this many of the latest rows for training.
        max_train_size: Option<usize>,
        /// Test rows per split (default `n / (n_splits + 1)`).
        test_size: Option<usize>,
    },
    /// `n_splits` independent random hold-out splits (scikit-learn `ShuffleSplit`, or
    /// `StratifiedShuffleSplit` with `stratify`).
    ShuffleSplit {
        /// Number of splits.
        n_splits: usize,
        /// Share of rows in each test part, in (0, 1).
        test_fraction: f64,
        /// Keep class proportions.
        stratify: bool,
    },
}

impl Strategy {
    /// A short human-readable description, e.g. `stratified 5-fold`.
    pub fn describe(&self) -> String {
        let sh = |s: bool| if s { "shuffled " } else { "" };
        match self {
            Strategy::HoldOut {
                test_fraction,
                shuffle,
                stratify,
            } => format!(
                "{}{}hold-out ({:.0}% test)",
                if *stratify { "stratified " } else { "" },
                sh(*shuffle && !*stratify),
                test_fraction * 100.0
            ),
            Strategy::KFold { k, shuffle } => format!("{}{k}-fold", sh(*shuffle)),
            Strategy::StratifiedKFold { k, shuffle } => {
                format!("{}stratified {k}-fold", sh(*shuffle))
            }
            Strategy::GroupKFold { k, shuffle } => format!("{}group {k}-fold", sh(*shuffle)),
            Strategy::StratifiedGroupKFold { k, shuffle } => {
                format!("{}stratified group {k}-fold", sh(*shuffle))
            }
            Strategy::TimeSeries { n_splits, gap, .. } => {
                format!("time-series split ({n_splits} splits, gap {gap})")
            }
            Strategy::ShuffleSplit {
                n_splits,
                test_fraction,
                stratify,
            } => format!(
                "{}shuffle split ({n_splits} x {:.0}% test)",
                if *stratify { "stratified " } else { "" },
                test_fraction * 100.0
            ),
        }
    }

    /// True when the strategy needs class labels.
    pub fn needs_classes(&self) -> bool {
        matches!(
            self,
            Strategy::StratifiedKFold { .. }
                | Strategy::StratifiedGroupKFold { .. }
                | Strategy::HoldOut { stratify: true, .. }
                | Strategy::ShuffleSplit { stratify: true, .. }
        )
    }

    /// True when the strategy needs groups.
    pub fn needs_groups(&self) -> bool {
        matches!(
            self,
            Strategy::GroupKFold { .. } | Strategy::StratifiedGroupKFold { .. }
        )
    }

    /// True when every row is tested exactly once per repeat (k-fold kinds), which is what
    /// makes out-of-fold predictions complete.
    pub fn is_partition(&self) -> bool {
        matches!(
            self,
            Strategy::KFold { .. }
                | Strategy::StratifiedKFold { .. }
                | Strategy::GroupKFold { .. }
                | Strategy::StratifiedGroupKFold { .. }
        )
    }
}

/// A strategy with its repeats and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Splitter {
    /// How rows are split.
    pub strategy: Strategy,
    /// Repeat the whole split this many times with different shuffles (≥ 1). Repeats > 1
    /// force shuffling (scikit-learn's `RepeatedKFold` / `RepeatedStratifiedKFold`).
    pub repeats: usize,
    /// Seed of the shuffles.
    pub seed: u64,
}

/// Class labels of the rows, for stratification.
#[derive(Debug, Clone, Copy)]
pub struct Classes<'a> {
    /// Class code of every row, `0..labels.len()`, numbered in sorted label order (as
    /// [`mosel_data::Target::Classes`] numbers them and `numpy.unique` sorts them).
    pub codes: &'a [u32],
    /// The label of each code, for error messages.
    pub labels: &'a [String],
}

/// What a splitter needs to know about the rows.
#[derive(Debug, Clone, Copy)]
pub struct SplitData<'a> {
    /// Number of rows.
    pub n_rows: usize,
    /// Class labels (needed by stratified splitters).
    pub classes: Option<Classes<'a>>,
    /// Group of every row, `0..n_groups`, numbered in sorted group order (see
    /// [`group_codes`]); needed by group splitters.
    pub groups: Option<&'a [usize]>,
}

impl SplitData<'_> {
    /// Plain rows, without classes or groups.
    pub fn rows(n_rows: usize) -> Self {
        SplitData {
            n_rows,
            classes: None,
            groups: None,
        }
    }
}

impl Splitter {
    /// A strategy run once with seed 0.
    pub fn new(strategy: Strategy) -> Self {
        Self {
            strategy,
            repeats: 1,
            seed: 0,
        }
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the number of repeats.
    pub fn repeats(mut self, repeats: usize) -> Self {
        self.repeats = repeats;
        self
    }

    /// A human-readable description, e.g. `stratified 5-fold x 3 repeats`.
    pub fn describe(&self) -> String {
        if self.repeats > 1 {
            format!("{} x {} repeats", self.strategy.describe(), self.repeats)
        } else {
            self.strategy.describe()
        }
    }

    /// Splits the rows. Folds come repeat by repeat, fold by fold; row lists are ascending.
    pub fn split(&self, data: &SplitData<'_>) -> Result<Vec<Fold>> {
        if self.repeats == 0 {
            return Err(SelectError::BadSplit("repeats must be at least 1".into()));
        }
        if let Some(c) = &data.classes
            && c.codes.len() != data.n_rows
        {
            return Err(SelectError::BadSplit(format!(
                "{} class labels for {} rows",
                c.codes.len(),
                data.n_rows
            )));
        }
        if let Some(g) = data.groups
            && g.len() != data.n_rows
        {
            return Err(SelectError::BadSplit(format!(
                "{} group labels for {} rows",
                g.len(),
                data.n_rows
            )));
        }
        if matches!(self.strategy, Strategy::TimeSeries { .. }) && self.repeats > 1 {
            return Err(SelectError::BadSplit(
                "a time-series split is not random, so it cannot be repeated; use repeats = 1"
                    .into(),
            ));
        }
        let force_shuffle = self.repeats > 1;
        let mut out = Vec::new();
        for repeat in 0..self.repeats {
            let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
            rng.set_stream(repeat as u64);
            let tests_or_pairs = self.split_once(data, force_shuffle, &mut rng)?;
            for (index, (train, test)) in tests_or_pairs.into_iter().enumerate() {
                out.push(Fold {
                    repeat,
                    index,
                    train,
                    test,
                });
            }
        }
        Ok(out)
    }

    fn split_once(
        &self,
        data: &SplitData<'_>,
        force_shuffle: bool,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
        let n = data.n_rows;
        let tests = match self.strategy {
            Strategy::KFold { k, shuffle } => {
                check_k(k, n)?;
                kfold(n, k, (shuffle || force_shuffle).then_some(rng))
            }
            Strategy::StratifiedKFold { k, shuffle } => {
                check_k(k, n)?;
                let classes = need_classes(data)?;
                stratified_kfold(classes, k, (shuffle || force_shuffle).then_some(rng))?
            }
            Strategy::GroupKFold { k, shuffle } => {
                check_k(k, n)?;
                let groups = data.groups.ok_or(SelectError::NeedsGroups)?;
                group_kfold(groups, k, (shuffle || force_shuffle).then_some(rng))?
            }
            Strategy::StratifiedGroupKFold { k, shuffle } => {
                check_k(k, n)?;
                let classes = need_classes(data)?;
                let groups = data.groups.ok_or(SelectError::NeedsGroups)?;
                stratified_group_kfold(
                    classes,
                    groups,
                    k,
                    (shuffle || force_shuffle).then_some(rng),
                )?
            }
            Strategy::TimeSeries {
                n_splits,
                gap,
                max_train_size,
                test_size,
            } => return time_series(n, n_splits, gap, max_train_size, test_size),
            Strategy::HoldOut {
                test_fraction,
                shuffle,
                stratify,
            } => {
                let classes = if stratify {
                    Some(need_classes(data)?)
                } else {
                    None
                };
                return Ok(vec![hold_out(
                    n,
                    test_fraction,
                    classes,
                    (shuffle || stratify || force_shuffle).then_some(rng),
                )?]);
            }
            Strategy::ShuffleSplit {
                n_splits,
                test_fraction,
                stratify,
            } => {
                if n_splits == 0 {
                    return Err(SelectError::BadSplit(
                        "a shuffle split needs at least 1 split".into(),
                    ));
                }
                let classes = if stratify {
                    Some(need_classes(data)?)
                } else {
                    None
                };
                return (0..n_splits)
                    .map(|_| hold_out(n, test_fraction, classes, Some(&mut *rng)))
                    .collect();
            }
        };
        Ok(tests_to_pairs(n, tests))
    }
}

fn need_classes<'a>(data: &SplitData<'a>) -> Result<Classes<'a>> {
    data.classes.ok_or_else(|| SelectError::NeedsClasses {
        task: "regression".into(),
    })
}

fn check_k(k: usize, n: usize) -> Result<()> {
    if k < 2 {
        return Err(SelectError::BadSplit(format!(
            "k-fold cross-validation needs at least 2 folds, got {k}"
        )));
    }
    if k > n {
        return Err(SelectError::TooFewRows { folds: k, rows: n });
    }
    Ok(())
}

/// Turns test-row lists (a partition) into (train, test) pairs with ascending rows.
fn tests_to_pairs(n: usize, tests: Vec<Vec<usize>>) -> Vec<(Vec<usize>, Vec<usize>)> {
    tests
        .into_iter()
        .map(|mut test| {
            test.sort_unstable();
            let mut in_test = vec![false; n];
            test.iter().for_each(|&i| in_test[i] = true);
            let train = (0..n).filter(|&i| !in_test[i]).collect();
            (train, test)
        })
        .collect()
}

fn kfold(n: usize, k: usize, rng: Option<&mut ChaCha8Rng>) -> Vec<Vec<usize>> {
    let mut indices: Vec<usize> = (0..n).collect();
    if let Some(rng) = rng {
        indices.shuffle(rng);
    }
    let mut out = Vec::with_capacity(k);
    let mut start = 0;
    for f in 0..k {
        let size = n / k + usize::from(f < n % k);
        out.push(indices[start..start + size].to_vec());
        start += size;
    }
    out
}

/// Checks that every class has at least `k` members; returns the per-class counts.
fn check_class_counts(classes: Classes<'_>, k: usize) -> Result<Vec<usize>> {
    let n_labels = classes
        .codes
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0)
        .max(classes.labels.len());
    let mut counts = vec![0usize; n_labels];
    classes.codes.iter().for_each(|&c| counts[c as usize] += 1);
    if let Some((c, &count)) = counts
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0 && n < k)
        .min_by_key(|&(_, &n)| n)
    {
        return Err(SelectError::TooFewInClass {
            folds: k,
            class: classes
                .labels
                .get(c)
                .cloned()
                .unwrap_or_else(|| c.to_string()),
            count,
        });
    }
    Ok(counts)
}

fn stratified_kfold(
    classes: Classes<'_>,
    k: usize,
    rng: Option<&mut ChaCha8Rng>,
) -> Result<Vec<Vec<usize>>> {
    check_class_counts(classes, k)?;
    // Classes numbered by first appearance (scikit-learn's encoding).
    let n_labels = classes
        .codes
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    let mut first = vec![usize::MAX; n_labels];
    let mut encoded = Vec::with_capacity(classes.codes.len());
    let mut n_classes = 0;
    for &c in classes.codes {
        if first[c as usize] == usize::MAX {
            first[c as usize] = n_classes;
            n_classes += 1;
        }
        encoded.push(first[c as usize]);
    }
    let mut counts = vec![0usize; n_classes];
    encoded.iter().for_each(|&c| counts[c] += 1);
    // allocation[f][c]: rows of class c in fold f, by round robin over the sorted labels.
    let below = |x: usize, f: usize| (x + k - 1 - f) / k;
    let mut start = 0;
    let mut folds_for_class: Vec<Vec<usize>> = Vec::with_capacity(n_classes);
    for &count in &counts {
        let end = start + count;
        let mut v = Vec::with_capacity(count);
        for f in 0..k {
            let a = below(end, f) - below(start, f);
            v.extend(std::iter::repeat_n(f, a));
        }
        folds_for_class.push(v);
        start = end;
    }
    if let Some(rng) = rng {
        folds_for_class.iter_mut().for_each(|v| v.shuffle(rng));
    }
    let mut next = vec![0usize; n_classes];
    let mut tests = vec![Vec::new(); k];
    for (row, &c) in encoded.iter().enumerate() {
        tests[folds_for_class[c][next[c]]].push(row);
        next[c] += 1;
    }
    Ok(tests)
}

fn group_kfold(
    groups: &[usize],
    k: usize,
    rng: Option<&mut ChaCha8Rng>,
) -> Result<Vec<Vec<usize>>> {
    let n_groups = groups.iter().map(|&g| g + 1).max().unwrap_or(0);
    let mut sizes = vec![0usize; n_groups];
    groups.iter().for_each(|&g| sizes[g] += 1);
    let present = sizes.iter().filter(|&&s| s > 0).count();
    if k > present {
        return Err(SelectError::TooFewGroups {
            folds: k,
            groups: present,
        });
    }
    let mut group_to_fold = vec![usize::MAX; n_groups];
    if let Some(rng) = rng {
        // Shuffle the groups and cut them into k runs of (almost) equal group counts.
        let mut ids: Vec<usize> = (0..n_groups).filter(|&g| sizes[g] > 0).collect();
        ids.shuffle(rng);
        let mut start = 0;
        for f in 0..k {
            let len = present / k + usize::from(f < present % k);
            ids[start..start + len]
                .iter()
                .for_each(|&g| group_to_fold[g] = f);
            start += len;
        }
    } else {
        // Largest group first (ties: higher group index first, as a reversed stable sort),
        // each into the lightest fold (first on ties).
        let mut order: Vec<usize> = (0..n_groups).collect();
        order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(b.cmp(&a)));
        let mut weight = vec![0usize; k];
        for g in order {
            if sizes[g] == 0 {
                continue;
            }
            let lightest = argmin(&weight);
            weight[lightest] += sizes[g];
            group_to_fold[g] = lightest;
        }
    }
    let mut tests = vec![Vec::new(); k];
    for (row, &g) in groups.iter().enumerate() {
        tests[group_to_fold[g]].push(row);
    }
    Ok(tests)
}

fn argmin(v: &[usize]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x < v[best] {
            best = i;
        }
    }
    best
}

/// numpy's pairwise summation of a strided sequence (`pairwise_sum` in numpy's
/// `loops_utils.h`), so that floating-point ties break exactly as in scikit-learn.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &x in a {
            res += x;
        }
        res
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// `numpy.std(row)` of a contiguous row.
fn np_std_row(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = pairwise_sum(v) / n;
    let sq: Vec<f64> = v.iter().map(|x| (x - mean) * (x - mean)).collect();
    (pairwise_sum(&sq) / n).sqrt()
}

/// `numpy.std(m, axis=0)` of a C-contiguous `rows x cols` matrix: numpy reduces the outer
/// axis row by row (pairwise only when the matrix is a single column).
fn np_std_axis0(m: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let sum0 = |m: &[f64]| -> Vec<f64> {
        if cols == 1 {
            return vec![pairwise_sum(m)];
        }
        let mut acc = m[..cols].to_vec();
        for r in 1..rows {
            for c in 0..cols {
                acc[c] += m[r * cols + c];
            }
        }
        acc
    };
    let n = rows as f64;
    let mean: Vec<f64> = sum0(m).into_iter().map(|s| s / n).collect();
    let sq: Vec<f64> = m
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let d = x - mean[i % cols];
            d * d
        })
        .collect();
    sum0(&sq).into_iter().map(|s| (s / n).sqrt()).collect()
}

fn np_isclose(a: f64, b: f64) -> bool {
    if !a.is_finite() || !b.is_finite() {
        return a == b;
    }
    (a - b).abs() <= 1e-8 + 1e-5 * b.abs()
}

fn stratified_group_kfold(
    classes: Classes<'_>,
    groups: &[usize],
    k: usize,
    rng: Option<&mut ChaCha8Rng>,
) -> Result<Vec<Vec<usize>>> {
    let all_counts = check_class_counts(classes, k)?;
    // Classes present, in sorted-label order (numpy.unique of y).
    let class_ids: Vec<usize> = (0..all_counts.len())
        .filter(|&c| all_counts[c] > 0)
        .collect();
    let mut class_pos = vec![usize::MAX; all_counts.len()];
    class_ids
        .iter()
        .enumerate()
        .for_each(|(i, &c)| class_pos[c] = i);
    let nc = class_ids.len();
    let y_cnt: Vec<f64> = class_ids.iter().map(|&c| all_counts[c] as f64).collect();

    let n_group_ids = groups.iter().map(|&g| g + 1).max().unwrap_or(0);
    let mut group_pos = vec![usize::MAX; n_group_ids];
    let mut n_groups = 0;
    {
        let mut present = vec![false; n_group_ids];
        groups.iter().for_each(|&g| present[g] = true);
        for g in 0..n_group_ids {
            if present[g] {
                group_pos[g] = n_groups;
                n_groups += 1;
            }
        }
    }
    if k > n_groups {
        return Err(SelectError::TooFewGroups {
            folds: k,
            groups: n_groups,
        });
    }
    let mut per_group = vec![0.0f64; n_groups * nc];
    for (&c, &g) in classes.codes.iter().zip(groups) {
        per_group[group_pos[g] * nc + class_pos[c as usize]] += 1.0;
    }
    // The order groups are considered in: shuffled or not, then by decreasing spread of
    // their class counts (stable).
    let mut base: Vec<usize> = (0..n_groups).collect();
    if let Some(rng) = rng {
        base.shuffle(rng);
    }
    let neg_std: Vec<f64> = (0..n_groups)
        .map(|g| -np_std_row(&per_group[g * nc..(g + 1) * nc]))
        .collect();
    base.sort_by(|&a, &b| neg_std[a].total_cmp(&neg_std[b]));

    let mut per_fold = vec![0.0f64; k * nc];
    let mut fold_of_group = vec![usize::MAX; n_groups];
    let mut scaled = vec![0.0f64; k * nc];
    for &g in &base {
        let gc = &per_group[g * nc..(g + 1) * nc];
        let mut best = None;
        let mut min_eval = f64::INFINITY;
        let mut min_samples = f64::INFINITY;
        for i in 0..k {
            for c in 0..nc {
                per_fold[i * nc + c] += gc[c];
            }
            for (j, s) in scaled.iter_mut().enumerate() {
                *s = per_fold[j] / y_cnt[j % nc];
            }
            let std_per_class = np_std_axis0(&scaled, k, nc);
            for c in 0..nc {
                per_fold[i * nc + c] -= gc[c];
            }
            let fold_eval = pairwise_sum(&std_per_class) / nc as f64;
            let samples = pairwise_sum(&per_fold[i * nc..(i + 1) * nc]);
            if fold_eval < min_eval || (np_isclose(fold_eval, min_eval) && samples < min_samples) {
                min_eval = fold_eval;
                min_samples = samples;
                best = Some(i);
            }
        }
        // A NaN evaluation cannot happen with positive class counts; fall back to fold 0.
        let best = best.unwrap_or(0);
        for c in 0..nc {
            per_fold[best * nc + c] += gc[c];
        }
        fold_of_group[g] = best;
    }
    let mut tests = vec![Vec::new(); k];
    for (row, &g) in groups.iter().enumerate() {
        tests[fold_of_group[group_pos[g]]].push(row);
    }
    Ok(tests)
}

fn time_series(
    n: usize,
    n_splits: usize,
    gap: usize,
    max_train_size: Option<usize>,
    test_size: Option<usize>,
) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
    if n_splits < 2 {
        return Err(SelectError::BadSplit(format!(
            "a time-series split needs at least 2 splits, got {n_splits}"
        )));
    }
    let n_folds = n_splits + 1;
    if n_folds > n {
        return Err(SelectError::TooFewRows {
            folds: n_folds,
            rows: n,
        });
    }
    let test_size = test_size.unwrap_or(n / n_folds);
    if test_size == 0 {
        return Err(SelectError::BadSplit(
            "the time-series test size must be at least 1 row".into(),
        ));
    }
    if (n as i128) - (gap as i128) - (test_size as i128) * (n_splits as i128) <= 0 {
        return Err(SelectError::BadSplit(format!(
            "too many splits ({n_splits}) for {n} rows with {test_size} test rows each and a \
             gap of {gap}; use fewer splits, a smaller test size or a smaller gap"
        )));
    }
    let first = n - n_splits * test_size;
    Ok((0..n_splits)
        .map(|s| {
            let test_start = first + s * test_size;
            let train_end = test_start - gap;
            let train_start = match max_train_size {
                Some(m) if m > 0 && m < train_end => train_end - m,
                _ => 0,
            };
            (
                (train_start..train_end).collect(),
                (test_start..test_start + test_size).collect(),
            )
        })
        .collect())
}

/// One hold-out split. Without an RNG: the last rows test (scikit-learn
/// `train_test_split(shuffle=False)`). With classes: each class contributes its share of the
/// test rows, rounded so that the total is exact and each class is within one row.
fn hold_out(
    n: usize,
    test_fraction: f64,
    classes: Option<Classes<'_>>,
    rng: Option<&mut ChaCha8Rng>,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(SelectError::BadSplit(format!(
            "the test fraction must be between 0 and 1 (exclusive), got {test_fraction}"
        )));
    }
    let n_test = (test_fraction * n as f64).ceil() as usize;
    if n_test >= n {
        return Err(SelectError::BadSplit(format!(
            "with {n} rows and a test fraction of {test_fraction}, no row is left for training"
        )));
    }
    let Some(rng) = rng else {
        return Ok(((0..n - n_test).collect(), (n - n_test..n).collect()));
    };
    let mut test = match classes {
        None => {
            let mut idx: Vec<usize> = (0..n).collect();
            idx.shuffle(rng);
            idx.truncate(n_test);
            idx
        }
        Some(classes) => {
            let counts = check_class_counts(classes, 2)?;
            let n_classes = counts.len();
            // Largest-remainder apportionment of n_test over the classes.
            let exact: Vec<f64> = counts
                .iter()
                .map(|&c| n_test as f64 * c as f64 / n as f64)
                .collect();
            let mut take: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
            let mut left = n_test - take.iter().sum::<usize>();
            let mut order: Vec<usize> = (0..n_classes).filter(|&c| counts[c] > 0).collect();
            order.shuffle(rng);
            order.sort_by(|&a, &b| {
                (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor()))
            });
            for &c in order.iter().cycle() {
                if left == 0 {
                    break;
                }
                if take[c] < counts[c] {
                    take[c] += 1;
                    left -= 1;
                }
            }
            let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
            for (row, &c) in classes.codes.iter().enumerate() {
                by_class[c as usize].push(row);
            }
            let mut test = Vec::with_capacity(n_test);
            for (c, rows) in by_class.iter_mut().enumerate() {
                rows.shuffle(rng);
                test.extend_from_slice(&rows[..take[c]]);
            }
            test
        }
    };
    test.sort_unstable();
    let mut in_test = vec![false; n];
    test.iter().for_each(|&i| in_test[i] = true);
    let train = (0..n).filter(|&i| !in_test[i]).collect();
    Ok((train, test))
}

/// Dense group codes `0..n_groups` for a column, numbered in sorted value order
/// (numerically for numbers, by text for categories, false before true), as `numpy.unique`
/// numbers them. A missing value is an error.
pub fn group_codes(column: &Column) -> Result<Vec<usize>> {
    let missing = |row: usize| SelectError::MissingGroup {
        column: column.name.clone(),
        row: row + 1,
    };
    match &column.data {
        ColumnData::Numeric(v) => {
            if let Some(r) = v.iter().position(|x| x.is_nan()) {
                return Err(missing(r));
            }
            // -0.0 and 0.0 are the same group.
            let norm = |x: f64| if x == 0.0 { 0.0 } else { x };
            let mut vals: Vec<f64> = v.iter().map(|&x| norm(x)).collect();
            vals.sort_by(f64::total_cmp);
            vals.dedup();
            Ok(v.iter()
                .map(|&x| {
                    vals.binary_search_by(|p| p.total_cmp(&norm(x)))
                        .unwrap_or(0)
                })
                .collect())
        }
        ColumnData::Categorical { codes, levels } => {
            if let Some(r) = codes
                .iter()
                .position(|&c| c == mosel_data::table::MISSING_CODE)
            {
                return Err(missing(r));
            }
            let mut used = vec![false; levels.len()];
            codes.iter().for_each(|&c| used[c as usize] = true);
            let mut order: Vec<usize> = (0..levels.len()).filter(|&i| used[i]).collect();
            order.sort_by(|&a, &b| levels[a].cmp(&levels[b]));
            let mut rank = vec![0usize; levels.len()];
            order.iter().enumerate().for_each(|(r, &l)| rank[l] = r);
            Ok(codes.iter().map(|&c| rank[c as usize]).collect())
        }
        ColumnData::Boolean(v) => {
            if let Some(r) = v.iter().position(Option::is_none) {
                return Err(missing(r));
            }
            let has_false = v.contains(&Some(false));
            Ok(v.iter()
                .map(|b| usize::from(*b == Some(true) && has_false))
                .collect())
        }
    }
}

/// Checks that a time column is in time order (non-decreasing; numbers numerically, text
/// such as ISO dates by text). A missing value or a step back in time is an error naming the
/// rows.
pub fn check_time_order(column: &Column) -> Result<()> {
    let n = column.len();
    for r in 0..n {
        if column.is_missing(r) {
            return Err(SelectError::MissingTime {
                column: column.name.clone(),
                row: r + 1,
            });
        }
    }
    let back = |r: usize| SelectError::TimeNotSorted {
        column: column.name.clone(),
        row: r + 1,
        value: column.text(r).unwrap_or_default(),
        previous_row: r,
        previous: column.text(r - 1).unwrap_or_default(),
    };
    match &column.data {
        ColumnData::Numeric(v) => {
            if let Some(r) = (1..n).find(|&r| v[r] < v[r - 1]) {
                return Err(back(r));
            }
        }
        ColumnData::Categorical { codes, levels } => {
            if let Some(r) =
                (1..n).find(|&r| levels[codes[r] as usize] < levels[codes[r - 1] as usize])
            {
                return Err(back(r));
            }
        }
        ColumnData::Boolean(v) => {
            if let Some(r) = (1..n).find(|&r| v[r] < v[r - 1]) {
                return Err(back(r));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_sequential_for_small_inputs() {
        let v: Vec<f64> = (0..7).map(|i| i as f64 * 0.1).collect();
        let seq = v.iter().fold(0.0, |a, b| a + b);
        assert_eq!(pairwise_sum(&v), seq);
    }

    #[test]
    fn time_series_with_gap_and_window() {
        let f = time_series(10, 3, 1, Some(3), None).unwrap();
        assert_eq!(f[0], (vec![0, 1, 2], vec![4, 5]));
        assert_eq!(f[2], (vec![4, 5, 6], vec![8, 9]));
    }

    #[test]
    fn repeated_time_series_is_refused() {
        let s = Splitter::new(Strategy::TimeSeries {
            n_splits: 3,
            gap: 0,
            max_train_size: None,
            test_size: None,
        })
        .repeats(2);
        assert!(matches!(
            s.split(&SplitData::rows(20)),
            Err(SelectError::BadSplit(_))
        ));
    }
}
