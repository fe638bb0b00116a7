//! Delimited text (CSV/TSV) into a [`Table`], inferring each column's kind as it reads.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::error::{DataError, Result};
use crate::table::{Column, ColumnData, ColumnKind, MISSING_CODE, Table};

/// Text that marks a missing value by default (as pandas does, compared after trimming).
pub const DEFAULT_MISSING: &[&str] = &[
    "", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", "<NA>", "#N/A", "-NaN", "-nan",
];

/// How to read a table.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Field delimiter; `None` means `\t` for `.tsv` files and `,` otherwise.
    pub delimiter: Option<u8>,
    /// Text that marks a missing value.
    pub missing: Vec<String>,
    /// Column kinds that override inference, by column name.
    pub kinds: HashMap<String, ColumnKind>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            delimiter: None,
            missing: DEFAULT_MISSING.iter().map(|s| s.to_string()).collect(),
            kinds: HashMap::new(),
        }
    }
}

/// Reads a delimited text file.
pub fn read_csv_file(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let is_tsv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let delimiter = opts.delimiter.unwrap_or(if is_tsv { b'\t' } else { b',' });
    read_csv(
        std::io::BufReader::with_capacity(1 << 20, file),
        path,
        delimiter,
        opts,
    )
}

/// Reads delimited text from any reader; `path` is used in error messages.
pub fn read_csv<R: Read>(
    reader: R,
    path: &Path,
    delimiter: u8,
    opts: &ReadOptions,
) -> Result<Table> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let csv_err = |e: csv::Error| map_csv_error(e, path);
    let headers = rdr.byte_headers().map_err(csv_err)?.clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(DataError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let names = header_names(&headers, path)?;
    for (k, _) in opts.kinds.iter() {
        if !names.contains(k) {
            return Err(DataError::UnknownColumn {
                name: k.clone(),
                suggestion: crate::error::closest(k, names.iter().map(String::as_str)),
                available: names.clone(),
            });
        }
    }
    let mut builders: Vec<Builder> = names
        .iter()
        .map(|n| Builder::new(opts.kinds.get(n).copied()))
        .collect();
    let missing: Vec<&[u8]> = opts.missing.iter().map(|s| s.as_bytes()).collect();
    let mut record = csv::ByteRecord::new();
    let mut n_rows = 0usize;
    while rdr.read_byte_record(&mut record).map_err(csv_err)? {
        let line = record.position().map_or(0, |p| p.line());
        for (j, field) in record.iter().enumerate() {
            let b = &mut builders[j];
            if missing.contains(&field) {
                b.push_missing();
            } else {
                b.push(field).map_err(|e| match e {
                    PushError::NotUtf8 => DataError::NotUtf8 {
                        path: path.to_path_buf(),
                        line,
                        column: names[j].clone(),
                    },
                    PushError::NotNumeric => DataError::NotNumeric {
                        path: path.to_path_buf(),
                        line,
                        column: names[j].clone(),
                        value: shorten(&String::from_utf8_lossy(field)),
                    },
                })?;
            }
        }
        n_rows += 1;
    }
    if n_rows == 0 {
        return Err(DataError::NoRows {
            path: path.to_path_buf(),
        });
    }
    let columns = names
        .into_iter()
        .zip(builders)
        .map(|(name, b)| {
            let data = b.finish().map_err(|message| DataError::BadColumn {
                column: name.clone(),
                message,
            })?;
            Ok(Column { name, data })
        })
        .collect::<Result<Vec<_>>>()?;
    Table::new(columns, path.display().to_string())
}

fn header_names(headers: &csv::ByteRecord, path: &Path) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(headers.len());
    for (j, h) in headers.iter().enumerate() {
        let name = std::str::from_utf8(h).map_err(|_| DataError::NotUtf8 {
            path: path.to_path_buf(),
            line: 1,
            column: format!("header field {}", j + 1),
        })?;
        let name = if name.is_empty() {
            format!("column_{}", j + 1)
        } else {
            name.to_string()
        };
        if names.contains(&name) {
            return Err(DataError::Csv {
                path: path.to_path_buf(),
                line: 1,
                message: format!("the header names column '{name}' twice; rename one of them"),
            });
        }
        names.push(name);
    }
    Ok(names)
}

fn map_csv_error(e: csv::Error, path: &Path) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Io {
            path: path.to_path_buf(),
            source,
        },
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => DataError::Ragged {
            path: path.to_path_buf(),
            line: pos.map_or(line, |p| p.line()),
            expected: expected_len as usize,
            found: len as usize,
        },
        csv::ErrorKind::Utf8 { pos, .. } => DataError::NotUtf8 {
            path: path.to_path_buf(),
            line: pos.map_or(line, |p| p.line()),
            column: "?".into(),
        },
        other => DataError::Csv {
            path: path.to_path_buf(),
            line,
            message: format!("{other:?}"),
        },
    }
}

/// Shortens a value for an error message.
pub(crate) fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

enum PushError {
    NotUtf8,
    NotNumeric,
}

/// Accumulates one column, numeric until a value proves it is text.
enum Builder {
    Numeric {
        values: Vec<f64>,
        forced: Option<ColumnKind>,
    },
    Text {
        codes: Vec<u32>,
        index: HashMap<String, u32>,
        levels: Vec<String>,
        forced: Option<ColumnKind>,
    },
}

impl Builder {
    fn new(forced: Option<ColumnKind>) -> Self {
        match forced {
            Some(ColumnKind::Categorical) | Some(ColumnKind::Boolean) => Builder::Text {
                codes: Vec::new(),
                index: HashMap::new(),
                levels: Vec::new(),
                forced,
            },
            _ => Builder::Numeric {
                values: Vec::new(),
                forced,
            },
        }
    }

    fn push_missing(&mut self) {
        match self {
            Builder::Numeric { values, .. } => values.push(f64::NAN),
            Builder::Text { codes, .. } => codes.push(MISSING_CODE),
        }
    }

    fn push(&mut self, field: &[u8]) -> std::result::Result<(), PushError> {
        if let Builder::Numeric { values, forced } = self {
            match fast_float2::parse::<f64, _>(field) {
                Ok(v) if !v.is_nan() => {
                    values.push(v);
                    return Ok(());
                }
                _ if *forced == Some(ColumnKind::Numeric) => {
                    return Err(if std::str::from_utf8(field).is_err() {
                        PushError::NotUtf8
                    } else {
                        PushError::NotNumeric
                    });
                }
                _ => self.become_text(),
            }
        }
        let Builder::Text {
            codes,
            index,
            levels,
            ..
        } = self
        else {
            unreachable!()
        };
        let text = std::str::from_utf8(field).map_err(|_| PushError::NotUtf8)?;
        let code = match index.get(text) {
            Some(&c) => c,
            None => {
                let c = levels.len() as u32;
                index.insert(text.to_string(), c);
                levels.push(text.to_string());
                c
            }
        };
        codes.push(code);
        Ok(())
    }

    /// Turns the numbers read so far into text labels.
    fn become_text(&mut self) {
        let Builder::Numeric { values, forced } = self else {
            return;
        };
        let mut text = Builder::Text {
            codes: Vec::with_capacity(values.capacity()),
            index: HashMap::new(),
            levels: Vec::new(),
            forced: *forced,
        };
        for &v in values.iter() {
            if v.is_nan() {
                text.push_missing();
            } else {
                let _ = text.push(crate::table::format_number(v).as_bytes());
            }
        }
        *self = text;
    }

    fn finish(self) -> std::result::Result<ColumnData, String> {
        match self {
            Builder::Numeric { values, .. } => Ok(ColumnData::Numeric(values)),
            Builder::Text {
                codes,
                levels,
                forced,
                ..
            } => {
                let as_bool: Option<Vec<bool>> = levels.iter().map(|l| parse_bool(l)).collect();
                match (forced, as_bool) {
                    (Some(ColumnKind::Boolean), None) => Err(format!(
                        "declared boolean but has values other than true/false/yes/no/1/0 (levels: {})",
                        levels
                            .iter()
                            .take(5)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    (None | Some(ColumnKind::Boolean), Some(map))
                        if forced.is_some() || is_word_bool(&levels) =>
                    {
                        Ok(ColumnData::Boolean(
                            codes
                                .iter()
                                .map(|&c| (c != MISSING_CODE).then(|| map[c as usize]))
                                .collect(),
                        ))
                    }
                    _ => Ok(sorted_categorical(codes, levels)),
                }
            }
        }
    }
}

/// Only true/false words (not 0/1 or yes/no) make a column boolean by inference.
fn is_word_bool(levels: &[String]) -> bool {
    !levels.is_empty()
        && levels
            .iter()
            .all(|l| l.eq_ignore_ascii_case("true") || l.eq_ignore_ascii_case("false"))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Sorts levels (numerically when all are numbers) and renumbers the codes to match.
pub(crate) fn sorted_categorical(codes: Vec<u32>, levels: Vec<String>) -> ColumnData {
    let mut order: Vec<usize> = (0..levels.len()).collect();
    let nums: Option<Vec<f64>> = levels.iter().map(|l| l.parse::<f64>().ok()).collect();
    match &nums {
        Some(n) => order.sort_by(|&a, &b| n[a].total_cmp(&n[b])),
        None => order.sort_by(|&a, &b| levels[a].cmp(&levels[b])),
    }
    let mut new_code = vec![0u32; levels.len()];
    for (new, &old) in order.iter().enumerate() {
        new_code[old] = new as u32;
    }
    let codes = codes
        .into_iter()
        .map(|c| {
            if c == MISSING_CODE {
                c
            } else {
                new_code[c as usize]
            }
        })
        .collect();
    let levels = order.into_iter().map(|i| levels[i].clone()).collect();
    ColumnData::Categorical { codes, levels }
}
