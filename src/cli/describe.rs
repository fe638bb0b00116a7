//! `mosel describe`: a table's schema, missing values, cardinalities and the target.

use anyhow::Result;

use super::{DataArgs, fmt_num, new_table};

/// Show the schema of a data file or bundled dataset.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub data: DataArgs,
    /// The column to predict: adds its distribution and the inferred task (defaults to the
    /// bundled dataset's target).
    #[arg(long, value_name = "COLUMN")]
    pub target: Option<String>,
    /// The task, when inference from the target is not what you want.
    #[arg(long, value_name = "binary|multiclass|regression")]
    pub task: Option<mosel_data::Task>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Runs `mosel describe`.
pub fn run(args: Args) -> Result<()> {
    let table = args.data.load()?;
    let target = args.data.target_name(args.target.as_deref()).ok();
    let schema = mosel_data::describe(&table, target.as_deref(), args.task)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&schema)?);
        return Ok(());
    }
    println!(
        "{}: {} rows x {} columns",
        schema.source,
        schema.rows,
        schema.columns.len()
    );
    let mut t = new_table(&[
        "column",
        "type",
        "missing",
        "distinct",
        "min",
        "mean",
        "max",
        "most frequent",
    ]);
    for c in &schema.columns {
        let opt = |v: Option<f64>| v.map_or(String::new(), fmt_num);
        let top = c
            .top
            .iter()
            .take(3)
            .map(|(v, n)| format!("{v} ({n})"))
            .collect::<Vec<_>>()
            .join(", ");
        t.add_row(vec![
            c.name.clone(),
            c.kind.to_string(),
            c.missing.to_string(),
            c.distinct.to_string(),
            opt(c.min),
            opt(c.mean),
            opt(c.max),
            top,
        ]);
    }
    println!("{t}");
    if let Some(target) = &schema.target {
        println!("target '{}': task {}", target.name, target.task);
        if let Some([mean, std, min, max]) = target.stats {
            println!(
                "  mean {}, std {}, min {}, max {}",
                fmt_num(mean),
                fmt_num(std),
                fmt_num(min),
                fmt_num(max)
            );
        } else {
            let total: usize = target.classes.iter().map(|(_, n)| n).sum();
            let mut t = new_table(&["class", "rows", "share"]);
            for (label, n) in &target.classes {
                t.add_row(vec![
                    label.clone(),
                    n.to_string(),
                    format!("{:.1}%", 100.0 * *n as f64 / total as f64),
                ]);
            }
            println!("{t}");
        }
    }
    for w in &schema.warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}
