//! Checks that cross-validation uses its threads: wall time and fits per thread for 1 and 2
//! workers on `bench/out/select/select_50000.*` (from `bench/python/selection.py gen`).
use mosel_data::{Column, ColumnData, Problem, Table, Task};
use mosel_select::candidate::Spec;
use mosel_select::cv::{CvData, CvOptions, HistoryPolicy, cross_validate};
use mosel_select::split::{Splitter, Strategy};
use std::time::Instant;

fn main() {
    let (n, d) = (50_000, 30);
    let xb = std::fs::read("bench/out/select/select_50000.f32").expect("run selection.py gen");
    let yb = std::fs::read("bench/out/select/select_50000.u8").expect("labels");
    let x: Vec<f32> = xb
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let mut cols: Vec<Column> = (0..d)
        .map(|j| Column {
            name: format!("x{j}"),
            data: ColumnData::Numeric((0..n).map(|i| f64::from(x[i * d + j])).collect()),
        })
        .collect();
    cols.push(Column {
        name: "y".into(),
        data: ColumnData::Categorical {
            codes: yb.iter().map(|&c| u32::from(c)).collect(),
            levels: vec!["0".into(), "1".into()],
        },
    });
    let table = Table::new(cols, "bench").expect("table");
    let data = CvData::from_problem(Problem::new(table, "y", Some(Task::Binary)).expect("problem"));
    let mut pairs = vec![("optimizer", "lbfgs"), ("scale", "false")];
    let cs = [
        "1e-4", "1e-3", "1e-2", "1e-1", "1", "10", "100", "1000", "1e4", "1e5",
    ];
    pairs.extend(cs.iter().map(|c| ("C", *c)));
    let cands = Spec::from_pairs(pairs)
        .and_then(|s| s.build(Task::Binary))
        .expect("cands");
    for threads in [1, 2, 1, 2] {
        let mut o = CvOptions::new(
            Splitter::new(Strategy::StratifiedKFold {
                k: 5,
                shuffle: false,
            }),
            Task::Binary,
        );
        o.histories = HistoryPolicy::None;
        o.keep_oof = false;
        o.train_scores = false;
        o.threads = Some(threads);
        let t = Instant::now();
        let run = cross_validate(&data, &cands, &o, None).expect("cv");
        let fit: f64 = run
            .candidates
            .iter()
            .flat_map(|c| c.folds.iter().map(|f| f.fit_seconds))
            .sum();
        println!(
            "threads {threads}: wall {:.3} s, fit time summed {:.3} s",
            t.elapsed().as_secs_f64(),
            fit
        );
    }
}
