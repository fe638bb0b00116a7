//! Model files: the weights as safetensors tensors plus a JSON header (model type,
//! hyperparameters, fitted preprocessing pipeline, class labels, feature names, training
//! summary, mosel version) in the safetensors metadata, sealed by a SHA-256 checksum.
//!
//! Layout: a standard safetensors file whose tensors are `layer<l>.weight` (F64,
//! `[in, out]`) and `layer<l>.bias` (F64, `[out]`), and whose `__metadata__` holds
//! `format = "mosel-model"`, `format_version`, `header` (the JSON [`ModelHeader`]) and
//! `checksum = "sha256:<hex>"` over the header bytes followed by every tensor's bytes in
//! layer order. [`load`] refuses truncated files, altered bytes, other files and newer
//! format versions with [`TrainError::CorruptFile`] / [`TrainError::IncompatibleFile`].

use crate::config::{Activation, TrainConfig};
use crate::error::{Result, TrainError};
use crate::loss::Loss;
use crate::model::{Fitted, History, HistoryMetric, Model, StopReason};
use mosel_data::Task;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// Value of the `format` metadata key.
pub const FORMAT: &str = "mosel-model";
/// Version of the file layout written by this build; files of a newer version are refused.
pub const FORMAT_VERSION: u32 = 1;

/// What training did, for the file header and reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSummary {
    /// Training rows.
    pub n_train: usize,
    /// Epochs (L-BFGS iterations) run.
    pub epochs: usize,
    /// Why training stopped.
    pub stop: StopReason,
    /// Final training loss.
    pub train_loss: f64,
    /// Final validation loss, when there was a validation set.
    pub val_loss: Option<f64>,
    /// Which metric the metric fields hold.
    pub metric: HistoryMetric,
    /// Final training metric.
    pub train_metric: f64,
    /// Final validation metric.
    pub val_metric: Option<f64>,
    /// Epoch whose weights were restored by early stopping.
    pub best_epoch: Option<usize>,
    /// Seconds spent in `fit`.
    pub seconds: f64,
}

impl TrainSummary {
    /// Summarises a history (the restored epoch's record when early stopping restored one).
    pub fn from_history(h: &History, n_train: usize) -> Option<Self> {
        let last = h.last()?;
        let rec = h
            .best_epoch
            .and_then(|b| h.records.get(b - 1))
            .unwrap_or(last);
        Some(Self {
            n_train,
            epochs: h.records.len(),
            stop: h.stop,
            train_loss: rec.train_loss,
            val_loss: rec.val_loss,
            metric: h.metric,
            train_metric: rec.train_metric,
            val_metric: rec.val_metric,
            best_epoch: h.best_epoch,
            seconds: h.seconds,
        })
    }
}

/// The JSON header of a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// Version of mosel that wrote the file.
    pub mosel_version: String,
    /// File layout version.
    pub format_version: u32,
    /// `linear`, `logistic`, `softmax` or `mlp`.
    pub model_type: String,
    /// The full training configuration (hyperparameters).
    pub config: TrainConfig,
    /// Layer sizes `[n_features, hidden..., n_outputs]`.
    pub sizes: Vec<usize>,
    /// Hidden activation.
    pub activation: Activation,
    /// The loss trained with.
    pub loss: Loss,
    /// The task.
    pub task: Task,
    /// Class labels, `labels[c]` for output / probability column `c`.
    pub labels: Vec<String>,
    /// Names of the model's input features (after preprocessing).
    pub feature_names: Option<Vec<String>>,
    /// Name of the target column.
    pub target: Option<String>,
    /// The fitted preprocessing pipeline (mosel-data's `Pipeline` as JSON).
    pub pipeline: Option<serde_json::Value>,
    /// What training did.
    pub summary: Option<TrainSummary>,
}

/// Extra information stored with a model.
#[derive(Debug, Clone, Default)]
pub struct SaveInfo {
    /// Name of the target column.
    pub target: Option<String>,
    /// The fitted preprocessing pipeline as JSON.
    pub pipeline: Option<serde_json::Value>,
    /// Training summary.
    pub summary: Option<TrainSummary>,
}

/// A loaded model file.
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// The header.
    pub header: ModelHeader,
    /// The model, ready to predict.
    pub model: Model,
}

fn f64_bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serialises a fitted model to bytes.
pub fn to_bytes(model: &Model, info: &SaveInfo) -> Result<Vec<u8>> {
    let f = model.fitted().ok_or(TrainError::NotFitted)?;
    let header = ModelHeader {
        mosel_version: env!("CARGO_PKG_VERSION").to_string(),
        format_version: FORMAT_VERSION,
        model_type: model_config(model).model.name().to_string(),
        config: model_config(model).clone(),
        sizes: f.sizes.clone(),
        activation: f.activation,
        loss: f.loss,
        task: f.task,
        labels: f.labels.clone(),
        feature_names: f.feature_names.clone(),
        target: info.target.clone(),
        pipeline: info.pipeline.clone(),
        summary: info.summary.clone(),
    };
    let header_json = serde_json::to_string(&header)
        .map_err(|e| TrainError::Config(format!("cannot serialise the model header: {e}")))?;
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    let mut off = 0;
    for l in 0..f.sizes.len() - 1 {
        let (i, o) = (f.sizes[l], f.sizes[l + 1]);
        tensors.push((
            format!("layer{l}.weight"),
            vec![i, o],
            f64_bytes(&f.params[off..off + i * o]),
        ));
        off += i * o;
        tensors.push((
            format!("layer{l}.bias"),
            vec![o],
            f64_bytes(&f.params[off..off + o]),
        ));
        off += o;
    }
    let checksum = checksum(&header_json, tensors.iter().map(|t| &t.2[..]));
    let mut meta = HashMap::new();
    meta.insert("format".to_string(), FORMAT.to_string());
    meta.insert("format_version".to_string(), FORMAT_VERSION.to_string());
    meta.insert("header".to_string(), header_json);
    meta.insert("checksum".to_string(), checksum);
    let views = tensors
        .iter()
        .map(|(n, s, b)| Ok((n.clone(), TensorView::new(Dtype::F64, s.clone(), b)?)))
        .collect::<Result<Vec<_>, safetensors::SafeTensorError>>()
        .map_err(|e| TrainError::Config(format!("cannot build tensors: {e}")))?;
    safetensors::serialize(views, Some(meta))
        .map_err(|e| TrainError::Config(format!("cannot serialise: {e}")))
}

fn model_config(m: &Model) -> &TrainConfig {
    use crate::model::Learner;
    m.config()
}

fn checksum<'a>(header: &str, tensors: impl Iterator<Item = &'a [u8]>) -> String {
    let mut h = Sha256::new();
    h.update(header.as_bytes());
    for t in tensors {
        h.update(t);
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Writes a fitted model to `path` (atomically: a temporary file renamed into place).
pub fn save(path: &Path, model: &Model, info: &SaveInfo) -> Result<()> {
    let bytes = to_bytes(model, info)?;
    let io = |e| TrainError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let tmp = path.with_extension("mosel.tmp");
    std::fs::write(&tmp, &bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Reads and checks a model file.
pub fn load(path: &Path) -> Result<ModelFile> {
    let bytes = std::fs::read(path).map_err(|e| TrainError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    from_bytes(&bytes)
}

/// Parses and checks model-file bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<ModelFile> {
    let corrupt = |m: String| TrainError::CorruptFile(m);
    if bytes.len() < 8 {
        return Err(corrupt(format!(
            "only {} bytes: not a model file, or truncated",
            bytes.len()
        )));
    }
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| {
        corrupt(format!(
            "not a valid safetensors file (truncated or damaged?): {e}"
        ))
    })?;
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        corrupt(format!(
            "not a valid safetensors file (truncated or damaged?): {e}"
        ))
    })?;
    let md = meta.metadata().clone().unwrap_or_default();
    if md.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(corrupt(
            "a safetensors file, but not a mosel model (no mosel header)".into(),
        ));
    }
    let version: u32 = md
        .get("format_version")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| corrupt("missing or unreadable format_version".into()))?;
    if version > FORMAT_VERSION {
        return Err(TrainError::IncompatibleFile(format!(
            "written with model-file format {version}; this mosel ({}) reads up to {FORMAT_VERSION}: upgrade mosel",
            env!("CARGO_PKG_VERSION")
        )));
    }
    let header_json = md
        .get("header")
        .ok_or_else(|| corrupt("missing header".into()))?;
    let stored = md
        .get("checksum")
        .ok_or_else(|| corrupt("missing checksum".into()))?;
    // Tensors in layer order, as written.
    let mut names: Vec<String> = st.names().into_iter().map(str::to_string).collect();
    names.sort_by_key(|n| tensor_order(n));
    let views = names
        .iter()
        .map(|n| {
            st.tensor(n)
                .map_err(|e| corrupt(format!("tensor {n}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let actual = checksum(header_json, views.iter().map(|v| v.data()));
    if &actual != stored {
        return Err(corrupt(
            "checksum mismatch: the file was altered or damaged".into(),
        ));
    }
    let header: ModelHeader = serde_json::from_str(header_json)
        .map_err(|e| TrainError::IncompatibleFile(format!("cannot read the header: {e}")))?;
    let nl = header.sizes.len().saturating_sub(1);
    if nl == 0 || views.len() != 2 * nl {
        return Err(TrainError::IncompatibleFile(format!(
            "{} tensors for layer sizes {:?}",
            views.len(),
            header.sizes
        )));
    }
    let mut params = Vec::new();
    for l in 0..nl {
        for (suffix, shape) in [
            ("weight", vec![header.sizes[l], header.sizes[l + 1]]),
            ("bias", vec![header.sizes[l + 1]]),
        ] {
            let name = format!("layer{l}.{suffix}");
            let v = st
                .tensor(&name)
                .map_err(|e| corrupt(format!("tensor {name}: {e}")))?;
            if v.dtype() != Dtype::F64 || v.shape() != shape.as_slice() {
                return Err(TrainError::IncompatibleFile(format!(
                    "tensor {name} is {:?} {:?}, expected F64 {shape:?}",
                    v.dtype(),
                    v.shape()
                )));
            }
            params.extend(
                v.data()
                    .chunks_exact(8)
                    .map(|b| f64::from_le_bytes(b.try_into().unwrap())),
            );
        }
    }
    let fitted = Fitted {
        sizes: header.sizes.clone(),
        activation: header.activation,
        params,
        loss: header.loss,
        task: header.task,
        labels: header.labels.clone(),
        feature_names: header.feature_names.clone(),
    };
    let model = Model::from_fitted(header.config.clone(), fitted)?;
    Ok(ModelFile { header, model })
}

fn tensor_order(name: &str) -> (usize, u8) {
    let (layer, kind) = name.split_once('.').unwrap_or((name, ""));
    let l = layer
        .trim_start_matches("layer")
        .parse()
        .unwrap_or(usize::MAX);
    (l, if kind == "weight" { 0 } else { 1 })
}
