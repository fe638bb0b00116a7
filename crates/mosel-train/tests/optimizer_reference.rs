//! Each optimizer's first ten steps on a fixed problem against the independent reference
//! trajectories of `oracle/ref_optimizers.py` (committed in `tests/golden/optimizers.json`).

use mosel_train::lbfgs::{self, LbfgsOptions};
use mosel_train::{Optimizer, OptimizerSpec};
use serde_json::Value;

struct Problem {
    x: Vec<Vec<f64>>,
    y: Vec<f64>,
    l2: f64,
    theta0: Vec<f64>,
}

impl Problem {
    fn row_grad(&self, th: &[f64], j: usize, g: &mut [f64]) {
        let z: f64 = self.x[j].iter().zip(th).map(|(a, b)| a * b).sum();
        let p = 1.0 / (1.0 + (-z).exp());
        for i in 0..th.len() {
            g[i] = (p - self.y[j]) * self.x[j][i] + self.l2 * th[i];
        }
    }
    fn fun(&self, th: &[f64], g: &mut [f64]) -> f64 {
        let n = self.x.len() as f64;
        let mut f = 0.0;
        g.iter_mut().for_each(|v| *v = 0.0);
        let mut gr = vec![0.0; th.len()];
        for j in 0..self.x.len() {
            let z: f64 = self.x[j].iter().zip(th).map(|(a, b)| a * b).sum();
            f += (z.exp()).ln_1p() - self.y[j] * z;
            self.row_grad(th, j, &mut gr);
            for i in 0..th.len() {
                g[i] += gr[i] / n;
            }
        }
        f / n + 0.5 * self.l2 * th.iter().map(|t| t * t).sum::<f64>()
    }
}

fn golden() -> (Problem, Value) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/optimizers.json"
    ))
    .unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let p = &v["problem"];
    let vecf = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect::<Vec<_>>()
    };
    let prob = Problem {
        x: p["x"].as_array().unwrap().iter().map(vecf).collect(),
        y: vecf(&p["y"]),
        l2: p["l2"].as_f64().unwrap(),
        theta0: vecf(&p["theta0"]),
    };
    (prob, v)
}

fn expected(v: &Value, name: &str) -> Vec<Vec<f64>> {
    v["trajectories"][name]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect()
}

fn check(name: &str, got: &[Vec<f64>], want: &[Vec<f64>]) {
    assert_eq!(got.len(), 10, "{name}: steps");
    assert_eq!(want.len(), 10, "{name}: reference steps");
    for (s, (a, b)) in got.iter().zip(want).enumerate() {
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x - y).abs() <= 1e-6,
                "{name} step {}: got {a:?}, reference {b:?}",
                s + 1
            );
        }
    }
}

fn run(spec: OptimizerSpec, lr: f64, prob: &Problem, sgd_rows: bool) -> Vec<Vec<f64>> {
    let mut th = prob.theta0.clone();
    let mut g = vec![0.0; th.len()];
    let mut opt = Optimizer::new(spec, th.len()).unwrap();
    let mut out = Vec::new();
    for t in 0..10 {
        if sgd_rows {
            prob.row_grad(&th, t % prob.x.len(), &mut g);
        } else {
            prob.fun(&th, &mut g);
        }
        opt.step(&mut th, &g, lr, None);
        out.push(th.clone());
    }
    out
}

#[test]
fn first_order_optimizers_match_reference() {
    let (prob, v) = golden();
    let s = &v["settings"];
    let f = |o: &str, k: &str| s[o][k].as_f64().unwrap();
    let cases = [
        ("gd", OptimizerSpec::Gd, false),
        ("sgd", OptimizerSpec::Sgd, true),
        (
            "momentum",
            OptimizerSpec::Momentum {
                momentum: f("momentum", "momentum"),
            },
            false,
        ),
        (
            "nesterov",
            OptimizerSpec::Nesterov {
                momentum: f("nesterov", "momentum"),
            },
            false,
        ),
        (
            "adam",
            OptimizerSpec::Adam {
                beta1: f("adam", "beta1"),
                beta2: f("adam", "beta2"),
                eps: f("adam", "eps"),
            },
            false,
        ),
        (
            "adamw",
            OptimizerSpec::AdamW {
                beta1: f("adamw", "beta1"),
                beta2: f("adamw", "beta2"),
                eps: f("adamw", "eps"),
                weight_decay: f("adamw", "weight_decay"),
            },
            false,
        ),
        (
            "rmsprop",
            OptimizerSpec::RmsProp {
                rho: f("rmsprop", "rho"),
                eps: f("rmsprop", "eps"),
            },
            false,
        ),
        (
            "adagrad",
            OptimizerSpec::Adagrad {
                eps: f("adagrad", "eps"),
            },
            false,
        ),
    ];
    for (name, spec, rows) in cases {
        let got = run(spec, f(name, "lr"), &prob, rows);
        check(name, &got, &expected(&v, name));
    }
}

#[test]
fn lbfgs_matches_reference() {
    let (prob, v) = golden();
    let _ = prob;
    let rosen = |x: &[f64], g: &mut [f64]| {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    };
    let mut th = vec![-1.2, 1.0];
    let opts = LbfgsOptions {
        memory: 3,
        max_iter: 10,
        gtol: 0.0,
        ftol: 0.0,
        max_ls: 25,
    };
    let mut got = Vec::new();
    let rep = lbfgs::minimize(&mut th, rosen, &opts, |_, x| {
        got.push(x.to_vec());
        true
    });
    assert_eq!(rep.iters, 10, "{rep:?}");
    check("lbfgs", &got, &expected(&v, "lbfgs"));
}

#[test]
fn lbfgs_reaches_the_optimum() {
    let (prob, _) = golden();
    let mut th = prob.theta0.clone();
    let opts = LbfgsOptions {
        gtol: 1e-12,
        ftol: 0.0,
        max_iter: 200,
        ..Default::default()
    };
    lbfgs::minimize(&mut th, |x, g| prob.fun(x, g), &opts, |_, _| true);
    let mut g = vec![0.0; 3];
    prob.fun(&th, &mut g);
    assert!(
        g.iter().all(|v| v.abs() < 1e-9),
        "gradient at the end {g:?}"
    );
}
