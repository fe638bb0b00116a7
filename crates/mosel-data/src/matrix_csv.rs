//! Fast path: an all-numeric delimited file straight into a row-major `f32` [`Matrix`].
//!
//! The file is read in blocks; each block's lines are parsed in parallel and appended in
//! order, so peak memory stays close to the matrix itself (plus one block), and the
//! result does not depend on the number of threads.

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use crate::csv_reader::{DEFAULT_MISSING, shorten};
use crate::error::{DataError, Result};
use crate::matrix::Matrix;

const BLOCK: usize = 8 << 20;

/// A numeric matrix read from a file, with its column names.
#[derive(Debug, Clone)]
pub struct NumericCsv {
    /// Header names.
    pub names: Vec<String>,
    /// The values; missing fields are `NaN`.
    pub matrix: Matrix,
}

/// Reads an all-numeric delimited file with a header row into a matrix.
/// Missing fields (empty, `NA`, ...) become `NaN`; any other non-number is an error naming
/// its line and column.
pub fn read_numeric_csv(path: &Path, delimiter: u8) -> Result<NumericCsv> {
    let io_err = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io_err)?;
    let file_len = file.metadata().map_err(io_err)?.len() as usize;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK.min(file_len) + 1);
    let mut carry: Vec<u8> = Vec::new();
    let mut names: Option<Vec<String>> = None;
    let mut data: Vec<f32> = Vec::new();
    let mut line_no: u64 = 1; // line number of the first line in `buf`
    let mut n_rows = 0usize;
    let mut eof = false;
    while !eof {
        buf.clear();
        buf.extend_from_slice(&carry);
        carry.clear();
        let start = buf.len();
        buf.resize(start + BLOCK, 0);
        let mut filled = start;
        while filled < buf.len() {
            let n = file.read(&mut buf[filled..]).map_err(io_err)?;
            if n == 0 {
                eof = true;
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        // Keep the incomplete last line for the next block.
        let body_end = if eof {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None => 0, // no complete line yet: keep reading
            }
        };
        carry.extend_from_slice(&buf[body_end..]);
        let mut body = &buf[..body_end];
        if names.is_none() {
            if body.is_empty() {
                if eof {
                    return Err(DataError::EmptyFile {
                        path: path.to_path_buf(),
                    });
                }
                continue;
            }
            let end = memchr::memchr(b'\n', body).map_or(body.len(), |i| i + 1);
            let mut header = &body[..end];
            header = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header);
            let header = std::str::from_utf8(trim_eol(header)).map_err(|_| DataError::NotUtf8 {
                path: path.to_path_buf(),
                line: 1,
                column: "header".into(),
            })?;
            let cols: Vec<String> = header
                .split(delimiter as char)
                .map(|s| s.trim().trim_matches('"').to_string())
                .collect();
            // Reserve the whole matrix from the header-to-size ratio of the first block.
            let first_rows = memchr::memchr_iter(b'\n', &body[end..]).count().max(1);
            let per_row = (body.len() - end) as f64 / first_rows as f64;
            let est_rows = ((file_len - end) as f64 / per_row.max(1.0) * 1.01) as usize + 16;
            data.reserve_exact(est_rows * cols.len());
            names = Some(cols);
            body = &body[end..];
            line_no += 1;
        }
        let n_cols = names.as_ref().map_or(0, Vec::len);
        let pieces = split_lines(body, rayon::current_num_threads() * 4);
        let parsed: Vec<PieceResult> = pieces
            .par_iter()
            .map(|piece| parse_piece(piece, n_cols, delimiter))
            .collect();
        for res in parsed {
            match res {
                Ok((values, rows, lines)) => {
                    data.extend_from_slice(&values);
                    n_rows += rows;
                    line_no += lines;
                }
                Err((offset, problem)) => {
                    let line = line_no + offset;
                    return Err(match problem {
                        LineProblem::NotNumeric { column, value } => DataError::NotNumeric {
                            path: path.to_path_buf(),
                            line,
                            column: names
                                .as_ref()
                                .and_then(|n| n.get(column))
                                .cloned()
                                .unwrap_or_default(),
                            value,
                        },
                        LineProblem::Ragged { found } => DataError::Ragged {
                            path: path.to_path_buf(),
                            line,
                            expected: n_cols,
                            found,
                        },
                    });
                }
            }
        }
    }
    let names = names.ok_or_else(|| DataError::EmptyFile {
        path: path.to_path_buf(),
    })?;
    if n_rows == 0 {
        return Err(DataError::NoRows {
            path: path.to_path_buf(),
        });
    }
    data.shrink_to_fit();
    let n_cols = names.len();
    Ok(NumericCsv {
        names,
        matrix: Matrix {
            data,
            n_rows,
            n_cols,
        },
    })
}

fn trim_eol(s: &[u8]) -> &[u8] {
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    s.strip_suffix(b"\r").unwrap_or(s)
}

/// Splits `body` into about `n` pieces, each ending at a line end.
fn split_lines(body: &[u8], n: usize) -> Vec<&[u8]> {
    let target = body.len() / n.max(1) + 1;
    let mut pieces = Vec::with_capacity(n + 1);
    let mut start = 0;
    while start < body.len() {
        let want = (start + target).min(body.len());
        let end = if want >= body.len() {
            body.len()
        } else {
            memchr::memchr(b'\n', &body[want..]).map_or(body.len(), |i| want + i + 1)
        };
        pieces.push(&body[start..end]);
        start = end;
    }
    pieces
}

/// What is wrong with a line of the fast path.
enum LineProblem {
    NotNumeric { column: usize, value: String },
    Ragged { found: usize },
}

/// Values, rows and lines of a piece, or the offending line's offset within it.
type PieceResult = std::result::Result<(Vec<f32>, usize, u64), (u64, LineProblem)>;

/// Parses complete lines into row-major values.
fn parse_piece(piece: &[u8], n_cols: usize, delimiter: u8) -> PieceResult {
    let mut out = Vec::with_capacity(piece.len() / 4);
    let mut rows = 0usize;
    let mut lines = 0u64;
    let body = piece.strip_suffix(b"\n").unwrap_or(piece);
    for line in body.split(|&b| b == b'\n') {
        let offset = lines;
        lines += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let before = out.len();
        for (column, field) in line.split(|&b| b == delimiter).enumerate() {
            if column >= n_cols {
                break;
            }
            let Some(value) = parse_field(field) else {
                let value = shorten(&String::from_utf8_lossy(field));
                return Err((offset, LineProblem::NotNumeric { column, value }));
            };
            out.push(value);
        }
        if out.len() - before != n_cols || line.split(|&b| b == delimiter).nth(n_cols).is_some() {
            let found = line.split(|&b| b == delimiter).count();
            return Err((offset, LineProblem::Ragged { found }));
        }
        rows += 1;
    }
    Ok((out, rows, lines))
}

#[inline]
fn parse_field(field: &[u8]) -> Option<f32> {
    let f = trim_ascii(field);
    let f = f
        .strip_prefix(b"\"")
        .and_then(|f| f.strip_suffix(b"\""))
        .unwrap_or(f);
    match fast_float2::parse::<f32, _>(f) {
        Ok(v) if !v.is_nan() => Some(v),
        _ if DEFAULT_MISSING.iter().any(|m| m.as_bytes() == f) => Some(f32::NAN),
        _ => None,
    }
}

#[inline]
fn trim_ascii(s: &[u8]) -> &[u8] {
    let mut a = 0;
    let mut b = s.len();
    while a < b && s[a].is_ascii_whitespace() {
        a += 1;
    }
    while b > a && s[b - 1].is_ascii_whitespace() {
        b -= 1;
    }
    &s[a..b]
}
