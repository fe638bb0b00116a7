//! `mosel predict`: apply a saved model to a table and write predictions as CSV.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use mosel_data::Pipeline;
use mosel_train::Predictions;

use super::DataArgs;

/// Predict with a saved model; writes the target (when present), `prediction` and
/// `proba_<label>` columns, ready for `mosel eval`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  mosel train --dataset iris -o iris.mosel\n  mosel predict --model iris.mosel --dataset iris -o preds.csv\n  mosel eval --predictions preds.csv --truth species"
)]
pub struct Args {
    /// A model file written by `mosel train`, `select` or `tune`.
    #[arg(long, value_name = "FILE")]
    pub model: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
    /// Output CSV (default: standard output).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `mosel predict`.
pub fn run(args: Args) -> Result<()> {
    let (mf, model) = mosel_select::family::load(&args.model)
        .with_context(|| format!("loading the model {}", args.model.display()))?;
    let header = &mf.header;
    let pipeline: Pipeline = match &header.pipeline {
        Some(p) => serde_json::from_value(p.clone())
            .context("the model file's preprocessing pipeline is unreadable by this mosel")?,
        None => bail!(
            "the model file has no preprocessing pipeline; it was not written by `mosel train`"
        ),
    };
    let table = args.data.load()?;
    let inputs: Vec<&str> = pipeline.input_columns();
    let present: HashSet<&str> = table.names().into_iter().collect();
    let missing: Vec<&str> = inputs
        .iter()
        .copied()
        .filter(|c| !present.contains(c))
        .collect();
    let target = header.target.as_deref();
    let wanted: HashSet<&str> = inputs.iter().copied().chain(target).collect();
    let extra: Vec<&str> = table
        .names()
        .into_iter()
        .filter(|c| !wanted.contains(c))
        .collect();
    if !missing.is_empty() {
        let mut msg = format!(
            "the data lacks column(s) the model was trained on: {}",
            missing.join(", ")
        );
        if !extra.is_empty() {
            msg.push_str(&format!(
                "; it has column(s) the model does not know: {}",
                extra.join(", ")
            ));
        }
        bail!(msg);
    }
    if !extra.is_empty() {
        eprintln!(
            "note: ignoring column(s) the model was not trained on: {}",
            extra.join(", ")
        );
    }
    super::train::check_infinite(&table)?;
    let x = pipeline.transform(&table, None)?;
    let preds = model.predict(&x).context("predicting")?;
    let truth = target.and_then(|t| table.column(t).ok());
    if let (Some(col), Predictions::Classes { labels, .. }) = (truth, &preds) {
        let known: HashSet<&str> = labels.iter().map(String::as_str).collect();
        let mut unseen: Vec<String> = (0..col.len())
            .filter_map(|i| col.text(i))
            .filter(|v| !known.contains(v.as_str()))
            .collect();
        unseen.sort();
        unseen.dedup();
        if !unseen.is_empty() {
            eprintln!(
                "warning: the '{}' column has class(es) the model never saw in training: {} (it can only predict {})",
                col.name,
                unseen.join(", "),
                labels.join(", ")
            );
        }
    }
    let sink: Box<dyn Write> = match &args.output {
        Some(p) if p.as_os_str() != "-" => {
            Box::new(std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?)
        }
        _ => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(sink));
    let mut head: Vec<String> = Vec::new();
    if let Some(c) = truth {
        head.push(c.name.clone());
    }
    head.push("prediction".into());
    if let Predictions::Classes { labels, .. } = &preds {
        head.extend(labels.iter().map(|l| format!("proba_{l}")));
    }
    w.write_record(&head)?;
    let codes = preds.class_codes();
    let mut rec: Vec<String> = Vec::with_capacity(head.len());
    for i in 0..x.n_rows {
        rec.clear();
        if let Some(c) = truth {
            rec.push(c.text(i).unwrap_or_default());
        }
        match &preds {
            Predictions::Values(v) => rec.push(format!("{:?}", v[i])),
            Predictions::Classes { labels, .. } => {
                let codes = codes.as_ref().expect("classes have codes");
                rec.push(labels[codes[i] as usize].clone());
                rec.extend(
                    preds
                        .proba_row(i)
                        .unwrap_or(&[])
                        .iter()
                        .map(|p| format!("{p:?}")),
                );
            }
        }
        w.write_record(&rec)?;
    }
    w.flush()?;
    if let Some(p) = &args.output
        && p.as_os_str() != "-"
    {
        eprintln!("{} predictions written to {}", x.n_rows, p.display());
    }
    Ok(())
}
