//! The real datasets bundled with mosel (see `data/README.md` for sources and licences).
//!
//! Their CSV text is compiled into the library, so `--dataset NAME` works from any folder.

/// One bundled dataset.
#[derive(Debug, Clone, Copy)]
pub struct BundledDataset {
    /// Name used with `--dataset`.
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Default target column.
    pub target: &'static str,
    /// The task the default target poses.
    pub task: &'static str,
    /// Number of rows.
    pub rows: usize,
    /// Number of feature columns.
    pub features: usize,
    /// Where it comes from.
    pub source: &'static str,
    /// The CSV text, with a header row.
    pub csv: &'static str,
}

macro_rules! bundled {
    ($file:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/", $file))
    };
}

/// Every bundled dataset, smallest first.
pub const DATASETS: &[BundledDataset] = &[
    BundledDataset {
        name: "iris",
        description: "Fisher's iris flowers: 4 measurements, 3 species",
        target: "species",
        task: "multiclass",
        rows: 150,
        features: 4,
        source: "scikit-learn 1.9.1 (BSD-3)",
        csv: bundled!("iris.csv"),
    },
    BundledDataset {
        name: "wine",
        description: "Chemical analysis of Italian wines, 3 cultivars",
        target: "cultivar",
        task: "multiclass",
        rows: 178,
        features: 13,
        source: "scikit-learn 1.9.1 (BSD-3)",
        csv: bundled!("wine.csv"),
    },
    BundledDataset {
        name: "diabetes",
        description: "Diabetes progression after one year from 10 baseline variables",
        target: "progression",
        task: "regression",
        rows: 442,
        features: 10,
        source: "scikit-learn 1.9.1 (BSD-3), Efron et al. 2004",
        csv: bundled!("diabetes.csv"),
    },
    BundledDataset {
        name: "breast-cancer",
        description: "Wisconsin diagnostic breast cancer: 30 cell-nucleus features",
        target: "diagnosis",
        task: "binary",
        rows: 569,
        features: 30,
        source: "scikit-learn 1.9.1 (BSD-3), UCI WDBC",
        csv: bundled!("breast_cancer.csv"),
    },
    BundledDataset {
        name: "digits",
        description: "8x8 images of handwritten digits, 10 classes",
        target: "digit",
        task: "multiclass",
        rows: 1797,
        features: 64,
        source: "scikit-learn 1.9.1 (BSD-3), UCI optical digits",
        csv: bundled!("digits.csv"),
    },
    BundledDataset {
        name: "diamonds",
        description: "Prices and attributes of 53,940 diamonds (numeric and categorical)",
        target: "price",
        task: "regression",
        rows: 53940,
        features: 9,
        source: "ggplot2 via pydataset 0.2.0 (MIT)",
        csv: bundled!("diamonds.csv"),
    },
];

/// Finds a bundled dataset by name (case-insensitive; `_` and `-` are interchangeable).
pub fn find(name: &str) -> Option<&'static BundledDataset> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let wanted = norm(name);
    DATASETS.iter().find(|d| norm(d.name) == wanted)
}

/// The names of all bundled datasets, for error messages.
pub fn names() -> Vec<&'static str> {
    DATASETS.iter().map(|d| d.name).collect()
}
