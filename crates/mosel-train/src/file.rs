//! Model files: the fitted arrays as safetensors tensors plus a JSON header (model type,
//! hyperparameters, fitted state, preprocessing pipeline, class labels, feature names,
//! training summary, mosel version) in the safetensors metadata, sealed by a SHA-256
//! checksum. Any model family writes one through [`Learner::save`](crate::Learner::save);
//! the family named by the header's `model_type` reads it back.
//!
//! Layout: a standard safetensors file of F64 tensors (for linear models and MLPs
//! `layer<l>.weight` `[in, out]` and `layer<l>.bias` `[out]`), whose `__metadata__` holds
//! `format = "mosel-model"`, `format_version`, `header` (the JSON [`ModelHeader`]) and
//! `checksum = "sha256:<hex>"` over the header bytes followed by every tensor's bytes in
//! name order (format 1, linear models and MLPs only: layer order; still read). [`load`] refuses truncated files, altered bytes, other files and newer
//! format versions with [`TrainError::CorruptFile`] / [`TrainError::IncompatibleFile`].

use crate::config::Activation;
use crate::error::{Result, TrainError};
use crate::loss::Loss;
use crate::model::{History, HistoryMetric, Learner, StopReason};
use mosel_data::Task;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// Value of the `format` metadata key.
pub const FORMAT: &str = "mosel-model";
/// Version of the file layout written by this build; files of a newer version are refused.
pub const FORMAT_VERSION: u32 = 2;

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
    /// The model's registry name (`linear`, `logistic`, `softmax`, `mlp`, `knn`, ...): the
    /// model family that reads the file back.
    pub model_type: String,
    /// The hyperparameters, as the model family writes them.
    pub params: serde_json::Value,
    /// Fitted state other than the tensors (e.g. layer sizes), as the model family writes it.
    #[serde(default)]
    pub state: serde_json::Value,
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

/// The header of format 1, which only held linear models and MLPs.
#[derive(Deserialize)]
struct HeaderV1 {
    mosel_version: String,
    model_type: String,
    config: serde_json::Value,
    sizes: Vec<usize>,
    activation: Activation,
    loss: Loss,
    task: Task,
    labels: Vec<String>,
    feature_names: Option<Vec<String>>,
    target: Option<String>,
    pipeline: Option<serde_json::Value>,
    summary: Option<TrainSummary>,
}

impl From<HeaderV1> for ModelHeader {
    fn from(h: HeaderV1) -> Self {
        Self {
            mosel_version: h.mosel_version,
            format_version: 1,
            model_type: h.model_type,
            params: h.config,
            state: serde_json::json!({
                "sizes": h.sizes,
                "activation": h.activation,
                "loss": h.loss,
            }),
            task: h.task,
            labels: h.labels,
            feature_names: h.feature_names,
            target: h.target,
            pipeline: h.pipeline,
            summary: h.summary,
        }
    }
}

/// A named array of `f64` with its shape (row-major).
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// Its name in the file, e.g. `layer0.weight`.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its values, row-major; `shape.iter().product()` of them.
    pub data: Vec<f64>,
}

/// What a fitted learner stores in a model file ([`crate::Learner::save`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SavedModel {
    /// The model's registry name.
    pub model_type: String,
    /// Its hyperparameters.
    pub params: serde_json::Value,
    /// Fitted state other than the tensors.
    pub state: serde_json::Value,
    /// The task it was fitted for.
    pub task: Task,
    /// Class labels (classification).
    pub labels: Vec<String>,
    /// Feature names, when given at fit time.
    pub feature_names: Option<Vec<String>>,
    /// The fitted arrays.
    pub tensors: Vec<Tensor>,
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

/// A loaded, checked model file: its header and tensors. The model family named by
/// `header.model_type` turns it back into a learner (for linear models and MLPs:
/// [`Model::from_file`]).
#[derive(Debug, Clone)]
pub struct ModelFile {
    /// The header.
    pub header: ModelHeader,
    /// The tensors, by name.
    pub tensors: Vec<Tensor>,
}

impl ModelFile {
    /// The tensor `name`, checked to have `shape`; a missing or misshapen tensor is an
    /// [`TrainError::IncompatibleFile`] error.
    pub fn tensor(&self, name: &str, shape: &[usize]) -> Result<&[f64]> {
        let t = self
            .tensors
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| TrainError::IncompatibleFile(format!("no tensor {name}")))?;
        if t.shape != shape {
            return Err(TrainError::IncompatibleFile(format!(
                "tensor {name} has shape {:?}, expected {shape:?}",
                t.shape
            )));
        }
        Ok(&t.data)
    }

    /// The header's `state` as the family's type.
    pub fn state<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.header.state.clone()).map_err(|e| {
            TrainError::IncompatibleFile(format!(
                "the {} model's state is unreadable: {e}",
                self.header.model_type
            ))
        })
    }

    /// The header's `params` as the family's type.
    pub fn params<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.header.params.clone()).map_err(|e| {
            TrainError::IncompatibleFile(format!(
                "the {} model's hyperparameters are unreadable: {e}",
                self.header.model_type
            ))
        })
    }
}

fn f64_bytes(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serialises a fitted model to bytes.
pub fn to_bytes(model: &dyn Learner, info: &SaveInfo) -> Result<Vec<u8>> {
    let saved = model.save()?;
    let header = ModelHeader {
        mosel_version: env!("CARGO_PKG_VERSION").to_string(),
        format_version: FORMAT_VERSION,
        model_type: saved.model_type,
        params: saved.params,
        state: saved.state,
        task: saved.task,
        labels: saved.labels,
        feature_names: saved.feature_names,
        target: info.target.clone(),
        pipeline: info.pipeline.clone(),
        summary: info.summary.clone(),
    };
    let header_json = serde_json::to_string(&header)
        .map_err(|e| TrainError::Config(format!("cannot serialise the model header: {e}")))?;
    let mut tensors = saved.tensors;
    tensors.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(w) = tensors.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(TrainError::Config(format!(
            "two tensors named {}",
            w[0].name
        )));
    }
    let bytes: Vec<Vec<u8>> = tensors.iter().map(|t| f64_bytes(&t.data)).collect();
    let checksum = checksum(&header_json, bytes.iter().map(Vec::as_slice));
    let mut meta = HashMap::new();
    meta.insert("format".to_string(), FORMAT.to_string());
    meta.insert("format_version".to_string(), FORMAT_VERSION.to_string());
    meta.insert("header".to_string(), header_json);
    meta.insert("checksum".to_string(), checksum);
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|(t, b)| {
            Ok((
                t.name.clone(),
                TensorView::new(Dtype::F64, t.shape.clone(), b)?,
            ))
        })
        .collect::<Result<Vec<_>, safetensors::SafeTensorError>>()
        .map_err(|e| TrainError::Config(format!("cannot build tensors: {e}")))?;
    safetensors::serialize(views, Some(meta))
        .map_err(|e| TrainError::Config(format!("cannot serialise: {e}")))
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
pub fn save(path: &Path, model: &dyn Learner, info: &SaveInfo) -> Result<()> {
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

/// Parses and checks model-file bytes: the format, the version, the checksum over the header
/// and every tensor, and that every tensor is F64 with as many values as its shape says.
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
    // Tensors in the order the checksum covers: layer order in format 1, by name since.
    let mut names: Vec<String> = st.names().into_iter().map(str::to_string).collect();
    if version == 1 {
        names.sort_by_key(|n| tensor_order(n));
    } else {
        names.sort();
    }
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
    let unreadable =
        |e: serde_json::Error| TrainError::IncompatibleFile(format!("cannot read the header: {e}"));
    let header: ModelHeader = if version == 1 {
        serde_json::from_str::<HeaderV1>(header_json)
            .map_err(unreadable)?
            .into()
    } else {
        serde_json::from_str(header_json).map_err(unreadable)?
    };
    let mut tensors = Vec::with_capacity(views.len());
    for (name, v) in names.into_iter().zip(&views) {
        let n: usize = v.shape().iter().product();
        if v.dtype() != Dtype::F64 || v.data().len() != 8 * n {
            return Err(TrainError::IncompatibleFile(format!(
                "tensor {name} is {:?} {:?}, expected F64",
                v.dtype(),
                v.shape()
            )));
        }
        let data = v
            .data()
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8-byte chunks")))
            .collect();
        tensors.push(Tensor {
            name,
            shape: v.shape().to_vec(),
            data,
        });
    }
    Ok(ModelFile { header, tensors })
}

fn tensor_order(name: &str) -> (usize, u8) {
    let (layer, kind) = name.split_once('.').unwrap_or((name, ""));
    let l = layer
        .trim_start_matches("layer")
        .parse()
        .unwrap_or(usize::MAX);
    (l, if kind == "weight" { 0 } else { 1 })
}
