//! Workload `load`: a numeric CSV into an f32 design matrix (peer: pandas.read_csv).

use std::io::Write;
use std::path::Path;

use crate::measure::{emit, time};

/// `gen-csv FILE ROWS COLS`: writes a seeded CSV of decimal numbers with a header.
pub fn gen_csv(args: &[String]) -> Result<(), String> {
    let [file, rows, cols] = args else {
        return Err("usage: mosel-bench gen-csv FILE ROWS COLS".into());
    };
    let rows: usize = rows.parse().map_err(|e| format!("ROWS: {e}"))?;
    let cols: usize = cols.parse().map_err(|e| format!("COLS: {e}"))?;
    let f = std::fs::File::create(file).map_err(|e| format!("{file}: {e}"))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    let header: Vec<String> = (0..cols).map(|j| format!("f{j}")).collect();
    let io = |e: std::io::Error| e.to_string();
    writeln!(w, "{}", header.join(",")).map_err(io)?;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..rows {
        for j in 0..cols {
            // SplitMix64, then a value with a realistic number of digits.
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let v = (z >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0;
            let sep = if j + 1 == cols { "\n" } else { "," };
            write!(w, "{v:.6}{sep}").map_err(io)?;
        }
    }
    w.flush().map_err(io)
}

/// `load FILE`: times `read_numeric_csv` and reports peak memory against the matrix size.
pub fn run(args: &[String]) -> Result<(), String> {
    let [file] = args else {
        return Err("usage: mosel-bench load FILE".into());
    };
    let (res, seconds) = time(|| mosel_data::matrix_csv::read_numeric_csv(Path::new(file), b','));
    let csv = res.map_err(|e| e.to_string())?;
    let m = &csv.matrix;
    let matrix_mb = (m.data.len() * 4) as f64 / (1 << 20) as f64;
    let checksum: f64 = m.data.iter().step_by(997).map(|&v| f64::from(v)).sum();
    emit(
        "load",
        &format!("csv {} x {} -> f32 matrix", m.n_rows, m.n_cols),
        seconds,
        serde_json::json!({"matrix_mb": matrix_mb, "threads": rayon_threads(), "checksum": checksum}),
    );
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
