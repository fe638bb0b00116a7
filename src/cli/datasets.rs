//! `mosel datasets`: the bundled datasets.

use anyhow::Result;
use mosel_data::datasets::DATASETS;
use serde_json::json;

/// List the datasets bundled with mosel.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Runs `mosel datasets`.
pub fn run(args: Args) -> Result<()> {
    if args.json {
        let list: Vec<_> = DATASETS
            .iter()
            .map(|d| {
                json!({"name": d.name, "rows": d.rows, "features": d.features, "target": d.target,
                       "task": d.task, "description": d.description, "source": d.source})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let mut t = super::new_table(&["name", "rows", "features", "target", "task", "description"]);
    for d in DATASETS {
        t.add_row(vec![
            d.name.to_string(),
            d.rows.to_string(),
            d.features.to_string(),
            d.target.to_string(),
            d.task.to_string(),
            d.description.to_string(),
        ]);
    }
    println!("{t}");
    println!("Use one with --dataset NAME wherever --data FILE is accepted.");
    Ok(())
}
