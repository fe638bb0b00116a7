//! Models: one implementation ([`Model`]) for linear regression, logistic regression,
//! softmax regression and MLPs, behind one interface ([`Learner`]).

use crate::config::{Activation, Init, ModelKind, TrainConfig};
use crate::error::{Result, TrainError};
use crate::file::{ModelFile, SavedModel, Tensor};
use crate::lbfgs::{self, LbfgsOptions, LbfgsStop};
use crate::loss::{Labels, Loss, sigmoid, softmax_in_place};
use crate::net::{self, Arch, ChunkStats, GradWork};
use crate::optim::{Optimizer, OptimizerSpec, clip_grad_norm};
use mosel_data::{Matrix, Target, Task};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::time::Instant;

/// The metric recorded per epoch: accuracy for classification, R² for regression (both
/// "higher is better").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoryMetric {
    /// Fraction of rows whose most probable class is the true one.
    Accuracy,
    /// Coefficient of determination.
    R2,
}

/// One epoch (one iteration for L-BFGS) of training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Mean training loss over the epoch's batches, plus the penalty.
    pub train_loss: f64,
    /// Training metric over the epoch's batches (as the parameters moved).
    pub train_metric: f64,
    /// Validation loss (no penalty) at the end of the epoch, when there is a validation set.
    pub val_loss: Option<f64>,
    /// Validation metric at the end of the epoch.
    pub val_metric: Option<f64>,
    /// Learning rate used (L-BFGS: accepted step length).
    pub lr: f64,
    /// Euclidean norm of the epoch's mean gradient (penalty included).
    pub grad_norm: f64,
    /// Seconds since the start of `fit`.
    pub elapsed_s: f64,
}

/// Why training stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The epoch budget ran out.
    MaxEpochs,
    /// The loss stopped decreasing (tolerance).
    LossTolerance,
    /// The gradient became small (tolerance).
    GradientTolerance,
    /// The validation loss stopped improving.
    EarlyStopping,
    /// The per-epoch callback asked to stop (e.g. a pruner).
    Callback,
    /// L-BFGS's line search found no further decrease (converged to the precision of f32
    /// arithmetic).
    NoDecrease,
    /// Fitted without iterations (in closed form, or by storing the training rows).
    ClosedForm,
}

/// The per-epoch history of a fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One record per epoch.
    pub records: Vec<EpochRecord>,
    /// Which metric the records hold.
    pub metric: HistoryMetric,
    /// Epoch (1-based) whose weights were kept, when early stopping restored them.
    pub best_epoch: Option<usize>,
    /// Why training stopped.
    pub stop: StopReason,
    /// Wall time of the fit.
    pub seconds: f64,
}

impl History {
    /// The last record.
    pub fn last(&self) -> Option<&EpochRecord> {
        self.records.last()
    }
}

/// What a per-epoch callback answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop now (the history records [`StopReason::Callback`]).
    Stop,
}

/// Optional inputs of [`Learner::fit`].
#[derive(Default)]
pub struct FitOptions<'a> {
    /// A validation set (features and target), for the history and early stopping. Without
    /// it, early stopping holds out `validation_fraction` of the training rows.
    pub validation: Option<(&'a Matrix, &'a Target)>,
    /// Names of the feature columns, for error messages and model files.
    pub feature_names: Option<&'a [String]>,
    /// Called after every epoch; [`Control::Stop`] ends training (for pruning).
    pub on_epoch: Option<&'a mut dyn FnMut(&EpochRecord) -> Control>,
}

/// Predictions of a model.
#[derive(Debug, Clone, PartialEq)]
pub enum Predictions {
    /// Class probabilities.
    Classes {
        /// Original class labels, `labels[c]` for column `c`.
        labels: Vec<String>,
        /// Row-major `n_rows × labels.len()` probabilities.
        proba: Vec<f64>,
    },
    /// Predicted values (regression).
    Values(Vec<f64>),
}

impl Predictions {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Predictions::Classes { labels, proba } => proba.len() / labels.len().max(1),
            Predictions::Values(v) => v.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Most probable class code of every row (`None` for regression).
    pub fn class_codes(&self) -> Option<Vec<u32>> {
        match self {
            Predictions::Classes { labels, proba } => Some(
                proba
                    .chunks_exact(labels.len())
                    .map(|r| {
                        let mut b = 0;
                        for (i, v) in r.iter().enumerate() {
                            if *v > r[b] {
                                b = i;
                            }
                        }
                        b as u32
                    })
                    .collect(),
            ),
            Predictions::Values(_) => None,
        }
    }

    /// Probabilities of row `i` (`None` for regression).
    pub fn proba_row(&self, i: usize) -> Option<&[f64]> {
        match self {
            Predictions::Classes { labels, proba } => {
                Some(&proba[i * labels.len()..(i + 1) * labels.len()])
            }
            Predictions::Values(_) => None,
        }
    }
}

/// The common interface of all models (CPU today; a GPU model can implement it too).
pub trait Learner: Send {
    /// Trains on `x`/`y` from the configured initialisation (refitting starts over).
    fn fit(&mut self, x: &Matrix, y: &Target, opts: FitOptions<'_>) -> Result<History>;
    /// Trains on `x`/`y` starting from `init_params` (a warm start) instead of the configured
    /// initialisation: the flat parameters of a previous fit of the same architecture
    /// ([`Fitted::params`]), e.g. the solution for a neighbouring penalty along a
    /// regularisation path. A vector of the wrong length is a
    /// [`TrainError::InitParams`] error. Models that cannot warm-start answer
    /// [`TrainError::Config`] (the default).
    fn fit_from(
        &mut self,
        x: &Matrix,
        y: &Target,
        opts: FitOptions<'_>,
        init_params: &[f64],
    ) -> Result<History> {
        let _ = (x, y, opts, init_params);
        Err(TrainError::Config(
            "this model does not support warm starts".into(),
        ))
    }
    /// Predicts (class probabilities or values) for every row of `x`.
    fn predict(&self, x: &Matrix) -> Result<Predictions>;
    /// Number of trainable parameters (0 before fitting).
    fn n_params(&self) -> usize;
    /// What a model file stores of the fitted model ([`crate::file::save`]);
    /// [`TrainError::NotFitted`] before fitting.
    fn save(&self) -> Result<SavedModel>;
}

impl TrainConfig {
    /// Builds an unfitted model from this configuration.
    pub fn build(&self) -> Result<Box<dyn Learner>> {
        Ok(Box::new(Model::new(self.clone())?))
    }
}

/// The fitted state of a [`Model`].
#[derive(Debug, Clone, PartialEq)]
pub struct Fitted {
    /// Layer sizes `[n_features, hidden..., n_outputs]`.
    pub sizes: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// Parameters, layer after layer: `W_l` (`in × out`, row-major) then `b_l`.
    pub params: Vec<f64>,
    /// The loss trained with.
    pub loss: Loss,
    /// The task.
    pub task: Task,
    /// Class labels (classification).
    pub labels: Vec<String>,
    /// Feature names, when given at fit time.
    pub feature_names: Option<Vec<String>>,
}

/// A linear model or MLP with its training configuration.
#[derive(Debug, Clone)]
pub struct Model {
    config: TrainConfig,
    fitted: Option<Fitted>,
}

struct Prepared<'a> {
    x: Cow<'a, Matrix>,
    labels: LabelsOwned,
    val: Option<(Cow<'a, Matrix>, LabelsOwned)>,
}

enum LabelsOwned {
    Codes(Vec<u32>),
    Values(Vec<f64>),
}

impl LabelsOwned {
    fn view(&self) -> Labels<'_> {
        match self {
            LabelsOwned::Codes(c) => Labels::Codes(c),
            LabelsOwned::Values(v) => Labels::Values(v),
        }
    }
}

impl Model {
    /// An unfitted model.
    pub fn new(config: TrainConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            config,
            fitted: None,
        })
    }

    /// A fitted model from its parts (used by model files).
    pub fn from_fitted(config: TrainConfig, fitted: Fitted) -> Result<Self> {
        let arch = Arch {
            sizes: fitted.sizes.clone(),
            act: fitted.activation,
            dropout: 0.0,
        };
        if fitted.sizes.len() < 2 || arch.n_params() != fitted.params.len() {
            return Err(TrainError::IncompatibleFile(format!(
                "layer sizes {:?} need {} parameters, found {}",
                fitted.sizes,
                if fitted.sizes.len() < 2 {
                    0
                } else {
                    arch.n_params()
                },
                fitted.params.len()
            )));
        }
        Ok(Self {
            config,
            fitted: Some(fitted),
        })
    }

    /// The fitted state, if any.
    pub fn fitted(&self) -> Option<&Fitted> {
        self.fitted.as_ref()
    }

    /// For models without hidden layers: the weights (`n_features × n_outputs`, row-major)
    /// and the intercepts (`n_outputs`).
    pub fn coefficients(&self) -> Option<(&[f64], &[f64])> {
        let f = self.fitted.as_ref()?;
        if f.sizes.len() != 2 {
            return None;
        }
        let nw = f.sizes[0] * f.sizes[1];
        Some((&f.params[..nw], &f.params[nw..]))
    }

    fn prepare<'a>(
        &self,
        x: &'a Matrix,
        y: &'a Target,
        validation: Option<(&'a Matrix, &'a Target)>,
        names: Option<&[String]>,
    ) -> Result<(Prepared<'a>, Task, Vec<String>)> {
        if x.n_rows != y.len() {
            return Err(TrainError::RowMismatch {
                features: x.n_rows,
                target: y.len(),
            });
        }
        if x.n_rows == 0 {
            return Err(TrainError::Empty);
        }
        if x.data.len() != x.n_rows * x.n_cols {
            return Err(TrainError::Config(format!(
                "matrix of {} x {} holds {} values",
                x.n_rows,
                x.n_cols,
                x.data.len()
            )));
        }
        check_finite(x, names)?;
        let (task, labels) = match (y, &self.config.model) {
            (Target::Values(_), ModelKind::Logistic | ModelKind::Softmax) => {
                return Err(TrainError::TargetMismatch(format!(
                    "{} regression is a classifier but the target is numeric: use --model linear or mlp, or a class column",
                    self.config.model.name()
                )));
            }
            (Target::Classes { .. }, ModelKind::Linear) => {
                return Err(TrainError::TargetMismatch(
                    "linear regression needs a numeric target; for classes use logistic or softmax"
                        .into(),
                ));
            }
            (Target::Values(v), _) => {
                if let Some((row, value)) = v.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                    return Err(TrainError::NonFiniteTarget { row, value: *value });
                }
                (Task::Regression, Vec::new())
            }
            (Target::Classes { codes, labels }, _) => {
                let k = labels.len();
                if let Some(c) = codes.iter().find(|&&c| c as usize >= k) {
                    return Err(TrainError::TargetMismatch(format!(
                        "class code {c} but only {k} labels"
                    )));
                }
                let first = codes[0];
                if codes.iter().all(|&c| c == first) {
                    return Err(TrainError::OneClass {
                        label: labels[first as usize].clone(),
                    });
                }
                (
                    if k == 2 {
                        Task::Binary
                    } else {
                        Task::Multiclass
                    },
                    labels.clone(),
                )
            }
        };
        let to_labels = |t: &Target| -> LabelsOwned {
            match t {
                Target::Classes { codes, .. } => LabelsOwned::Codes(codes.clone()),
                Target::Values(v) => LabelsOwned::Values(v.clone()),
            }
        };
        let mut prep = Prepared {
            x: Cow::Borrowed(x),
            labels: to_labels(y),
            val: None,
        };
        if let Some((vx, vy)) = validation {
            if vx.n_cols != x.n_cols {
                return Err(TrainError::FeatureCount {
                    expected: x.n_cols,
                    got: vx.n_cols,
                });
            }
            if vx.n_rows != vy.len() {
                return Err(TrainError::RowMismatch {
                    features: vx.n_rows,
                    target: vy.len(),
                });
            }
            check_finite(vx, names)?;
            match (vy, y) {
                (Target::Classes { labels: vl, codes }, Target::Classes { .. }) => {
                    if vl != &labels || codes.iter().any(|&c| c as usize >= labels.len()) {
                        return Err(TrainError::TargetMismatch(
                            "the validation target's classes differ from the training target's"
                                .into(),
                        ));
                    }
                }
                (Target::Values(v), Target::Values(_)) => {
                    if let Some((row, value)) = v.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                        return Err(TrainError::NonFiniteTarget { row, value: *value });
                    }
                }
                _ => {
                    return Err(TrainError::TargetMismatch(
                        "validation and training targets differ in kind".into(),
                    ));
                }
            }
            if vx.n_rows > 0 {
                prep.val = Some((Cow::Borrowed(vx), to_labels(vy)));
            }
        } else if let Some(es) = &self.config.early_stopping {
            let (tr, va) = split_rows(y, es.validation_fraction, self.config.seed.wrapping_add(2));
            if va.is_empty() || tr.is_empty() {
                return Err(TrainError::Config(format!(
                    "{} rows are too few to hold out a validation fraction of {}",
                    x.n_rows, es.validation_fraction
                )));
            }
            prep.val = Some((
                Cow::Owned(x.select_rows(&va)),
                to_labels(&y.select_rows(&va)),
            ));
            let ytr = y.select_rows(&tr);
            if let Target::Classes { codes, labels } = &ytr
                && codes.iter().all(|&c| c == codes[0])
            {
                return Err(TrainError::OneClass {
                    label: labels[codes[0] as usize].clone(),
                });
            }
            prep.labels = to_labels(&ytr);
            prep.x = Cow::Owned(x.select_rows(&tr));
        }
        Ok((prep, task, labels))
    }

    fn resolve_loss(&self, task: Task) -> Result<Loss> {
        let default = match (&self.config.model, task) {
            (ModelKind::Softmax, _) => Loss::CrossEntropy,
            (_, t) => Loss::default_for(t),
        };
        let loss = self.config.loss.unwrap_or(default);
        let ok = match task {
            Task::Regression => !loss.is_classification(),
            Task::Binary => loss.is_classification(),
            Task::Multiclass => loss == Loss::CrossEntropy,
        };
        if !ok {
            return Err(TrainError::TargetMismatch(format!(
                "the {loss} loss does not fit a {task} target"
            )));
        }
        if matches!(self.config.model, ModelKind::Softmax) && loss != Loss::CrossEntropy {
            return Err(TrainError::Config(
                "softmax regression trains with cross-entropy".into(),
            ));
        }
        Ok(loss)
    }
}

fn check_finite(x: &Matrix, names: Option<&[String]>) -> Result<()> {
    let d = x.n_cols.max(1);
    // Branch-free test of a whole chunk (vectorises: exponent bits all ones = NaN or ±Inf),
    // then the exact position in the first bad chunk.
    let bad = x
        .data
        .par_chunks(d * 1024)
        .enumerate()
        .find_first(|(_, c)| {
            c.iter().fold(false, |acc, v| {
                acc | (v.to_bits() & 0x7f80_0000 == 0x7f80_0000)
            })
        });
    if let Some((ci, c)) = bad {
        let off = c.iter().position(|v| !v.is_finite()).unwrap_or(0);
        let idx = ci * d * 1024 + off;
        let column = idx % d;
        return Err(TrainError::NonFiniteFeature {
            row: idx / d,
            column,
            name: names.and_then(|n| n.get(column).cloned()),
            value: x.data[idx],
        });
    }
    Ok(())
}

/// Seeded split of rows into (train, validation) with `frac` of the rows (at least one per
/// class with two or more rows) in validation; stratified for classes. This is the split
/// early stopping uses when `fit` gets no validation set.
pub fn split_rows(y: &Target, frac: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut groups: Vec<Vec<usize>> = match y {
        Target::Classes { codes, labels } => {
            let mut g = vec![Vec::new(); labels.len()];
            for (i, &c) in codes.iter().enumerate() {
                g[c as usize].push(i);
            }
            g
        }
        Target::Values(v) => vec![(0..v.len()).collect()],
    };
    let (mut tr, mut va) = (Vec::new(), Vec::new());
    for g in groups.iter_mut() {
        g.shuffle(&mut rng);
        let nv = ((g.len() as f64) * frac).round() as usize;
        let nv = if g.len() >= 2 {
            nv.clamp(1, g.len() - 1)
        } else {
            0
        };
        va.extend_from_slice(&g[..nv]);
        tr.extend_from_slice(&g[nv..]);
    }
    tr.sort_unstable();
    va.sort_unstable();
    (tr, va)
}

fn init_params(arch: &Arch, init: Init, linear: bool, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let mut p = vec![0.0; arch.n_params()];
    if linear && init == Init::Auto {
        return p;
    }
    let nl = arch.n_layers();
    for l in 0..nl {
        let (fi, fo) = (arch.sizes[l], arch.sizes[l + 1]);
        let he = match init {
            Init::He => true,
            Init::Glorot => false,
            Init::Auto => false,
        };
        let o = arch.w_offset(l);
        for w in &mut p[o..o + fi * fo] {
            *w = if he {
                normal(rng) * (2.0 / fi as f64).sqrt()
            } else {
                let a = (6.0 / (fi + fo) as f64).sqrt();
                rng.random_range(-a..a)
            };
        }
    }
    p
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Penalty value and its (sub)gradient added into `grad`.
fn add_penalty(
    params: &[f64],
    ranges: &[std::ops::Range<usize>],
    l1: f64,
    l2: f64,
    grad: &mut [f64],
) -> f64 {
    if l1 == 0.0 && l2 == 0.0 {
        return 0.0;
    }
    let mut sq = [0.0f64; 4];
    let mut ab = [0.0f64; 4];
    for r in ranges {
        let p = &params[r.clone()];
        let g = &mut grad[r.clone()];
        for (pc, gc) in p.chunks(4).zip(g.chunks_mut(4)) {
            for i in 0..pc.len() {
                let v = pc[i];
                sq[i] += v * v;
                gc[i] += l2 * v;
            }
        }
        if l1 != 0.0 {
            for (pc, gc) in p.chunks(4).zip(g.chunks_mut(4)) {
                for i in 0..pc.len() {
                    let v = pc[i];
                    ab[i] += v.abs();
                    gc[i] += if v > 0.0 {
                        l1
                    } else if v < 0.0 {
                        -l1
                    } else {
                        0.0
                    };
                }
            }
        }
    }
    0.5 * l2 * ((sq[0] + sq[1]) + (sq[2] + sq[3])) + l1 * ((ab[0] + ab[1]) + (ab[2] + ab[3]))
}

struct Evaluator {
    arch: Arch,
    loss: Loss,
    logits: Vec<f32>,
    w32: Vec<f32>,
}

impl Evaluator {
    /// Mean loss and metric on a whole set.
    fn eval(&mut self, params: &[f64], x: &Matrix, y: Labels<'_>, sst: f64) -> (f64, f64) {
        for (w, p) in self.w32.iter_mut().zip(params) {
            *w = *p as f32;
        }
        let k = self.arch.n_out();
        net::predict_logits(&self.arch, &self.w32, &x.data, x.n_rows, &mut self.logits);
        let z = &self.logits[..x.n_rows * k];
        let l = self.loss.eval(z, k, y, 1.0, None) / x.n_rows as f64;
        let m = metric_of(z, k, y, sst);
        (l, m)
    }
}

fn metric_of(z: &[f32], k: usize, y: Labels<'_>, sst: f64) -> f64 {
    let n = y.len() as f64;
    match y {
        Labels::Codes(c) => {
            let correct = if k == 1 {
                c.iter()
                    .zip(z)
                    .filter(|(c, z)| (**z > 0.0) == (**c == 1))
                    .count()
            } else {
                c.iter()
                    .zip(z.chunks_exact(k))
                    .filter(|(c, z)| net::argmax(z) == **c as usize)
                    .count()
            };
            correct as f64 / n
        }
        Labels::Values(v) => {
            let sse: f64 = v.iter().zip(z).map(|(y, z)| (*z as f64 - y).powi(2)).sum();
            r2(sse, sst)
        }
    }
}

fn r2(sse: f64, sst: f64) -> f64 {
    if sst > 0.0 {
        1.0 - sse / sst
    } else if sse == 0.0 {
        1.0
    } else {
        0.0
    }
}

fn sst_of(y: Labels<'_>) -> f64 {
    match y {
        Labels::Values(v) => {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|y| (y - m).powi(2)).sum()
        }
        Labels::Codes(_) => 0.0,
    }
}

/// Early-stopping, tolerance and callback bookkeeping shared by both training loops.
struct Monitor<'o, 'a> {
    cfg: TrainConfig,
    on_epoch: Option<&'o mut (dyn FnMut(&EpochRecord) -> Control + 'a)>,
    best_val: f64,
    best_params: Vec<f64>,
    best_epoch: Option<usize>,
    wait: usize,
    best_train: f64,
    no_improve: usize,
    first_loss: Option<f64>,
    /// Loss at the initial parameters (first mini-batch), for the divergence rule.
    initial_loss: Option<f64>,
    records: Vec<EpochRecord>,
}

impl Monitor<'_, '_> {
    /// Returns `Some(reason)` to stop.
    fn after_epoch(&mut self, rec: EpochRecord, params: &[f64]) -> Result<Option<StopReason>> {
        let first = *self.first_loss.get_or_insert(rec.train_loss);
        // Diverged: non-finite, or an epoch's loss far above the loss training started from
        // (a working optimizer lowers it; 100x higher means steps overshoot).
        let exploded = self
            .initial_loss
            .is_some_and(|l0| rec.train_loss > 100.0 * l0.abs() + 10.0);
        if !rec.train_loss.is_finite()
            || exploded
            || rec.train_loss > 1e4 * first.abs().max(1e-8)
            || params.iter().any(|p| !p.is_finite())
        {
            return Err(diverged(rec.epoch, rec.train_loss, rec.lr, &self.cfg));
        }
        self.records.push(rec);
        if let Some(cb) = self.on_epoch.as_mut()
            && cb(&rec) == Control::Stop
        {
            return Ok(Some(StopReason::Callback));
        }
        if let (Some(es), Some(v)) = (&self.cfg.early_stopping, rec.val_loss) {
            if v < self.best_val - es.min_delta || self.best_epoch.is_none() {
                self.best_val = v;
                self.best_epoch = Some(rec.epoch);
                self.best_params.clear();
                self.best_params.extend_from_slice(params);
                self.wait = 0;
            } else {
                self.wait += 1;
                if self.wait >= es.patience {
                    return Ok(Some(StopReason::EarlyStopping));
                }
            }
        }
        let lbfgs = matches!(self.cfg.optimizer, OptimizerSpec::Lbfgs { .. });
        if !lbfgs {
            if let Some(tol) = self.cfg.tol {
                if rec.train_loss > self.best_train - tol {
                    self.no_improve += 1;
                    if self.no_improve >= self.cfg.n_iter_no_change.max(1) {
                        return Ok(Some(StopReason::LossTolerance));
                    }
                } else {
                    self.no_improve = 0;
                }
                self.best_train = self.best_train.min(rec.train_loss);
            }
            if let Some(gtol) = self.cfg.gtol
                && rec.grad_norm <= gtol
            {
                return Ok(Some(StopReason::GradientTolerance));
            }
        }
        Ok(None)
    }
}

/// How many rows ahead the mini-batch gather prefetches.
const PREFETCH_ROWS: usize = 8;

/// Hints the CPU to load `row` into cache (a no-op where there is no prefetch instruction).
#[inline(always)]
fn prefetch_row(row: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let base = row.as_ptr().cast::<i8>();
        let bytes = std::mem::size_of_val(row);
        let mut o = 0;
        while o < bytes {
            // SAFETY: `base + o` lies within `row` (o < its size in bytes); a prefetch reads
            // nothing observable and cannot fault.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(base.add(o)) };
            o += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = row;
}

fn diverged(epoch: usize, loss: f64, lr: f64, cfg: &TrainConfig) -> TrainError {
    let lr = if matches!(cfg.optimizer, OptimizerSpec::Lbfgs { .. }) {
        lr.max(cfg.learning_rate())
    } else {
        lr
    };
    TrainError::Diverged {
        epoch,
        loss,
        lr,
        suggested: lr / 10.0,
    }
}

impl Learner for Model {
    fn fit(&mut self, x: &Matrix, y: &Target, opts: FitOptions<'_>) -> Result<History> {
        self.fit_impl(x, y, opts, None)
    }

    fn fit_from(
        &mut self,
        x: &Matrix,
        y: &Target,
        opts: FitOptions<'_>,
        init_params: &[f64],
    ) -> Result<History> {
        self.fit_impl(x, y, opts, Some(init_params))
    }

    fn predict(&self, x: &Matrix) -> Result<Predictions> {
        self.predict_impl(x)
    }

    fn n_params(&self) -> usize {
        self.fitted.as_ref().map_or(0, |f| f.params.len())
    }

    fn save(&self) -> Result<SavedModel> {
        let f = self.fitted.as_ref().ok_or(TrainError::NotFitted)?;
        let params = serde_json::to_value(&self.config)
            .map_err(|e| TrainError::Config(format!("cannot serialise the configuration: {e}")))?;
        let state = serde_json::to_value(NetState {
            sizes: f.sizes.clone(),
            activation: f.activation,
            loss: f.loss,
        })
        .map_err(|e| TrainError::Config(format!("cannot serialise the model state: {e}")))?;
        let mut tensors = Vec::with_capacity(2 * (f.sizes.len() - 1));
        let mut off = 0;
        for l in 0..f.sizes.len() - 1 {
            let (i, o) = (f.sizes[l], f.sizes[l + 1]);
            for (suffix, shape) in [("weight", vec![i, o]), ("bias", vec![o])] {
                let n: usize = shape.iter().product();
                tensors.push(Tensor {
                    name: format!("layer{l}.{suffix}"),
                    shape,
                    data: f.params[off..off + n].to_vec(),
                });
                off += n;
            }
        }
        Ok(SavedModel {
            model_type: self.config.model.name().to_string(),
            params,
            state,
            task: f.task,
            labels: f.labels.clone(),
            feature_names: f.feature_names.clone(),
            tensors,
        })
    }
}

/// The fitted state of a linear model or MLP besides its weights, as model files hold it.
#[derive(Serialize, Deserialize)]
struct NetState {
    sizes: Vec<usize>,
    activation: Activation,
    loss: Loss,
}

impl Model {
    /// The model a file holds (a linear model or MLP written by [`Learner::save`]).
    pub fn from_file(file: &ModelFile) -> Result<Self> {
        let config: TrainConfig = file.params()?;
        let state: NetState = file.state()?;
        if state.sizes.len() < 2 {
            return Err(TrainError::IncompatibleFile(format!(
                "layer sizes {:?}: a model needs at least an input and an output layer",
                state.sizes
            )));
        }
        let mut params = Vec::new();
        for l in 0..state.sizes.len() - 1 {
            let (i, o) = (state.sizes[l], state.sizes[l + 1]);
            params.extend_from_slice(file.tensor(&format!("layer{l}.weight"), &[i, o])?);
            params.extend_from_slice(file.tensor(&format!("layer{l}.bias"), &[o])?);
        }
        let n_layers = state.sizes.len() - 1;
        if file.tensors.len() != 2 * n_layers {
            return Err(TrainError::IncompatibleFile(format!(
                "{} tensors for layer sizes {:?}",
                file.tensors.len(),
                state.sizes
            )));
        }
        let h = &file.header;
        let fitted = Fitted {
            sizes: state.sizes,
            activation: state.activation,
            params,
            loss: state.loss,
            task: h.task,
            labels: h.labels.clone(),
            feature_names: h.feature_names.clone(),
        };
        Model::from_fitted(config, fitted)
    }

    /// The configuration the model was built from.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }
}

impl Model {
    fn fit_impl(
        &mut self,
        x: &Matrix,
        y: &Target,
        mut opts: FitOptions<'_>,
        init: Option<&[f64]>,
    ) -> Result<History> {
        let start = Instant::now();
        let cfg = self.config.clone();
        let (mut prep, task, labels) = self.prepare(x, y, opts.validation, opts.feature_names)?;
        let loss = self.resolve_loss(task)?;
        // Standardize a regression target (undone on the output layer at the end).
        let (y_mean, y_std) = match &mut prep.labels {
            LabelsOwned::Values(v) if cfg.standardize_target => {
                let m = v.iter().sum::<f64>() / v.len() as f64;
                let sd = (v.iter().map(|y| (y - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
                let sd = if sd > 0.0 && sd.is_finite() { sd } else { 1.0 };
                v.iter_mut().for_each(|y| *y = (*y - m) / sd);
                if let Some((_, LabelsOwned::Values(vv))) = &mut prep.val {
                    vv.iter_mut().for_each(|y| *y = (*y - m) / sd);
                }
                (m, sd)
            }
            _ => (0.0, 1.0),
        };
        let k = loss.n_outputs(labels.len());
        let d = x.n_cols;
        let (hidden, act, dropout) = match &cfg.model {
            ModelKind::Mlp {
                hidden,
                activation,
                dropout,
            } => (hidden.clone(), *activation, *dropout as f32),
            _ => (Vec::new(), Activation::Relu, 0.0),
        };
        let mut sizes = vec![d];
        sizes.extend_from_slice(&hidden);
        sizes.push(k);
        let arch = Arch {
            sizes: sizes.clone(),
            act,
            dropout,
        };
        let mask = arch.weight_mask();
        let wranges = arch.weight_ranges();
        let mut init_rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let mut params = init_params(&arch, cfg.init, hidden.is_empty(), &mut init_rng);
        let np = params.len();
        if let Some(p0) = init {
            if p0.len() != np {
                return Err(TrainError::InitParams {
                    expected: np,
                    got: p0.len(),
                });
            }
            if let Some(i) = p0.iter().position(|v| !v.is_finite()) {
                return Err(TrainError::Config(format!(
                    "initial parameter {i} is not finite ({})",
                    p0[i]
                )));
            }
            params.copy_from_slice(p0);
            if (y_mean, y_std) != (0.0, 1.0) {
                // Fitted parameters predict y = σ z' + μ; training works on the standardised
                // target z' (the inverse of the rescaling at the end of the fit).
                let l = arch.n_layers() - 1;
                let (wo, bo) = (arch.w_offset(l), arch.b_offset(l));
                params[wo..bo].iter_mut().for_each(|w| *w /= y_std);
                params[bo] = (params[bo] - y_mean) / y_std;
            }
        }
        let n = prep.x.n_rows;
        let train_labels = prep.labels.view();
        let train_sst = sst_of(train_labels);
        let mut evaluator = prep.val.as_ref().map(|(vx, _)| Evaluator {
            arch: Arch {
                dropout: 0.0,
                ..arch.clone()
            },
            loss,
            logits: vec![0.0; vx.n_rows * k],
            w32: vec![0.0; np],
        });
        let val_sst = prep
            .val
            .as_ref()
            .map(|(_, vy)| sst_of(vy.view()))
            .unwrap_or(0.0);
        let mut mon = Monitor {
            cfg: cfg.clone(),
            on_epoch: opts.on_epoch.take(),
            best_val: f64::INFINITY,
            best_params: Vec::with_capacity(np),
            best_epoch: None,
            wait: 0,
            best_train: f64::INFINITY,
            no_improve: 0,
            first_loss: None,
            initial_loss: None,
            records: Vec::new(),
        };
        let mut validate = |p: &[f64]| -> (Option<f64>, Option<f64>) {
            match (&mut evaluator, &prep.val) {
                (Some(e), Some((vx, vy))) => {
                    let (l, m) = e.eval(p, vx, vy.view(), val_sst);
                    (Some(l), Some(m))
                }
                _ => (None, None),
            }
        };
        let train_metric = |s: &ChunkStats, rows: usize| -> f64 {
            match train_labels {
                Labels::Codes(_) => s.metric / rows as f64,
                Labels::Values(_) => r2(s.metric, train_sst),
            }
        };
        let mut stop = StopReason::MaxEpochs;
        if let OptimizerSpec::Lbfgs { memory } = cfg.optimizer {
            let mut work = GradWork::new(arch.clone(), loss, n);
            let lopts = LbfgsOptions {
                memory,
                max_iter: cfg.epochs,
                gtol: cfg.gtol.unwrap_or(1e-4),
                ftol: cfg.tol.unwrap_or(64.0 * f64::EPSILON),
                max_ls: 25,
            };
            let last = std::cell::Cell::new(ChunkStats::default());
            let xs = &prep.x.data[..];
            let mut result: Result<Option<StopReason>> = Ok(None);
            let objective = |p: &[f64], g: &mut [f64]| -> f64 {
                let s = work.grad(p, xs, train_labels, g, None);
                last.set(s);
                s.loss / n as f64 + add_penalty(p, &wranges, 0.0, cfg.l2, g)
            };
            let on_iter = |it: &lbfgs::LbfgsIter, p: &[f64]| {
                let (vl, vm) = validate(p);
                let rec = EpochRecord {
                    epoch: it.iter,
                    train_loss: it.f,
                    train_metric: train_metric(&last.get(), n),
                    val_loss: vl,
                    val_metric: vm,
                    lr: it.step,
                    grad_norm: it.grad_norm,
                    elapsed_s: start.elapsed().as_secs_f64(),
                };
                result = mon.after_epoch(rec, p);
                matches!(result, Ok(None))
            };
            let rep = if cfg.l1 > 0.0 {
                lbfgs::minimize_owlqn(&mut params, objective, cfg.l1, &wranges, &lopts, on_iter)
            } else {
                lbfgs::minimize(&mut params, objective, &lopts, on_iter)
            };
            match result? {
                Some(r) => stop = r,
                None => {
                    stop = match rep.stop {
                        LbfgsStop::GradientTolerance => StopReason::GradientTolerance,
                        LbfgsStop::LossTolerance => StopReason::LossTolerance,
                        LbfgsStop::MaxIter => StopReason::MaxEpochs,
                        LbfgsStop::LineSearchFailed => StopReason::NoDecrease,
                        LbfgsStop::Callback => StopReason::Callback,
                        LbfgsStop::NonFinite => {
                            return Err(diverged(rep.iters + 1, rep.f, cfg.learning_rate(), &cfg));
                        }
                    }
                }
            }
        } else {
            let full = cfg.optimizer.full_batch();
            let bs = if full {
                n
            } else {
                cfg.batch_size.unwrap_or(32).clamp(1, n)
            };
            let whole = bs >= n;
            let mut work = GradWork::new(arch.clone(), loss, bs);
            let mut opt = Optimizer::new(cfg.optimizer, np)?;
            let mut grad = vec![0.0; np];
            let mut gsum = vec![0.0; np];
            let mut order: Vec<usize> = (0..n).collect();
            let mut xb = if whole {
                Vec::new()
            } else {
                vec![0.0f32; bs * d]
            };
            let mut yb = match &prep.labels {
                LabelsOwned::Codes(_) => {
                    LabelsOwned::Codes(if whole { Vec::new() } else { vec![0; bs] })
                }
                LabelsOwned::Values(_) => {
                    LabelsOwned::Values(if whole { Vec::new() } else { vec![0.0; bs] })
                }
            };
            let mut shuffle_rng = ChaCha8Rng::seed_from_u64(cfg.seed.wrapping_add(1));
            let base_lr = cfg.learning_rate();
            let mut step: u64 = 0;
            let xs = &prep.x.data[..];
            'epochs: for epoch in 0..cfg.epochs {
                let lr = cfg
                    .schedule
                    .lr_with_warmup(base_lr, epoch, cfg.epochs, cfg.warmup_epochs);
                if !whole {
                    order.shuffle(&mut shuffle_rng);
                }
                let mut tot = ChunkStats::default();
                let mut pen_sum = 0.0;
                let n_batches = n.div_ceil(bs);
                gsum.iter_mut().for_each(|g| *g = 0.0);
                for b in 0..n_batches {
                    let r0 = b * bs;
                    let r1 = (r0 + bs).min(n);
                    let m = r1 - r0;
                    let (xbat, lab): (&[f32], Labels<'_>) = if whole {
                        (xs, train_labels)
                    } else {
                        // Shuffled rows are scattered over the matrix: ask for the rows a
                        // few places ahead while copying, so their cache misses overlap.
                        for (j, &r) in order[r0..r1].iter().enumerate() {
                            if let Some(&ahead) = order.get(r0 + j + PREFETCH_ROWS) {
                                prefetch_row(&xs[ahead * d..(ahead + 1) * d]);
                            }
                            xb[j * d..(j + 1) * d].copy_from_slice(&xs[r * d..(r + 1) * d]);
                        }
                        match (&mut yb, &prep.labels) {
                            (LabelsOwned::Codes(dst), LabelsOwned::Codes(src)) => {
                                for (j, &r) in order[r0..r1].iter().enumerate() {
                                    dst[j] = src[r];
                                }
                            }
                            (LabelsOwned::Values(dst), LabelsOwned::Values(src)) => {
                                for (j, &r) in order[r0..r1].iter().enumerate() {
                                    dst[j] = src[r];
                                }
                            }
                            _ => unreachable!(),
                        }
                        let lab = match &yb {
                            LabelsOwned::Codes(c) => Labels::Codes(&c[..m]),
                            LabelsOwned::Values(v) => Labels::Values(&v[..m]),
                        };
                        (&xb[..m * d], lab)
                    };
                    step += 1;
                    let seed = (dropout > 0.0)
                        .then(|| cfg.seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                    let s = work.grad(&params, xbat, lab, &mut grad, seed);
                    let pen = add_penalty(&params, &wranges, cfg.l1, cfg.l2, &mut grad);
                    let bl = s.loss / m as f64 + pen;
                    if !bl.is_finite() {
                        return Err(diverged(epoch + 1, bl, lr, &cfg));
                    }
                    if mon.initial_loss.is_none() {
                        mon.initial_loss = Some(bl);
                    }
                    tot.loss += s.loss;
                    tot.metric += s.metric;
                    pen_sum += pen * m as f64;
                    for (a, g) in gsum.iter_mut().zip(&grad) {
                        *a += g * m as f64;
                    }
                    if let Some(c) = cfg.clip_norm {
                        clip_grad_norm(&mut grad, c);
                    }
                    opt.step(&mut params, &grad, lr, Some(&mask));
                }
                let gnorm = gsum
                    .iter()
                    .map(|g| (g / n as f64).powi(2))
                    .sum::<f64>()
                    .sqrt();
                let (vl, vm) = validate(&params);
                let rec = EpochRecord {
                    epoch: epoch + 1,
                    train_loss: (tot.loss + pen_sum) / n as f64,
                    train_metric: train_metric(&tot, n),
                    val_loss: vl,
                    val_metric: vm,
                    lr,
                    grad_norm: gnorm,
                    elapsed_s: start.elapsed().as_secs_f64(),
                };
                if let Some(r) = mon.after_epoch(rec, &params)? {
                    stop = r;
                    break 'epochs;
                }
            }
        }
        let mut best_epoch = None;
        if let Some(es) = &cfg.early_stopping
            && es.restore_best
            && !mon.best_params.is_empty()
        {
            params.copy_from_slice(&mon.best_params);
            best_epoch = mon.best_epoch;
        }
        if (y_mean, y_std) != (0.0, 1.0) {
            // z = σ z' + μ: scale the output layer's weights and bias.
            let l = arch.n_layers() - 1;
            let (wo, bo) = (arch.w_offset(l), arch.b_offset(l));
            params[wo..bo].iter_mut().for_each(|w| *w *= y_std);
            params[bo] = params[bo] * y_std + y_mean;
        }
        self.fitted = Some(Fitted {
            sizes,
            activation: act,
            params,
            loss,
            task,
            labels,
            feature_names: opts.feature_names.map(|n| n.to_vec()),
        });
        Ok(History {
            records: mon.records,
            metric: if task == Task::Regression {
                HistoryMetric::R2
            } else {
                HistoryMetric::Accuracy
            },
            best_epoch,
            stop,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    fn predict_impl(&self, x: &Matrix) -> Result<Predictions> {
        let f = self.fitted.as_ref().ok_or(TrainError::NotFitted)?;
        if x.n_cols != f.sizes[0] {
            return Err(TrainError::FeatureCount {
                expected: f.sizes[0],
                got: x.n_cols,
            });
        }
        check_finite(x, f.feature_names.as_deref())?;
        let arch = Arch {
            sizes: f.sizes.clone(),
            act: f.activation,
            dropout: 0.0,
        };
        let k = arch.n_out();
        let w32: Vec<f32> = f.params.iter().map(|&p| p as f32).collect();
        let mut z = vec![0.0f32; x.n_rows * k];
        net::predict_logits(&arch, &w32, &x.data, x.n_rows, &mut z);
        Ok(match f.task {
            Task::Regression => Predictions::Values(z.iter().map(|&v| v as f64).collect()),
            _ if k == 1 => {
                let mut proba = Vec::with_capacity(x.n_rows * 2);
                for &v in &z {
                    let p = sigmoid(v as f64);
                    proba.push(1.0 - p);
                    proba.push(p);
                }
                Predictions::Classes {
                    labels: f.labels.clone(),
                    proba,
                }
            }
            _ => {
                let mut proba: Vec<f64> = z.iter().map(|&v| v as f64).collect();
                proba.chunks_exact_mut(k).for_each(softmax_in_place);
                Predictions::Classes {
                    labels: f.labels.clone(),
                    proba,
                }
            }
        })
    }

    /// Predicted class probabilities (`n_rows × n_classes`, row-major); an error for
    /// regression models.
    pub fn predict_proba(&self, x: &Matrix) -> Result<Vec<f64>> {
        match self.predict(x)? {
            Predictions::Classes { proba, .. } => Ok(proba),
            Predictions::Values(_) => Err(TrainError::TargetMismatch(
                "a regression model has no class probabilities".into(),
            )),
        }
    }
}
