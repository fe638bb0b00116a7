//! Where a table comes from: a file (by extension) or a bundled dataset (by name).

use std::path::{Path, PathBuf};

use crate::csv_reader::{ReadOptions, read_csv, read_csv_file};
use crate::datasets;
use crate::error::{DataError, Result};
use crate::parquet_reader::read_parquet_file;
use crate::table::Table;

/// A table to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// A CSV, TSV or Parquet file.
    File(PathBuf),
    /// A dataset bundled with mosel, by name.
    Bundled(String),
}

impl DataSource {
    /// The bundled dataset's default target column, if this is a bundled dataset.
    pub fn default_target(&self) -> Option<&'static str> {
        match self {
            DataSource::Bundled(name) => datasets::find(name).map(|d| d.target),
            DataSource::File(_) => None,
        }
    }

    /// A short name for reports: the file name or the dataset name.
    pub fn display_name(&self) -> String {
        match self {
            DataSource::File(p) => p.display().to_string(),
            DataSource::Bundled(n) => n.clone(),
        }
    }

    /// Loads the table.
    pub fn load(&self, opts: &ReadOptions) -> Result<Table> {
        match self {
            DataSource::File(path) => load_file(path, opts),
            DataSource::Bundled(name) => {
                let d = datasets::find(name).ok_or_else(|| DataError::UnknownDataset {
                    name: name.clone(),
                    available: datasets::names().iter().map(|s| s.to_string()).collect(),
                })?;
                let mut table = read_csv(d.csv.as_bytes(), Path::new(d.name), b',', opts)?;
                table.source = d.name.to_string();
                Ok(table)
            }
        }
    }
}

/// Loads a file, choosing the reader from its extension (`.parquet`/`.pq` or delimited text).
pub fn load_file(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "parquet" | "pq" => read_parquet_file(path, opts),
        "csv" | "tsv" | "txt" | "data" | "" => read_csv_file(path, opts),
        _ => Err(DataError::UnknownFormat {
            path: path.to_path_buf(),
        }),
    }
}
