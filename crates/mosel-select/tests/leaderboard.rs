//! The leaderboard on hand-made fold scores, against values computed with numpy / scipy
//! 1.17.1 (`scipy.stats.t`): corrected intervals, corrected resampled t-tests, Holm, the
//! one-standard-error rule, failed candidates.

use mosel_data::Target;
use mosel_select::candidate::Spec;
use mosel_select::cv::{CandidateCv, CvRun, FoldOutcome};
use mosel_select::split::{Fold, Splitter, Strategy};
use mosel_select::{Metric, Rule, leaderboard};

fn run(scores: &[(&[f64], usize)], failed: bool) -> CvRun {
    // 5 folds of 100 rows: 80 train, 20 test.
    let folds: Vec<Fold> = (0..5)
        .map(|f| Fold {
            repeat: 0,
            index: f,
            test: (f * 20..(f + 1) * 20).collect(),
            train: (0..100).filter(|r| r / 20 != f).collect(),
        })
        .collect();
    let cand = Spec::from_pairs([("optimizer", "lbfgs")])
        .unwrap()
        .build(mosel_data::Task::Binary)
        .unwrap()
        .remove(0);
    let mut candidates: Vec<CandidateCv> = scores
        .iter()
        .map(|(s, params)| CandidateCv {
            candidate: cand.clone(),
            folds: s
                .iter()
                .enumerate()
                .map(|(f, &v)| FoldOutcome {
                    fold: f,
                    train: vec![v + 0.05],
                    test: vec![v],
                    fit_seconds: 0.1,
                    score_seconds: 0.0,
                    n_params: *params,
                    epochs: 10,
                })
                .collect(),
            error: None,
            oof: None,
            curves: Vec::new(),
        })
        .collect();
    if failed {
        candidates.insert(
            1,
            CandidateCv {
                candidate: cand,
                folds: Vec::new(),
                error: Some("fold 1: diverged".into()),
                oof: None,
                curves: Vec::new(),
            },
        );
    }
    CvRun {
        splitter: Splitter::new(Strategy::KFold {
            k: 5,
            shuffle: false,
        }),
        seed: 0,
        folds,
        metrics: vec![Metric::Accuracy],
        candidates,
        seconds: 1.0,
        threads: 1,
    }
}

const A: &[f64] = &[0.90, 0.92, 0.91, 0.93, 0.89];
const B: &[f64] = &[0.895, 0.915, 0.905, 0.925, 0.89];
const C: &[f64] = &[0.80, 0.82, 0.79, 0.81, 0.80];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn statistics_tests_and_rules() {
    // Candidates: A (index 0), failed (1), B (2), C (3).
    let r = run(&[(A, 100), (B, 10), (C, 5)], true);
    let target = Target::Values(vec![0.0; 100]);
    let lb = leaderboard(&r, &target, Rule::Best, 0.05);
    assert_eq!(lb.best, Some(0));
    assert_eq!(lb.selected, Some(0));
    assert_eq!(
        lb.rows.iter().map(|r| r.candidate).collect::<Vec<_>>(),
        vec![0, 2, 3, 1]
    );
    assert_eq!(
        lb.rows.iter().map(|r| r.rank).collect::<Vec<_>>(),
        vec![Some(1), Some(2), Some(3), None]
    );
    let a = &lb.rows[0].metrics[0];
    assert!(close(a.mean, 0.9099999999999999));
    assert!(close(a.std, 0.014142135623730963));
    assert!(close(a.ci_low, 0.8805513525778366), "{}", a.ci_low);
    assert!(close(a.ci_high, 0.9394486474221633), "{}", a.ci_high);
    assert!(close(a.gap, 0.05));
    let c = &lb.rows[2].metrics[0];
    assert!(close(c.ci_low, 0.7827642783452661));
    assert!(close(c.ci_high, 0.825235721654734));

    let b = &lb.rows[1];
    assert!(close(b.diff_vs_best.unwrap(), 0.004));
    assert!((b.p_value.unwrap() - 0.055999999999999994).abs() < 1e-9);
    assert!((b.p_adjusted.unwrap() - 0.055999999999999994).abs() < 1e-9);
    assert_eq!(b.not_worse, Some(true));
    let c = &lb.rows[2];
    assert!((c.p_value.unwrap() - 0.00029737796551579767).abs() < 1e-12);
    assert!((c.p_adjusted.unwrap() - 0.0005947559310315953).abs() < 1e-12);
    assert_eq!(c.not_worse, Some(false));
    assert_eq!(lb.rows[0].not_worse, Some(true));
    assert_eq!(lb.rows[3].not_worse, None);
    assert!(lb.rows[3].metrics.is_empty());

    // One standard error: B is within 0.9029289321881344 of A's mean and has fewer
    // parameters; C has the fewest but is too far.
    let lb = leaderboard(&r, &target, Rule::OneSe, 0.05);
    assert_eq!(lb.best, Some(0));
    assert_eq!(lb.selected, Some(2));
    assert!(close(lb.threshold.unwrap(), 0.9029289321881344));
    assert!(lb.rows[1].selected);
}

#[test]
fn lower_is_better_metrics_rank_the_other_way() {
    let mut r = run(&[(A, 100), (C, 5)], false);
    r.metrics = vec![Metric::LogLoss];
    let lb = leaderboard(&r, &Target::Values(vec![0.0; 100]), Rule::Best, 0.05);
    assert!(!lb.greater_is_better);
    assert_eq!(lb.best, Some(1));
    assert_eq!(lb.rows[0].candidate, 1);
    // best - candidate, oriented so that positive means the best is better.
    assert!(close(lb.rows[1].diff_vs_best.unwrap(), 0.106));
    let lb = leaderboard(&r, &Target::Values(vec![0.0; 100]), Rule::OneSe, 0.05);
    assert_eq!(lb.selected, Some(1));
}

#[test]
fn ties_go_to_the_simpler_candidate() {
    let r = run(&[(A, 100), (A, 10)], false);
    let lb = leaderboard(&r, &Target::Values(vec![0.0; 100]), Rule::Best, 0.05);
    assert_eq!(lb.best, Some(1));
    let row = lb.row(0).unwrap();
    assert_eq!(row.p_value, Some(1.0));
    assert_eq!(row.not_worse, Some(true));
}
