//! Times the stages of one cross-validation fit on `bench/out/select/select_50000.*`
//! (written by `bench/python/selection.py gen`): pipeline, L-BFGS fit, predictions.
use mosel_data::{Matrix, Target};
use mosel_train::{FitOptions, Learner, Model, ModelKind, OptimizerSpec, TrainConfig};
use std::time::Instant;

fn main() {
    let d = 30;
    let xb = std::fs::read("bench/out/select/select_50000.f32").expect("run selection.py gen");
    let yb = std::fs::read("bench/out/select/select_50000.u8").unwrap();
    let x: Vec<f32> = xb
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let ntr = 40_000;
    let xtr = Matrix::from_vec(x[..ntr * d].to_vec(), ntr, d).unwrap();
    let ytr = Target::Classes {
        codes: yb[..ntr].iter().map(|&c| c as u32).collect(),
        labels: vec!["0".into(), "1".into()],
    };
    for c in [1e-4, 1.0] {
        let cfg = TrainConfig {
            model: ModelKind::Logistic,
            optimizer: OptimizerSpec::Lbfgs { memory: 10 },
            l2: 1.0 / (c * ntr as f64),
            ..TrainConfig::default()
        };
        let mut m = Model::new(cfg).unwrap();
        let t = Instant::now();
        let h = m.fit(&xtr, &ytr, FitOptions::default()).unwrap();
        let fit = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let p = m.predict(&xtr).unwrap();
        let pred = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let codes = p.class_codes().unwrap();
        let cc = t.elapsed().as_secs_f64();
        println!(
            "C={c}: fit {:.1} ms ({} iters, {:?}), predict 40k {:.1} ms, class_codes {:.1} ms {}",
            fit * 1e3,
            h.records.len(),
            h.stop,
            pred * 1e3,
            cc * 1e3,
            codes.len()
        );
    }
}
