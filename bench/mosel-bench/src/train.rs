//! Workload `train` (issue 4): logistic regression with L-BFGS, SGD logistic regression and
//! an MLP with Adam, on the raw files `bench/python/train.py gen` writes (peer: the same
//! script's `run`). Each case is fitted once per repetition; the best of 3 is reported.

use crate::measure::{emit, time};
use mosel_data::{Matrix, Target};
use mosel_train::{FitOptions, Learner, Model, ModelKind, OptimizerSpec, TrainConfig};
use serde_json::json;
use std::path::Path;

fn read(dir: &Path, name: &str, part: &str, cols: usize) -> Result<(Matrix, Target), String> {
    let rd = |p: String| std::fs::read(dir.join(&p)).map_err(|e| format!("{p}: {e}"));
    let xb = rd(format!("{name}_x_{part}.f32"))?;
    let yb = rd(format!("{name}_y_{part}.u8"))?;
    let data: Vec<f32> = xb
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let n = yb.len();
    let x = Matrix::from_vec(data, n, cols).ok_or("shape mismatch")?;
    let k = *yb.iter().max().unwrap_or(&0) as usize + 1;
    let y = Target::Classes {
        codes: yb.iter().map(|&c| c as u32).collect(),
        labels: (0..k).map(|c| c.to_string()).collect(),
    };
    Ok((x, y))
}

fn accuracy(m: &Model, x: &Matrix, y: &Target) -> f64 {
    let Target::Classes { codes, .. } = y else {
        return f64::NAN;
    };
    let pred = m
        .predict(x)
        .expect("predict")
        .class_codes()
        .expect("classes");
    pred.iter().zip(codes).filter(|(a, b)| a == b).count() as f64 / codes.len() as f64
}

fn case(
    name: &str,
    cfg: TrainConfig,
    tr: &(Matrix, Target),
    te: &(Matrix, Target),
    per: f64,
) -> Result<(), String> {
    if let Ok(only) = std::env::var("MOSEL_BENCH_CASE")
        && !name.starts_with(&only)
    {
        return Ok(());
    }
    let mut best = f64::INFINITY;
    let mut model = None;
    let mut epochs = 0;
    for _ in 0..3 {
        let mut m = Model::new(cfg.clone()).map_err(|e| e.to_string())?;
        let (h, s) = time(|| m.fit(&tr.0, &tr.1, FitOptions::default()));
        let h = h.map_err(|e| e.to_string())?;
        epochs = h.records.len();
        if s < best {
            best = s;
        }
        model = Some(m);
    }
    let m = model.expect("fitted");
    emit(
        "train",
        name,
        best / per,
        json!({
            "accuracy": accuracy(&m, &te.0, &te.1),
            "epochs": epochs,
            "threads": rayon_threads(),
            "config": format!("{} {} batch {:?} lr {:?}", cfg.model, cfg.optimizer, cfg.batch_size, cfg.lr),
        }),
    );
    Ok(())
}

fn rayon_threads() -> String {
    std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all cores".into())
}

/// `mosel-bench train DIR`.
pub fn run(args: &[String]) -> Result<(), String> {
    let dir = Path::new(args.first().ok_or("usage: mosel-bench train DIR")?);
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("meta.json")).map_err(|e| format!("meta.json: {e}"))?,
    )
    .map_err(|e| e.to_string())?;
    let cols = |n: &str| meta[n]["features"].as_u64().unwrap_or(0) as usize;
    let tr = read(dir, "logistic", "train", cols("logistic"))?;
    let te = read(dir, "logistic", "test", cols("logistic"))?;
    let n = tr.0.n_rows as f64;
    // scikit-learn's LogisticRegression(C=1, tol=1e-4): l2 = 1 / (C n), gtol = 1e-4.
    let lbfgs = TrainConfig {
        l2: 1.0 / n,
        gtol: Some(1e-4),
        ..TrainConfig::new(ModelKind::Logistic)
    };
    case("logistic lbfgs 160000x50", lbfgs, &tr, &te, 1.0)?;
    // SGDClassifier(alpha=1e-4): (alpha/2)|w|^2 -> l2 = 1e-4; 5 epochs. mosel's fastest
    // configuration at equal or better accuracy: mini-batches of 128, learning rate 0.01.
    let sgd = TrainConfig {
        optimizer: OptimizerSpec::Sgd,
        lr: Some(0.01),
        batch_size: Some(128),
        epochs: 5,
        l2: 1e-4,
        ..TrainConfig::new(ModelKind::Logistic)
    };
    case("sgd logistic 5 epochs", sgd, &tr, &te, 1.0)?;
    let tr = read(dir, "mlp", "train", cols("mlp"))?;
    let te = read(dir, "mlp", "test", cols("mlp"))?;
    // MLPClassifier((128,), adam, lr 1e-3, batch 256, alpha 1e-4, Glorot init): the same
    // hyperparameters; its penalty is alpha/2 |W|^2 per batch of 256 rows -> l2 = 1e-4 / 256.
    let mlp = TrainConfig {
        optimizer: OptimizerSpec::ADAM,
        lr: Some(1e-3),
        batch_size: Some(256),
        epochs: 5,
        l2: 1e-4 / 256.0,
        ..TrainConfig::new(ModelKind::Mlp {
            hidden: vec![128],
            activation: Default::default(),
            dropout: 0.0,
        })
    };
    case("mlp 100-128-10 adam b256, per epoch", mlp, &tr, &te, 5.0)?;
    Ok(())
}
