//! First-order optimizers on a flat parameter vector, learning-rate schedules and gradient
//! clipping. Every model exposes its parameters as one `&mut [f64]` and its gradient as one
//! `&[f64]`, so every optimizer works with every model.
//!
//! Update rules (`g` the gradient at the current parameters `θ`, `α` the learning rate of
//! the step, `t` the 1-based step count):
//!
//! * **GD / SGD**: `θ ← θ - α g`. The rule is the same; GD uses the gradient of all training
//!   rows (one step per epoch), SGD the gradient of a mini-batch (batch size 1..n, rows
//!   reshuffled every epoch with the seeded RNG).
//! * **Momentum** (heavy ball, Polyak 1964 / Sutskever et al. 2013):
//!   `v ← μ v - α g`, `θ ← θ + v`.
//! * **Nesterov** (Sutskever et al. 2013, in the form of Bengio et al. 2012 that needs only
//!   the gradient at the current point): `b ← μ b + g`, `θ ← θ - α (g + μ b)`. Its iterates
//!   are the look-ahead points `θ + μ v` of the original formulation
//!   `v ← μ v - α ∇f(θ + μ v)`, `θ ← θ + v` (the reference test checks exactly that).
//! * **Adam** (Kingma & Ba 2015): `m ← β1 m + (1-β1) g`, `v ← β2 v + (1-β2) g²`,
//!   `m̂ = m / (1-β1^t)`, `v̂ = v / (1-β2^t)`, `θ ← θ - α m̂ / (√v̂ + ε)`.
//! * **AdamW** (Loshchilov & Hutter 2019): Adam on the loss gradient, plus decoupled weight
//!   decay `θ ← θ - α λ θ` applied to the parameters of the previous step (PyTorch's
//!   convention: the decay is scaled by the learning rate).
//! * **RMSprop** (Hinton 2012): `s ← ρ s + (1-ρ) g²`, `θ ← θ - α g / (√s + ε)`.
//! * **Adagrad** (Duchi et al. 2011): `s ← s + g²`, `θ ← θ - α g / (√s + ε)`.
//! * **L-BFGS** (Nocedal 1980) is not a per-step rule: see [`crate::lbfgs`].

use crate::error::{Result, TrainError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Which optimizer to train with, and its own hyperparameters. The learning rate, schedule
/// and batch size live in [`crate::TrainConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OptimizerSpec {
    /// Full-batch gradient descent: one step per epoch on all training rows.
    Gd,
    /// Mini-batch stochastic gradient descent.
    Sgd,
    /// Heavy-ball momentum with coefficient `momentum`.
    Momentum {
        /// Momentum coefficient μ (typically 0.9).
        momentum: f64,
    },
    /// Nesterov accelerated gradient with coefficient `momentum`.
    Nesterov {
        /// Momentum coefficient μ (typically 0.9).
        momentum: f64,
    },
    /// Adam with bias correction.
    Adam {
        /// First-moment decay β1.
        beta1: f64,
        /// Second-moment decay β2.
        beta2: f64,
        /// ε added to √v̂.
        eps: f64,
    },
    /// Adam with decoupled weight decay.
    AdamW {
        /// First-moment decay β1.
        beta1: f64,
        /// Second-moment decay β2.
        beta2: f64,
        /// ε added to √v̂.
        eps: f64,
        /// Decoupled weight decay λ (scaled by the learning rate).
        weight_decay: f64,
    },
    /// RMSprop.
    RmsProp {
        /// Decay ρ of the running mean of squared gradients.
        rho: f64,
        /// ε added to the root.
        eps: f64,
    },
    /// Adagrad.
    Adagrad {
        /// ε added to the root.
        eps: f64,
    },
    /// Limited-memory BFGS with a strong-Wolfe line search, on the full batch.
    Lbfgs {
        /// Number of correction pairs kept.
        memory: usize,
    },
}

impl OptimizerSpec {
    /// Adam with the usual defaults (β1 = 0.9, β2 = 0.999, ε = 1e-8).
    pub const ADAM: Self = OptimizerSpec::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };

    /// The short name (`gd`, `sgd`, `momentum`, `nesterov`, `adam`, `adamw`, `rmsprop`,
    /// `adagrad`, `lbfgs`).
    pub fn name(&self) -> &'static str {
        match self {
            OptimizerSpec::Gd => "gd",
            OptimizerSpec::Sgd => "sgd",
            OptimizerSpec::Momentum { .. } => "momentum",
            OptimizerSpec::Nesterov { .. } => "nesterov",
            OptimizerSpec::Adam { .. } => "adam",
            OptimizerSpec::AdamW { .. } => "adamw",
            OptimizerSpec::RmsProp { .. } => "rmsprop",
            OptimizerSpec::Adagrad { .. } => "adagrad",
            OptimizerSpec::Lbfgs { .. } => "lbfgs",
        }
    }

    /// The names [`FromStr`] accepts.
    pub const NAMES: [&'static str; 9] = [
        "gd", "sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "lbfgs",
    ];

    /// True when the optimizer always uses the full batch (GD and L-BFGS).
    pub fn full_batch(&self) -> bool {
        matches!(self, OptimizerSpec::Gd | OptimizerSpec::Lbfgs { .. })
    }

    /// A sensible default learning rate for this optimizer (L-BFGS ignores it): 0.1 for
    /// full-batch GD and Adagrad, 0.01 for SGD, 0.001 for momentum / Nesterov (an
    /// effective 0.01 with μ = 0.9) and the Adam family / RMSprop. Mini-batch steps must be
    /// smaller than full-batch ones: single outlying rows (e.g. in the diamonds data) make
    /// larger SGD steps diverge.
    pub fn default_lr(&self) -> f64 {
        match self {
            OptimizerSpec::Gd => 0.1,
            OptimizerSpec::Sgd => 0.01,
            OptimizerSpec::Momentum { .. } | OptimizerSpec::Nesterov { .. } => 0.001,
            OptimizerSpec::Adagrad { .. } => 0.1,
            _ => 0.001,
        }
    }

    /// Checks the hyperparameters' ranges.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(TrainError::Config(format!("{}: {m}", self.name())));
        match *self {
            OptimizerSpec::Momentum { momentum } | OptimizerSpec::Nesterov { momentum }
                if !(0.0..1.0).contains(&momentum) =>
            {
                bad("momentum must be in [0, 1)")
            }
            OptimizerSpec::Adam { beta1, beta2, eps }
            | OptimizerSpec::AdamW {
                beta1, beta2, eps, ..
            } if !(0.0..1.0).contains(&beta1) || !(0.0..1.0).contains(&beta2) || eps <= 0.0 => {
                bad("beta1 and beta2 must be in [0, 1) and eps > 0")
            }
            OptimizerSpec::AdamW { weight_decay, .. } if weight_decay < 0.0 => {
                bad("weight_decay must be >= 0")
            }
            OptimizerSpec::RmsProp { rho, eps } if !(0.0..1.0).contains(&rho) || eps <= 0.0 => {
                bad("rho must be in [0, 1) and eps > 0")
            }
            OptimizerSpec::Adagrad { eps } if eps <= 0.0 => bad("eps must be > 0"),
            OptimizerSpec::Lbfgs { memory: 0 } => bad("memory must be >= 1"),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for OptimizerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OptimizerSpec {
    type Err = String;
    /// Parses an optimizer name with default hyperparameters (momentum 0.9, Adam β 0.9 /
    /// 0.999, ε 1e-8, AdamW weight decay 0.01, RMSprop ρ 0.9, L-BFGS memory 10).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "gd" | "batch_gd" => OptimizerSpec::Gd,
            "sgd" => OptimizerSpec::Sgd,
            "momentum" => OptimizerSpec::Momentum { momentum: 0.9 },
            "nesterov" => OptimizerSpec::Nesterov { momentum: 0.9 },
            "adam" => OptimizerSpec::ADAM,
            "adamw" => OptimizerSpec::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.01,
            },
            "rmsprop" => OptimizerSpec::RmsProp {
                rho: 0.9,
                eps: 1e-8,
            },
            "adagrad" => OptimizerSpec::Adagrad { eps: 1e-10 },
            "lbfgs" | "l-bfgs" => OptimizerSpec::Lbfgs { memory: 10 },
            _ => {
                return Err(format!(
                    "unknown optimizer '{s}': use one of {}",
                    OptimizerSpec::NAMES.join(", ")
                ));
            }
        })
    }
}

/// The running state of a first-order optimizer. Allocated once; [`Optimizer::step`] does
/// not allocate.
#[derive(Debug, Clone)]
pub struct Optimizer {
    spec: OptimizerSpec,
    /// Velocity / first moment / running mean of squares, by optimizer.
    a: Vec<f64>,
    /// Second moment (Adam, AdamW).
    b: Vec<f64>,
    t: u64,
}

impl Optimizer {
    /// A fresh state for `n_params` parameters. L-BFGS has no per-step state here and is
    /// rejected: use [`crate::lbfgs::minimize`].
    pub fn new(spec: OptimizerSpec, n_params: usize) -> Result<Self> {
        spec.validate()?;
        if let OptimizerSpec::Lbfgs { .. } = spec {
            return Err(TrainError::Config(
                "L-BFGS is not a per-step optimizer; use lbfgs::minimize".into(),
            ));
        }
        let two = matches!(
            spec,
            OptimizerSpec::Adam { .. } | OptimizerSpec::AdamW { .. }
        );
        Ok(Self {
            spec,
            a: vec![0.0; n_params],
            b: if two { vec![0.0; n_params] } else { Vec::new() },
            t: 0,
        })
    }

    /// The optimizer's specification.
    pub fn spec(&self) -> OptimizerSpec {
        self.spec
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// One update of `params` with gradient `grad` and learning rate `lr`.
    /// `decay_mask`, when given, selects the parameters AdamW's weight decay applies to
    /// (weights, not intercepts); without it, all are decayed.
    pub fn step(&mut self, params: &mut [f64], grad: &[f64], lr: f64, decay_mask: Option<&[bool]>) {
        debug_assert_eq!(params.len(), grad.len());
        self.t += 1;
        match self.spec {
            OptimizerSpec::Gd | OptimizerSpec::Sgd => {
                for (p, g) in params.iter_mut().zip(grad) {
                    *p -= lr * g;
                }
            }
            OptimizerSpec::Momentum { momentum } => {
                for ((p, g), v) in params.iter_mut().zip(grad).zip(&mut self.a) {
                    *v = momentum * *v - lr * g;
                    *p += *v;
                }
            }
            OptimizerSpec::Nesterov { momentum } => {
                for ((p, g), b) in params.iter_mut().zip(grad).zip(&mut self.a) {
                    *b = momentum * *b + g;
                    *p -= lr * (g + momentum * *b);
                }
            }
            OptimizerSpec::Adam { beta1, beta2, eps } => {
                adam(
                    params,
                    grad,
                    &mut self.a,
                    &mut self.b,
                    self.t,
                    lr,
                    beta1,
                    beta2,
                    eps,
                );
            }
            OptimizerSpec::AdamW {
                beta1,
                beta2,
                eps,
                weight_decay,
            } => {
                let f = 1.0 - lr * weight_decay;
                match decay_mask {
                    Some(mask) => {
                        for (p, &m) in params.iter_mut().zip(mask) {
                            if m {
                                *p *= f;
                            }
                        }
                    }
                    None => params.iter_mut().for_each(|p| *p *= f),
                }
                adam(
                    params,
                    grad,
                    &mut self.a,
                    &mut self.b,
                    self.t,
                    lr,
                    beta1,
                    beta2,
                    eps,
                );
            }
            OptimizerSpec::RmsProp { rho, eps } => {
                for ((p, g), s) in params.iter_mut().zip(grad).zip(&mut self.a) {
                    *s = rho * *s + (1.0 - rho) * g * g;
                    *p -= lr * g / (s.sqrt() + eps);
                }
            }
            OptimizerSpec::Adagrad { eps } => {
                for ((p, g), s) in params.iter_mut().zip(grad).zip(&mut self.a) {
                    *s += g * g;
                    *p -= lr * g / (s.sqrt() + eps);
                }
            }
            OptimizerSpec::Lbfgs { .. } => unreachable!("rejected in Optimizer::new"),
        }
    }
}

#[allow(clippy::too_many_arguments)]
#[inline]
fn adam(
    params: &mut [f64],
    grad: &[f64],
    m: &mut [f64],
    v: &mut [f64],
    t: u64,
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
) {
    let c1 = 1.0 - beta1.powf(t as f64);
    let c2 = 1.0 - beta2.powf(t as f64);
    let (inv1, inv2) = (1.0 / c1, 1.0 / c2);
    for (((p, &g), m), v) in params
        .iter_mut()
        .zip(grad)
        .zip(m.iter_mut())
        .zip(v.iter_mut())
    {
        *m = beta1 * *m + (1.0 - beta1) * g;
        *v = beta2 * *v + (1.0 - beta2) * g * g;
        let mhat = *m * inv1;
        let vhat = *v * inv2;
        *p -= lr * mhat / (vhat.sqrt() + eps);
    }
}

/// Learning-rate schedule, evaluated once per epoch (0-based `epoch`, `epochs` in total).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// The base rate throughout.
    #[default]
    Constant,
    /// Multiply by `gamma` every `step_size` epochs.
    Step {
        /// Epochs between decays.
        step_size: usize,
        /// Decay factor.
        gamma: f64,
    },
    /// Multiply by `gamma` every epoch.
    Exponential {
        /// Decay factor.
        gamma: f64,
    },
    /// Cosine annealing from the base rate to `min_lr` over all epochs.
    Cosine {
        /// Final learning rate.
        min_lr: f64,
    },
}

impl Schedule {
    /// Learning rate of (0-based) `epoch` out of `epochs`, before warm-up.
    pub fn lr(&self, base: f64, epoch: usize, epochs: usize) -> f64 {
        match *self {
            Schedule::Constant => base,
            Schedule::Step { step_size, gamma } => {
                base * gamma.powi((epoch / step_size.max(1)) as i32)
            }
            Schedule::Exponential { gamma } => base * gamma.powi(epoch as i32),
            Schedule::Cosine { min_lr } => {
                let span = epochs.saturating_sub(1).max(1) as f64;
                let frac = (epoch as f64 / span).min(1.0);
                min_lr + 0.5 * (base - min_lr) * (1.0 + (std::f64::consts::PI * frac).cos())
            }
        }
    }

    /// Learning rate with a linear warm-up over the first `warmup` epochs: epoch `e < warmup`
    /// uses `(e + 1) / (warmup + 1)` of the scheduled rate.
    pub fn lr_with_warmup(&self, base: f64, epoch: usize, epochs: usize, warmup: usize) -> f64 {
        let lr = self.lr(base, epoch, epochs);
        if epoch < warmup {
            lr * (epoch + 1) as f64 / (warmup + 1) as f64
        } else {
            lr
        }
    }
}

impl FromStr for Schedule {
    type Err = String;
    /// `constant`, `step:<step_size>:<gamma>`, `exp:<gamma>`, `cosine` or `cosine:<min_lr>`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split(':').collect();
        let num = |i: usize| -> Result<f64, String> {
            parts
                .get(i)
                .ok_or_else(|| format!("schedule '{s}' is missing a value"))?
                .parse::<f64>()
                .map_err(|e| format!("schedule '{s}': {e}"))
        };
        match parts[0].to_ascii_lowercase().as_str() {
            "constant" => Ok(Schedule::Constant),
            "step" => Ok(Schedule::Step {
                step_size: num(1)? as usize,
                gamma: num(2)?,
            }),
            "exp" | "exponential" => Ok(Schedule::Exponential { gamma: num(1)? }),
            "cosine" => Ok(Schedule::Cosine {
                min_lr: if parts.len() > 1 { num(1)? } else { 0.0 },
            }),
            _ => Err(format!(
                "unknown schedule '{s}': use constant, step:<epochs>:<gamma>, exp:<gamma> or cosine[:<min_lr>]"
            )),
        }
    }
}

/// Scales `grad` in place so that its Euclidean norm is at most `max_norm`; returns the
/// norm before clipping.
pub fn clip_grad_norm(grad: &mut [f64], max_norm: f64) -> f64 {
    let norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
    if norm > max_norm && norm.is_finite() {
        let f = max_norm / norm;
        grad.iter_mut().for_each(|g| *g *= f);
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        let s = Schedule::Step {
            step_size: 2,
            gamma: 0.5,
        };
        assert_eq!(
            [0, 1, 2, 3, 4].map(|e| s.lr(1.0, e, 10)),
            [1.0, 1.0, 0.5, 0.5, 0.25]
        );
        let e = Schedule::Exponential { gamma: 0.9 };
        assert!((e.lr(2.0, 3, 10) - 2.0 * 0.729).abs() < 1e-12);
        let c = Schedule::Cosine { min_lr: 0.0 };
        assert_eq!(c.lr(1.0, 0, 11), 1.0);
        assert!((c.lr(1.0, 5, 11) - 0.5).abs() < 1e-12);
        assert!(c.lr(1.0, 10, 11).abs() < 1e-12);
        let w = Schedule::Constant;
        assert_eq!(
            [0, 1, 2, 3].map(|e| w.lr_with_warmup(1.0, e, 10, 3)),
            [0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(
            "step:5:0.1".parse::<Schedule>().unwrap(),
            Schedule::Step {
                step_size: 5,
                gamma: 0.1
            }
        );
    }

    #[test]
    fn clipping() {
        let mut g = vec![3.0, 4.0];
        assert_eq!(clip_grad_norm(&mut g, 1.0), 5.0);
        assert!((g[0] - 0.6).abs() < 1e-15 && (g[1] - 0.8).abs() < 1e-15);
        let mut g = vec![0.3, 0.4];
        clip_grad_norm(&mut g, 1.0);
        assert_eq!(g, vec![0.3, 0.4]);
    }
}
