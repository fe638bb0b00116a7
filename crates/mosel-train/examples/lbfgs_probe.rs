//! Times the L-BFGS logistic fit of the `train` bench workload iteration by iteration
//! (run `bench/python/train.py gen bench/out/train` first).
use mosel_data::{Matrix, Target};
use mosel_train::{FitOptions, Learner, Model, ModelKind, TrainConfig};

fn main() {
    let dir = std::path::Path::new("bench/out/train");
    let xb = std::fs::read(dir.join("logistic_x_train.f32")).expect("bench data");
    let yb = std::fs::read(dir.join("logistic_y_train.u8")).expect("bench data");
    let data: Vec<f32> = xb
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let n = yb.len();
    let x = Matrix::from_vec(data, n, 50).expect("shape");
    let y = Target::Classes {
        codes: yb.iter().map(|&c| c as u32).collect(),
        labels: vec!["0".into(), "1".into()],
    };
    let cfg = TrainConfig {
        l2: 1.0 / n as f64,
        gtol: Some(1e-4),
        ..TrainConfig::new(ModelKind::Logistic)
    };
    for _ in 0..3 {
        let mut m = Model::new(cfg.clone()).expect("config");
        let h = m.fit(&x, &y, FitOptions::default()).expect("fit");
        let t: Vec<String> = h
            .records
            .iter()
            .map(|r| format!("{:.1}", r.elapsed_s * 1e3))
            .collect();
        println!(
            "{:.1} ms total; elapsed after each iteration (ms): {}",
            h.seconds * 1e3,
            t.join(" ")
        );
    }
}
