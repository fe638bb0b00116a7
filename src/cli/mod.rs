//! The `mosel` subcommands, one module each, and the arguments they share.

pub mod compare;
pub mod cv;
pub mod datasets;
pub mod describe;
pub mod eval;
pub mod predict;
pub mod report;
pub mod select;
pub mod study;
pub mod train;
pub mod tune;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use mosel_data::{ColumnKind, DataSource, ReadOptions, Table, Task};

/// Where the data comes from: a file or a bundled dataset.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// A CSV, TSV or Parquet file with a header row.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "dataset",
        conflicts_with = "dataset"
    )]
    pub data: Option<PathBuf>,
    /// A bundled dataset by name (see `mosel datasets`).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// Field delimiter for delimited text (default: `,`, or tab for .tsv).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<char>,
    /// Override a column's inferred type, e.g. `--type zip=categorical` (repeatable).
    #[arg(long = "type", value_name = "COLUMN=TYPE", value_parser = parse_kind)]
    pub types: Vec<(String, ColumnKind)>,
}

fn parse_kind(s: &str) -> Result<(String, ColumnKind), String> {
    let (col, kind) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("expected COLUMN=TYPE, got '{s}'"))?;
    Ok((col.to_string(), kind.parse()?))
}

/// Parses `KEY=VALUE`.
pub fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got '{s}'"))?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

impl DataArgs {
    /// The data source named by `--data` or `--dataset`.
    pub fn source(&self) -> Result<DataSource> {
        match (&self.data, &self.dataset) {
            (Some(p), None) => Ok(DataSource::File(p.clone())),
            (None, Some(n)) => Ok(DataSource::Bundled(n.clone())),
            _ => bail!("give exactly one of --data FILE or --dataset NAME"),
        }
    }

    /// Read options from the flags.
    pub fn read_options(&self) -> Result<ReadOptions> {
        let mut opts = ReadOptions::default();
        if let Some(d) = self.delimiter {
            if !d.is_ascii() {
                bail!("--delimiter must be a single ASCII character, got '{d}'");
            }
            opts.delimiter = Some(d as u8);
        }
        opts.kinds = self.types.iter().cloned().collect();
        Ok(opts)
    }

    /// Loads the table.
    pub fn load(&self) -> Result<Table> {
        let source = self.source()?;
        source
            .load(&self.read_options()?)
            .with_context(|| format!("loading {}", source.display_name()))
    }

    /// The target column: `explicit` if given, else the bundled dataset's default.
    pub fn target_name(&self, explicit: Option<&str>) -> Result<String> {
        match (explicit, self.source()?.default_target()) {
            (Some(t), _) => Ok(t.to_string()),
            (None, Some(t)) => Ok(t.to_string()),
            (None, None) => bail!("name the column to predict with --target COLUMN"),
        }
    }
}

/// The label to predict and the task.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The column to predict (defaults to the bundled dataset's target).
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// The task, when inference from the target is not what you want.
    #[arg(long, value_name = "binary|multiclass|regression")]
    pub task: Option<Task>,
}

/// A table styled for the terminal.
pub fn new_table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    use comfy_table::{LineStyle, TableStyle};
    const STYLE: TableStyle = TableStyle::new()
        .top_border(LineStyle::none().fill('─').junction('─'))
        .header_separator(LineStyle::none().fill('─').junction('─'))
        .bottom_border(LineStyle::none().fill('─').junction('─'));
    t.load_style(STYLE)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

/// Formats a float compactly for tables.
pub fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
