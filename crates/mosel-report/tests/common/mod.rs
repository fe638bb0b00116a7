//! Fixtures shared by the render and browser tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use mosel_report::*;

/// Path of a committed fixture.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A committed fixture, parsed.
pub fn fixture(name: &str) -> ReportInput {
    read_input(&fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Plots the breast-cancer fixture (binary + tuning) must show.
pub const BINARY_PLOTS: &[&str] = &[
    "fold-scores",
    "roc",
    "pr",
    "confusion-counts",
    "confusion-normalized",
    "calibration",
    "calibration-histogram",
    "learning-curve",
    "optimizer-comparison",
    "tuning-history",
    "param-importance",
    "pareto-front",
    "parallel-coordinates",
    "slice",
];

/// Plots the diabetes fixture (regression) must show.
pub const REGRESSION_PLOTS: &[&str] = &[
    "fold-scores",
    "predicted-vs-actual",
    "residuals",
    "learning-curve",
];

/// Plots the edge-case fixture must still show.
pub const EDGE_PLOTS: &[&str] = &[
    "fold-scores",
    "roc",
    "confusion-counts",
    "confusion-normalized",
    "calibration",
    "learning-curve",
    "optimizer-comparison",
    "tuning-history",
    "parallel-coordinates",
    "predicted-vs-actual",
    "residuals",
];

/// A deterministic pseudo-random sequence (SplitMix64) in [0, 1).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn long(name: &str) -> String {
    format!(
        "{name}_{}",
        "very_long_feature_name_with_<angle>&\"quotes\"_".repeat(4)
    )
}

/// Bad and edge-case input: very long names, 100 classes, 0 epochs, NaN everywhere,
/// mismatched lengths, too many series, conditional parameters, huge regression data.
pub fn edge_input() -> ReportInput {
    let mut rng = Rng::new(7);
    let mut input = ReportInput::new(Header {
        title: Some(format!(
            "Edge cases <script>alert(1)</script> & {}",
            "x".repeat(150)
        )),
        dataset: long("dataset"),
        task: "multiclass".into(),
        target: Some(long("target")),
        n_rows: Some(10_000),
        n_features: Some(3),
        seed: None,
        mosel_version: "0.1.0".into(),
        started_at: None,
        duration_s: Some(f64::NAN),
        command: vec![
            "mosel".into(),
            "select".into(),
            "--data".into(),
            "my file's.csv".into(),
        ],
        validation: Some("5-fold".into()),
        extra: vec![("\u{0}control\u{1b}chars".into(), "<b>not bold</b>".into())],
    });
    let mut rows = vec![];
    for i in 0..45 {
        let scores: Vec<f64> = (0..5).map(|_| 0.5 + 0.4 * rng.next()).collect();
        let mean = scores.iter().sum::<f64>() / 5.0;
        rows.push(LeaderboardRow {
            name: if i == 0 {
                long("candidate")
            } else {
                format!("candidate-{i}")
            },
            description: (i == 0).then(|| long("description")),
            mean: if i == 3 { f64::NAN } else { mean },
            std: 0.05,
            ci_low: if i == 2 { f64::NAN } else { mean - 0.05 },
            ci_high: mean + 0.05,
            fold_scores: match i {
                1 => vec![],
                2 => vec![f64::NAN, 0.7, f64::INFINITY, 0.72],
                3 => vec![f64::NAN; 5],
                4 => vec![0.6],
                _ => scores,
            },
            significance: Some(Significance {
                verdict: match i {
                    0 => Verdict::Best,
                    1 => Verdict::Untested,
                    2 => Verdict::SignificantlyBetter,
                    3..=10 => Verdict::NotSignificant,
                    _ => Verdict::SignificantlyWorse,
                },
                p_value: match i {
                    0 => None,
                    5 => Some(f64::NAN),
                    _ => Some(rng.next() * 0.2),
                },
            }),
            fit_time_s: (i % 2 == 0).then(|| rng.next() * 10_000.0),
            other_metrics: vec![MetricValue {
                name: long("metric"),
                value: if i == 0 { f64::NAN } else { rng.next() },
            }],
        });
    }
    input.leaderboard = Some(Leaderboard {
        metric: long("metric"),
        greater_is_better: true,
        interval_level: Some(1.5),
        interval_method: None,
        test: Some("<test>".into()),
        alpha: Some(0.05),
        rows,
    });
    // 10 ROC curves (more than the palette), one with mismatched lengths, one with NaN.
    for i in 0..10 {
        let n = 50;
        let mut fpr: Vec<f64> = (0..n).map(|k| k as f64 / (n - 1) as f64).collect();
        let mut tpr: Vec<f64> = fpr.iter().map(|x| x.powf(0.2 + 0.1 * i as f64)).collect();
        if i == 1 {
            tpr.pop();
        }
        if i == 2 {
            fpr[10] = f64::NAN;
            tpr[20] = f64::INFINITY;
        }
        input.roc_curves.push(RocCurve {
            name: if i == 0 {
                long("roc")
            } else {
                format!("class {i} vs rest")
            },
            fpr,
            tpr,
            auc: Some(0.9 - 0.01 * i as f64),
        });
    }
    input.pr_curves.push(PrCurve {
        name: "empty".into(),
        recall: vec![],
        precision: vec![],
        average_precision: None,
        prevalence: None,
    });
    // 100 classes with long names.
    let k = 100;
    let labels: Vec<String> = (0..k)
        .map(|i| {
            if i % 10 == 0 {
                long(&format!("class{i}"))
            } else {
                format!("c{i}")
            }
        })
        .collect();
    let counts: Vec<Vec<f64>> = (0..k)
        .map(|t| {
            (0..k)
                .map(|p| {
                    if t == p {
                        40.0 + (t % 7) as f64
                    } else if (t + 1) % k == p || rng.next() < 0.02 {
                        (rng.next() * 6.0).floor()
                    } else {
                        0.0
                    }
                })
                .collect()
        })
        .collect();
    input.confusion = Some(ConfusionMatrix {
        name: long("candidate"),
        labels,
        counts,
    });
    input.calibration.push(CalibrationCurve {
        name: "no histogram, NaN bin".into(),
        prob_pred: vec![0.05, 0.3, f64::NAN, 0.9],
        prob_true: vec![0.0, 0.25, 0.5, 0.95],
        histogram: Some(Histogram {
            edges: vec![0.0, 1.0],
            counts: vec![1, 2],
        }),
        ece: Some(f64::NAN),
        brier: None,
    });
    input.learning_curves = vec![
        LearningCurve {
            name: "zero epochs".into(),
            loss: None,
            train_loss: vec![],
            val_loss: vec![],
            best_epoch: Some(3),
            stopped_epoch: Some(0),
            patience: Some(5),
        },
        LearningCurve {
            name: "all NaN".into(),
            loss: None,
            train_loss: vec![f64::NAN; 4],
            val_loss: vec![f64::NAN; 4],
            best_epoch: None,
            stopped_epoch: None,
            patience: None,
        },
        LearningCurve {
            name: "one epoch".into(),
            loss: Some("MSE".into()),
            train_loss: vec![1.0],
            val_loss: vec![1.2],
            best_epoch: Some(1),
            stopped_epoch: None,
            patience: None,
        },
        LearningCurve {
            name: long("no validation"),
            loss: Some("MSE".into()),
            train_loss: (1..=300).map(|e| 100.0 / e as f64).collect(),
            val_loss: vec![],
            best_epoch: Some(400),
            stopped_epoch: None,
            patience: None,
        },
        LearningCurve {
            name: "diverges".into(),
            loss: None,
            train_loss: vec![1.0, 0.5, 0.4, f64::NAN, f64::INFINITY, 0.3],
            val_loss: vec![1.1, 0.6, f64::NAN, 0.7, 0.8, 0.9],
            best_epoch: Some(2),
            stopped_epoch: Some(6),
            patience: Some(4),
        },
        LearningCurve {
            name: "extra 1".into(),
            loss: None,
            train_loss: vec![1.0, 0.9],
            val_loss: vec![1.0, 0.95],
            best_epoch: None,
            stopped_epoch: None,
            patience: None,
        },
        LearningCurve {
            name: "extra 2".into(),
            loss: None,
            train_loss: vec![1.0, 0.9],
            val_loss: vec![1.0, 0.95],
            best_epoch: None,
            stopped_epoch: None,
            patience: None,
        },
    ];
    input.optimizer_comparison = Some(OptimizerComparison {
        model: long("model"),
        loss: None,
        series: (0..10)
            .map(|i| LossSeries {
                name: if i == 0 {
                    long("optimizer")
                } else {
                    format!("opt{i}")
                },
                settings: Some("<lr>".into()),
                loss: (1..=20)
                    .map(|e| {
                        if i == 3 && e > 5 {
                            f64::NAN
                        } else if i == 4 && e == 7 {
                            f64::INFINITY
                        } else {
                            (i + 1) as f64 / e as f64
                        }
                    })
                    .collect(),
                time_s: None,
            })
            .collect(),
    });
    let mut trials = vec![];
    for n in 0..120u64 {
        let state = match n % 10 {
            7 => TrialState::Pruned,
            8 if n > 100 => TrialState::Fail,
            9 if n > 110 => TrialState::Running,
            _ => TrialState::Complete,
        };
        let mut params = BTreeMap::new();
        let model = if n % 3 == 0 { "mlp" } else { "logistic" };
        params.insert("model".into(), ParamValue::Text(model.into()));
        params.insert(
            "C".into(),
            ParamValue::Number(10f64.powf(rng.next() * 6.0 - 3.0)),
        );
        if model == "mlp" {
            params.insert(
                long("hidden"),
                ParamValue::Number((rng.next() * 256.0).floor()),
            );
        }
        params.insert("flag".into(), ParamValue::Bool(n % 2 == 0));
        params.insert(
            "choice".into(),
            ParamValue::Text(format!("choice-{}", n % 30)),
        );
        let values = match state {
            TrialState::Fail | TrialState::Running => vec![],
            _ if n == 13 => vec![f64::NAN],
            _ => vec![0.6 + 0.3 * rng.next()],
        };
        trials.push(TrialRecord {
            number: 119 - n,
            state,
            values,
            params,
            duration_s: None,
        });
    }
    input.tuning = Some(Tuning {
        study: long("study"),
        sampler: Some("random".into()),
        pruner: Some("median".into()),
        objectives: vec![Objective {
            name: "accuracy".into(),
            direction: Direction::Maximize,
        }],
        trials,
        params: vec![],
        importances: vec![],
        importance_method: None,
        pareto_front: None,
    });
    let n = 10_000;
    let actual: Vec<f64> = (0..n)
        .map(|i| if i == 5 { f64::NAN } else { 1e6 * rng.next() })
        .collect();
    let predicted: Vec<f64> = actual
        .iter()
        .map(|a| a + 1e5 * (rng.next() - 0.5))
        .collect();
    input.regression = Some(RegressionDiagnostics {
        name: long("regressor"),
        actual,
        predicted,
        metrics: vec![],
    });
    input.notes.push("<b>escaped</b> note".into());
    input
}

/// A one-class problem: a 1 × 1 confusion matrix and degenerate curves.
pub fn one_class_input() -> ReportInput {
    let mut input = ReportInput::new(Header {
        dataset: "one".into(),
        task: "binary".into(),
        mosel_version: "0.1.0".into(),
        ..Header::default()
    });
    input.confusion = Some(ConfusionMatrix {
        name: "only".into(),
        labels: vec!["yes".into()],
        counts: vec![vec![12.0]],
    });
    input.roc_curves.push(RocCurve {
        name: "undefined".into(),
        fpr: vec![f64::NAN, f64::NAN],
        tpr: vec![0.0, 1.0],
        auc: None,
    });
    input.leaderboard = Some(Leaderboard {
        metric: "accuracy".into(),
        greater_is_better: true,
        interval_level: None,
        interval_method: None,
        test: None,
        alpha: None,
        rows: vec![LeaderboardRow {
            name: "only".into(),
            description: None,
            mean: 1.0,
            std: 0.0,
            ci_low: 1.0,
            ci_high: 1.0,
            fold_scores: vec![1.0, 1.0, 1.0],
            significance: None,
            fit_time_s: None,
            other_metrics: vec![],
        }],
    });
    input
}
