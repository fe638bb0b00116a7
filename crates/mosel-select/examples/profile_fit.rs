//! Times one cross-validation fit's pieces on `bench/out/select/select_50000.*` (written by
//! `bench/python/selection.py gen`): L-BFGS fits with 1 and with all iterations, predictions.
use mosel_data::{Matrix, Target};
use mosel_train::{FitOptions, Learner, Model, ModelKind, OptimizerSpec, TrainConfig};
use std::time::Instant;

fn main() {
    let d = 30;
    let xb = std::fs::read("bench/out/select/select_50000.f32").expect("run selection.py gen");
    let yb = std::fs::read("bench/out/select/select_50000.u8").expect("labels");
    let x: Vec<f32> = xb
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let ntr = 40_000;
    let xtr = Matrix::from_vec(x[..ntr * d].to_vec(), ntr, d).expect("shape");
    let ytr = Target::Classes {
        codes: yb[..ntr].iter().map(|&c| c as u32).collect(),
        labels: vec!["0".into(), "1".into()],
    };
    // Two fits at once on two OS threads vs one after the other.
    let cfg = TrainConfig {
        model: ModelKind::Logistic,
        optimizer: OptimizerSpec::Lbfgs { memory: 10 },
        l2: 1.0 / ntr as f64,
        ..TrainConfig::default()
    };
    let fit = || {
        let mut m = Model::new(cfg.clone()).expect("config");
        m.fit(&xtr, &ytr, FitOptions::default()).expect("fit");
    };
    let t = Instant::now();
    for _ in 0..8 {
        fit();
    }
    let seq = t.elapsed().as_secs_f64();
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..4 {
                    fit();
                }
            });
        }
    });
    println!(
        "8 fits: one after the other {:.1} ms, on two threads {:.1} ms",
        seq * 1e3,
        t.elapsed().as_secs_f64() * 1e3
    );
    for epochs in [1, 2, 100] {
        for c in [1e-4, 1.0] {
            let cfg = TrainConfig {
                model: ModelKind::Logistic,
                optimizer: OptimizerSpec::Lbfgs { memory: 10 },
                l2: 1.0 / (c * ntr as f64),
                epochs,
                ..TrainConfig::default()
            };
            let mut best = f64::INFINITY;
            let mut iters = 0;
            for _ in 0..5 {
                let mut m = Model::new(cfg.clone()).expect("config");
                let t = Instant::now();
                let h = m.fit(&xtr, &ytr, FitOptions::default()).expect("fit");
                best = best.min(t.elapsed().as_secs_f64());
                iters = h.records.len();
            }
            let m = {
                let mut m = Model::new(cfg.clone()).expect("config");
                m.fit(&xtr, &ytr, FitOptions::default()).expect("fit");
                m
            };
            let t = Instant::now();
            let _ = m.predict(&xtr).expect("predict");
            println!(
                "C={c} epochs<={epochs}: fit {:.2} ms ({iters} iters), predict 40k rows {:.2} ms",
                best * 1e3,
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}
