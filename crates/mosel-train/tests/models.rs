//! Models against scikit-learn golden coefficients, plus behaviour tests (early stopping,
//! callbacks, divergence, bad input, reproducibility across thread counts).

use mosel_data::{Matrix, Target};
use mosel_train::{
    Control, EarlyStopping, FitOptions, Learner, Model, ModelKind, OptimizerSpec, Predictions,
    StopReason, TrainConfig, TrainError,
};
use serde_json::Value;

fn golden() -> Value {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/sklearn_linear.json"
    );
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Matrix {
    let rows: Vec<Vec<f32>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap() as f32)
                .collect()
        })
        .collect();
    let d = rows[0].len();
    Matrix::from_vec(rows.concat(), rows.len(), d).unwrap()
}

fn lbfgs_tight(model: ModelKind, l2: f64) -> TrainConfig {
    TrainConfig {
        l2,
        epochs: 2000,
        gtol: Some(1e-8),
        tol: Some(0.0),
        ..TrainConfig::new(model)
    }
}

#[test]
fn logistic_and_ridge_match_sklearn() {
    let g = golden();
    for case in g["cases"].as_array().unwrap() {
        let x = matrix(&case["x"]);
        let l2 = case["l2"].as_f64().unwrap();
        let (model, y) = if case["model"] == "ridge" {
            let v = case["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect();
            (ModelKind::Linear, Target::Values(v))
        } else {
            let codes = case["codes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u32)
                .collect();
            let labels = case["labels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            (ModelKind::Logistic, Target::Classes { codes, labels })
        };
        let l1 = case["l1"].as_f64().unwrap_or(0.0);
        let mut m = Model::new(TrainConfig {
            l1,
            ..lbfgs_tight(model, l2)
        })
        .unwrap();
        let h = m.fit(&x, &y, FitOptions::default()).unwrap();
        let (w, b) = m.coefficients().unwrap();
        let k = b.len();
        let d = x.n_cols;
        let coef = case["coef"].as_array().unwrap();
        let icpt = case["intercept"].as_array().unwrap();
        // sklearn coef_ is (k, d); ours is (d, k).
        let mut worst = 0.0f64;
        for c in 0..k {
            let row = coef[c].as_array().unwrap();
            for j in 0..d {
                worst = worst.max((w[j * k + c] - row[j].as_f64().unwrap()).abs());
            }
            worst = worst.max((b[c] - icpt[c].as_f64().unwrap()).abs());
        }
        let name = case["name"].as_str().unwrap();
        if let Some(zeros) = case["n_zero"].as_u64() {
            // OWL-QN lands exactly on zero where the L1 penalty makes a weight vanish.
            let ours = w.iter().filter(|v| **v == 0.0).count() as u64;
            assert_eq!(ours, zeros, "{name}: zero coefficients");
        }
        assert!(
            worst <= 1e-4,
            "{name}: max |coef - sklearn| = {worst:e} after {} iterations ({:?})",
            h.records.len(),
            h.stop
        );
    }
}

/// y = 2x + 1 exactly: every optimizer on linear regression gets close.
#[test]
fn every_optimizer_fits_a_line() {
    let xs: Vec<f32> = (0..40).map(|i| i as f32 / 20.0 - 1.0).collect();
    let y = Target::Values(xs.iter().map(|&x| 2.0 * x as f64 + 1.0).collect());
    let x = Matrix::from_vec(xs, 40, 1).unwrap();
    for name in OptimizerSpec::NAMES {
        let opt: OptimizerSpec = name.parse().unwrap();
        let lr = match name {
            "gd" | "sgd" => 0.1,
            "momentum" | "nesterov" => 0.02,
            "adagrad" => 0.5,
            // RMSprop's steps have about the size of the rate whatever the gradient, so at a
            // constant rate it keeps circling the optimum that far away: a smaller rate.
            "rmsprop" => 0.01,
            _ => 0.05,
        };
        let cfg = TrainConfig {
            model: ModelKind::Linear,
            optimizer: opt,
            lr: Some(lr),
            epochs: 300,
            batch_size: Some(8),
            ..TrainConfig::default()
        };
        let mut m = Model::new(cfg).unwrap();
        m.fit(&x, &y, FitOptions::default()).unwrap();
        let (w, b) = m.coefficients().unwrap();
        assert!(
            (w[0] - 2.0).abs() < 0.02 && (b[0] - 1.0).abs() < 0.02,
            "{name}: w = {w:?}, b = {b:?}"
        );
    }
}

fn blobs(n: usize, k: usize, d: usize, seed: u64) -> (Matrix, Target) {
    // Deterministic, well-separated blobs.
    let mut s = seed;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5
    };
    let mut data = Vec::with_capacity(n * d);
    let mut codes = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % k;
        for j in 0..d {
            let centre = if j % k == c { 2.0 } else { 0.0 };
            data.push((centre + next()) as f32);
        }
        codes.push(c as u32);
    }
    let labels = (0..k).map(|c| format!("c{c}")).collect();
    (
        Matrix::from_vec(data, n, d).unwrap(),
        Target::Classes { codes, labels },
    )
}

fn accuracy(p: &Predictions, y: &Target) -> f64 {
    let Target::Classes { codes, .. } = y else {
        panic!()
    };
    let pred = p.class_codes().unwrap();
    pred.iter().zip(codes).filter(|(a, b)| a == b).count() as f64 / codes.len() as f64
}

#[test]
fn mlp_learns_with_every_activation_and_is_thread_count_independent() {
    let (x, y) = blobs(600, 3, 6, 7);
    for act in ["relu", "tanh", "gelu"] {
        let cfg = TrainConfig {
            model: ModelKind::Mlp {
                hidden: vec![16, 8],
                activation: act.parse().unwrap(),
                dropout: 0.1,
            },
            optimizer: OptimizerSpec::ADAM,
            lr: Some(0.01),
            epochs: 20,
            batch_size: Some(300),
            seed: 3,
            ..TrainConfig::default()
        };
        let fit_in = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut m = Model::new(cfg.clone()).unwrap();
                let h = m.fit(&x, &y, FitOptions::default()).unwrap();
                (m, h)
            })
        };
        let (m1, h1) = fit_in(1);
        let (m4, h4) = fit_in(4);
        assert_eq!(
            m1.fitted().unwrap().params,
            m4.fitted().unwrap().params,
            "{act}: threads changed the model"
        );
        assert_eq!(h1.records.len(), h4.records.len());
        let acc = accuracy(&m1.predict(&x).unwrap(), &y);
        assert!(acc > 0.95, "{act}: accuracy {acc}");
        assert_eq!(m1.n_params(), 6 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3);
    }
}

/// The linear models' f64 path splits rows into chunks of 2048: several chunks, several
/// thread counts, one answer.
#[test]
fn linear_models_are_thread_count_independent() {
    let (x, y) = blobs(9000, 3, 5, 11);
    for (model, opt) in [
        (ModelKind::Logistic, "lbfgs"),
        (ModelKind::Softmax, "gd"),
        (ModelKind::Logistic, "sgd"),
    ] {
        let cfg = TrainConfig {
            optimizer: opt.parse().unwrap(),
            epochs: 5,
            batch_size: Some(4500),
            l2: 1e-3,
            ..TrainConfig::new(model)
        };
        let fit_in = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut m = Model::new(cfg.clone()).unwrap();
                m.fit(&x, &y, FitOptions::default()).unwrap();
                m.fitted().unwrap().params.clone()
            })
        };
        assert_eq!(fit_in(1), fit_in(3), "{opt}");
    }
}

/// Binary logistic regression (the one-logit path with the SIMD loss and kernels): several
/// 2048-row chunks, a ragged last chunk and block of rows, a width that is not a multiple of 8.
#[test]
fn binary_logistic_is_thread_count_independent() {
    let (x, y) = blobs(9003, 2, 13, 5);
    for opt in ["lbfgs", "gd", "sgd"] {
        let cfg = TrainConfig {
            optimizer: opt.parse().unwrap(),
            epochs: 5,
            batch_size: Some(4500),
            l2: 1e-3,
            ..TrainConfig::new(ModelKind::Logistic)
        };
        let fit_in = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut m = Model::new(cfg.clone()).unwrap();
                let h = m.fit(&x, &y, FitOptions::default()).unwrap();
                (
                    m.fitted().unwrap().params.clone(),
                    h.last().unwrap().train_loss,
                )
            })
        };
        assert_eq!(fit_in(1), fit_in(3), "{opt}");
    }
}

#[test]
fn early_stopping_restores_best_and_callback_can_stop() {
    // Overlapping classes with 25 % flipped labels: a wide MLP overfits, so the validation
    // loss turns up.
    let (x, y) = blobs(400, 2, 4, 1);
    let Target::Classes { mut codes, labels } = y else {
        unreachable!()
    };
    for (i, c) in codes.iter_mut().enumerate() {
        if (i * 7 + 3) % 4 == 0 {
            *c = 1 - *c;
        }
    }
    let y = Target::Classes { codes, labels };
    let cfg = TrainConfig {
        model: ModelKind::Mlp {
            hidden: vec![128],
            activation: Default::default(),
            dropout: 0.0,
        },
        optimizer: OptimizerSpec::ADAM,
        lr: Some(0.05),
        epochs: 500,
        batch_size: Some(16),
        early_stopping: Some(EarlyStopping {
            patience: 3,
            ..Default::default()
        }),
        ..TrainConfig::default()
    };
    let mut m = Model::new(cfg.clone()).unwrap();
    let h = m.fit(&x, &y, FitOptions::default()).unwrap();
    assert_eq!(h.stop, StopReason::EarlyStopping);
    let best = h.best_epoch.unwrap();
    assert_eq!(h.records.len(), best + 3);
    let vbest = h.records[best - 1].val_loss.unwrap();
    assert!(h.records.iter().all(|r| r.val_loss.unwrap() >= vbest));

    let mut seen = 0;
    let mut cb = |r: &mosel_train::EpochRecord| {
        seen = r.epoch;
        if r.epoch == 4 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let mut m = Model::new(TrainConfig {
        early_stopping: None,
        ..cfg
    })
    .unwrap();
    let h = m
        .fit(
            &x,
            &y,
            FitOptions {
                validation: Some((&x, &y)),
                on_epoch: Some(&mut cb),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!((h.stop, h.records.len()), (StopReason::Callback, 4));
    assert!(h.records.iter().all(|r| r.val_metric.is_some()));
    assert_eq!(seen, 4);
}

#[test]
fn divergence_is_a_typed_error_suggesting_a_smaller_rate() {
    let x = Matrix::from_vec((1..=20).map(|v| v as f32).collect(), 20, 1).unwrap();
    let y = Target::Values((1..=20).map(|v| v as f64).collect());
    let cfg = TrainConfig {
        model: ModelKind::Linear,
        optimizer: OptimizerSpec::Gd,
        lr: Some(1.0),
        epochs: 1000,
        ..TrainConfig::default()
    };
    let err = Model::new(cfg)
        .unwrap()
        .fit(&x, &y, FitOptions::default())
        .unwrap_err();
    match &err {
        TrainError::Diverged { lr, suggested, .. } => assert_eq!((*lr, *suggested), (1.0, 0.1)),
        e => panic!("expected divergence, got {e}"),
    }
    assert!(err.to_string().contains("smaller learning rate"));

    // Cross-entropy stays finite at any step size, but a loss 100x above where training
    // started is divergence too.
    let (x, y) = blobs(300, 3, 4, 2);
    let Target::Classes { mut codes, labels } = y else {
        unreachable!()
    };
    for (i, c) in codes.iter_mut().enumerate() {
        if i % 4 == 1 {
            *c = (*c + 1) % 3; // noisy labels: not separable
        }
    }
    let y = Target::Classes { codes, labels };
    let cfg = TrainConfig {
        optimizer: OptimizerSpec::Sgd,
        lr: Some(1e6),
        epochs: 20,
        ..TrainConfig::new(ModelKind::Softmax)
    };
    let err = Model::new(cfg)
        .unwrap()
        .fit(&x, &y, FitOptions::default())
        .unwrap_err();
    assert!(matches!(err, TrainError::Diverged { .. }), "{err}");
}

#[test]
fn bad_input_errors() {
    let names = vec!["a".to_string(), "b".to_string()];
    let x = Matrix::from_vec(vec![1.0, 2.0, f32::NAN, 1.0, 0.0, 1.0], 3, 2).unwrap();
    let y = Target::Classes {
        codes: vec![0, 1, 0],
        labels: vec!["no".into(), "yes".into()],
    };
    let m = || Model::new(TrainConfig::new(ModelKind::Logistic)).unwrap();
    let err = m()
        .fit(
            &x,
            &y,
            FitOptions {
                feature_names: Some(&names),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            TrainError::NonFiniteFeature {
                row: 1,
                column: 0,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("'a'"), "{err}");

    let x = Matrix::from_vec(vec![1.0, 2.0, 3.0, 1.0, 0.0, 1.0], 3, 2).unwrap();
    let one = Target::Classes {
        codes: vec![1, 1, 1],
        labels: vec!["no".into(), "yes".into()],
    };
    let err = m().fit(&x, &one, FitOptions::default()).unwrap_err();
    assert!(
        matches!(&err, TrainError::OneClass { label } if label == "yes"),
        "{err}"
    );

    let yv = Target::Values(vec![1.0, f64::INFINITY, 0.0]);
    let lin = TrainConfig::new(ModelKind::Linear);
    let err = Model::new(lin)
        .unwrap()
        .fit(&x, &yv, FitOptions::default())
        .unwrap_err();
    assert!(
        matches!(err, TrainError::NonFiniteTarget { row: 1, .. }),
        "{err}"
    );

    let err = m()
        .fit(
            &x,
            &Target::Values(vec![1.0, 2.0, 3.0]),
            FitOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(err, TrainError::TargetMismatch(_)), "{err}");

    let mut fitted = m();
    fitted.fit(&x, &y, FitOptions::default()).unwrap();
    let wide = Matrix::zeros(2, 3);
    assert!(matches!(
        fitted.predict(&wide),
        Err(TrainError::FeatureCount {
            expected: 2,
            got: 3
        })
    ));
    assert!(matches!(m().predict(&x), Err(TrainError::NotFitted)));

    let cfg = TrainConfig {
        lr: Some(-1.0),
        ..TrainConfig::new(ModelKind::Linear)
    };
    assert!(matches!(Model::new(cfg), Err(TrainError::Config(_))));
    let cfg = TrainConfig {
        l1: -0.1,
        ..TrainConfig::new(ModelKind::Logistic)
    };
    assert!(matches!(Model::new(cfg), Err(TrainError::Config(_))));
}

#[test]
fn l1_zeroes_useless_features_and_config_roundtrips() {
    // Feature 0 predicts y; feature 1 is noise. A strong L1 drives w1 to (about) zero.
    let n = 200;
    let mut data = Vec::new();
    let mut vals = Vec::new();
    for i in 0..n {
        let a = (i as f32 / n as f32) * 2.0 - 1.0;
        let b = ((i * 7919) % 97) as f32 / 48.5 - 1.0;
        data.extend_from_slice(&[a, b]);
        vals.push(3.0 * a as f64);
    }
    let x = Matrix::from_vec(data, n, 2).unwrap();
    let y = Target::Values(vals);
    let cfg = TrainConfig {
        model: ModelKind::Linear,
        optimizer: OptimizerSpec::Gd,
        lr: Some(0.05),
        l1: 0.05,
        epochs: 3000,
        ..TrainConfig::default()
    };
    let json = serde_json::to_string(&cfg).unwrap();
    let back: TrainConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(back, cfg);
    let mut m = back.build().unwrap();
    m.fit(&x, &y, FitOptions::default()).unwrap();
    let Predictions::Values(_) = m.predict(&x).unwrap() else {
        panic!()
    };
    let mut m2 = Model::new(cfg).unwrap();
    m2.fit(&x, &y, FitOptions::default()).unwrap();
    let (w, _) = m2.coefficients().unwrap();
    assert!(w[1].abs() < 0.01 && w[0] > 2.5, "w = {w:?}");
}

#[test]
fn model_files_roundtrip_and_refuse_damage() {
    use mosel_train::file::{self, SaveInfo, TrainSummary};
    let (x, y) = blobs(120, 3, 4, 5);
    let cfg = TrainConfig {
        model: ModelKind::Mlp {
            hidden: vec![8],
            activation: mosel_train::Activation::Tanh,
            dropout: 0.0,
        },
        optimizer: OptimizerSpec::ADAM,
        lr: Some(0.01),
        epochs: 5,
        ..TrainConfig::default()
    };
    let mut m = Model::new(cfg).unwrap();
    let names: Vec<String> = (0..4).map(|i| format!("f{i}")).collect();
    let h = m
        .fit(
            &x,
            &y,
            FitOptions {
                feature_names: Some(&names),
                ..Default::default()
            },
        )
        .unwrap();
    let info = SaveInfo {
        target: Some("class".into()),
        pipeline: Some(serde_json::json!({"steps": []})),
        summary: TrainSummary::from_history(&h, 120),
    };
    let bytes = file::to_bytes(&m, &info).unwrap();
    let back = file::from_bytes(&bytes).unwrap();
    let restored = Model::from_file(&back).unwrap();
    assert_eq!(restored.fitted(), m.fitted());
    assert_eq!(restored.predict(&x).unwrap(), m.predict(&x).unwrap());
    assert_eq!(back.header.target.as_deref(), Some("class"));
    assert_eq!(back.header.labels, vec!["c0", "c1", "c2"]);
    assert_eq!(back.header.feature_names.as_deref(), Some(&names[..]));
    assert_eq!(back.header.summary.as_ref().unwrap().epochs, 5);
    assert_eq!(back.header.model_type, "mlp");

    // Truncated.
    for cut in [3, 100, bytes.len() - 1] {
        let e = file::from_bytes(&bytes[..cut]).unwrap_err();
        assert!(matches!(e, TrainError::CorruptFile(_)), "cut {cut}: {e}");
    }
    // One weight byte altered.
    let mut bad = bytes.clone();
    let n = bad.len();
    bad[n - 3] ^= 0x40;
    let e = file::from_bytes(&bad).unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
    // Header altered (a label renamed, same length).
    let e = file::from_bytes(&replace(&bytes, br#"\"c1\""#, br#"\"cX\""#)).unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
    // A newer format version.
    let e = file::from_bytes(&replace(
        &bytes,
        br#""format_version":"2""#,
        br#""format_version":"9""#,
    ))
    .unwrap_err();
    assert!(matches!(e, TrainError::IncompatibleFile(_)), "{e}");
    // Not a model at all.
    assert!(matches!(
        file::from_bytes(b"label,x\n1,2\n"),
        Err(TrainError::CorruptFile(_))
    ));
    // Through the file system.
    let dir = std::env::temp_dir().join(format!("mosel-train-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.mosel");
    file::save(&path, &m, &info).unwrap();
    let loaded = Model::from_file(&file::load(&path).unwrap()).unwrap();
    assert_eq!(loaded.fitted(), m.fitted());
    assert!(matches!(
        file::load(&dir.join("missing.mosel")),
        Err(TrainError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).ok();
}

/// `bytes` with the first occurrence of `from` replaced by `to` (same length).
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

/// Noisy (non-separable) binary data: y = [x0 + 0.5 x1 - 0.25 x2 + noise > 0].
fn noisy_binary(n: usize, d: usize, seed: u64) -> (Matrix, Target) {
    let mut s = seed;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let mut data = Vec::with_capacity(n * d);
    let mut codes = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f64> = (0..d).map(|_| next()).collect();
        let t = row[0] + 0.5 * row[1] - 0.25 * row[2] + 0.6 * next();
        codes.push((t > 0.0) as u32);
        data.extend(row.iter().map(|&v| v as f32));
    }
    (
        Matrix::from_vec(data, n, d).unwrap(),
        Target::Classes {
            codes,
            labels: vec!["no".into(), "yes".into()],
        },
    )
}

/// Mean binary cross-entropy plus `l2/2 |w|²` of logistic parameters `[w, b]`, in f64.
fn objective(x: &Matrix, y: &Target, p: &[f64], l2: f64) -> f64 {
    let Target::Classes { codes, .. } = y else {
        panic!()
    };
    let d = x.n_cols;
    let mut total = 0.0;
    for (i, &c) in codes.iter().enumerate() {
        let row = &x.data[i * d..(i + 1) * d];
        let z: f64 = p[d] + row.iter().zip(p).map(|(a, w)| *a as f64 * w).sum::<f64>();
        total += z.max(0.0) - c as f64 * z + (-z.abs()).exp().ln_1p();
    }
    total / codes.len() as f64 + 0.5 * l2 * p[..d].iter().map(|w| w * w).sum::<f64>()
}

/// Warm starts along a regularisation path (scikit-learn's `C` from strong to weak penalty,
/// its default tolerance): each fit starts from the previous `C`'s solution, reaches the
/// cold start's optimum, and the path needs fewer L-BFGS iterations in all.
#[test]
fn warm_starts_along_a_path_reach_the_cold_optima_in_fewer_iterations() {
    let (x, y) = noisy_binary(3000, 8, 3);
    let n = 3000.0;
    let (mut cold_iters, mut warm_iters) = (0, 0);
    let mut prev: Option<Vec<f64>> = None;
    for c in [0.01, 0.1, 1.0, 10.0, 100.0] {
        let l2 = 1.0 / (c * n);
        let cfg = TrainConfig {
            l2,
            gtol: Some(1e-4),
            ..TrainConfig::new(ModelKind::Logistic)
        };
        let mut cold = Model::new(cfg.clone()).unwrap();
        cold_iters += cold
            .fit(&x, &y, FitOptions::default())
            .unwrap()
            .records
            .len();
        let mut warm = Model::new(cfg).unwrap();
        let h = match &prev {
            Some(p) => warm.fit_from(&x, &y, FitOptions::default(), p).unwrap(),
            None => warm.fit(&x, &y, FitOptions::default()).unwrap(),
        };
        warm_iters += h.records.len();
        let (pc, pw) = (
            &cold.fitted().unwrap().params,
            &warm.fitted().unwrap().params,
        );
        // Both stop at the gradient tolerance, so their parameters differ by up to ~1e-3;
        // their objective values (computed here in f64) agree far more closely (within
        // |g|²/(2 l2) ≈ 1.4e-5 of the optimum at the strongest penalty).
        let (fc, fw) = (objective(&x, &y, pc, l2), objective(&x, &y, pw, l2));
        assert!((fc - fw).abs() < 1e-5 * fc, "C {c}: cold {fc} vs warm {fw}");
        for (a, b) in pc.iter().zip(pw) {
            assert!((a - b).abs() < 1e-2, "C {c}: cold {pc:?} vs warm {pw:?}");
        }
        if let Some(p) = &prev {
            // The penalty moved the optimum: the warm start had work to do.
            assert!(p.iter().zip(pc).any(|(a, b)| (a - b).abs() > 1e-2), "C {c}");
        }
        prev = Some(pw.clone());
    }
    assert!(
        warm_iters < cold_iters,
        "warm {warm_iters} iterations, cold {cold_iters}"
    );
}

/// A warm start from a model's own solution stays there, also for linear regression, whose
/// parameters are stored for the original target scale but trained on a standardised one.
#[test]
fn warm_start_from_own_solution_stays_and_bad_vectors_are_refused() {
    let (x, _) = noisy_binary(500, 4, 9);
    let v: Vec<f64> = (0..500)
        .map(|i| {
            let r = &x.data[i * 4..(i + 1) * 4];
            100.0 + 30.0 * r[0] as f64 - 12.0 * r[1] as f64 + 5.0 * ((i * 7919) % 13) as f64
        })
        .collect();
    let y = Target::Values(v);
    let mut m = Model::new(lbfgs_tight(ModelKind::Linear, 1e-3)).unwrap();
    m.fit(&x, &y, FitOptions::default()).unwrap();
    let p = m.fitted().unwrap().params.clone();
    let mut again = Model::new(lbfgs_tight(ModelKind::Linear, 1e-3)).unwrap();
    let h = again.fit_from(&x, &y, FitOptions::default(), &p).unwrap();
    assert!(h.records.len() <= 2, "{} iterations", h.records.len());
    for (a, b) in p.iter().zip(&again.fitted().unwrap().params) {
        assert!((a - b).abs() < 1e-6 * (1.0 + a.abs()), "{p:?}");
    }
    // Wrong length: a typed error naming both sizes; non-finite values: refused.
    match again.fit_from(&x, &y, FitOptions::default(), &p[..3]) {
        Err(TrainError::InitParams {
            expected: 5,
            got: 3,
        }) => {}
        other => panic!("{other:?}"),
    }
    let mut bad = p.clone();
    bad[1] = f64::NAN;
    assert!(matches!(
        again.fit_from(&x, &y, FitOptions::default(), &bad),
        Err(TrainError::Config(_))
    ));
    // An MLP warm-started from its own parameters continues from them (Adam, one epoch,
    // tiny rate: it stays close).
    let (xb, yb) = noisy_binary(400, 4, 2);
    let mlp = TrainConfig {
        optimizer: OptimizerSpec::ADAM,
        lr: Some(1e-6),
        epochs: 1,
        ..TrainConfig::new(ModelKind::Mlp {
            hidden: vec![6],
            activation: Default::default(),
            dropout: 0.0,
        })
    };
    let mut a = Model::new(mlp.clone()).unwrap();
    a.fit(&xb, &yb, FitOptions::default()).unwrap();
    let pa = a.fitted().unwrap().params.clone();
    let shifted: Vec<f64> = pa.iter().map(|v| v + 0.5).collect();
    let mut b = Model::new(mlp).unwrap();
    b.fit_from(&xb, &yb, FitOptions::default(), &shifted)
        .unwrap();
    for (s, q) in shifted.iter().zip(&b.fitted().unwrap().params) {
        assert!(
            (s - q).abs() < 1e-3,
            "warm-started MLP moved from {s} to {q}"
        );
    }
}
