//! Parquet files into a [`Table`]: numeric physical types become numeric columns, booleans
//! boolean, strings categorical.

use std::collections::HashMap;
use std::path::Path;

use parquet::basic::Type as Physical;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use crate::csv_reader::{ReadOptions, sorted_categorical};
use crate::error::{DataError, Result};
use crate::table::{Column, ColumnData, ColumnKind, MISSING_CODE, Table, format_number};

enum Acc {
    Num(Vec<f64>),
    Bool(Vec<Option<bool>>),
    Text {
        codes: Vec<u32>,
        index: HashMap<String, u32>,
        levels: Vec<String>,
    },
}

impl Acc {
    fn push_text(&mut self, s: String) {
        if let Acc::Text {
            codes,
            index,
            levels,
        } = self
        {
            let next = levels.len() as u32;
            let c = *index.entry(s.clone()).or_insert_with(|| {
                levels.push(s);
                next
            });
            codes.push(c);
        }
    }
}

/// Reads a Parquet file.
pub fn read_parquet_file(path: &Path, opts: &ReadOptions) -> Result<Table> {
    let pq_err = |e: parquet::errors::ParquetError| DataError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Err(DataError::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let reader = SerializedFileReader::new(file).map_err(pq_err)?;
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let mut names = Vec::new();
    let mut accs = Vec::new();
    for col in schema.columns() {
        let name = col.path().string();
        let forced = opts.kinds.get(&name).copied();
        let acc = match (forced, col.physical_type()) {
            (Some(ColumnKind::Categorical), _)
            | (None, Physical::BYTE_ARRAY | Physical::FIXED_LEN_BYTE_ARRAY) => Acc::Text {
                codes: Vec::new(),
                index: HashMap::new(),
                levels: Vec::new(),
            },
            (Some(ColumnKind::Boolean), _) | (None, Physical::BOOLEAN) => Acc::Bool(Vec::new()),
            _ => Acc::Num(Vec::new()),
        };
        names.push(name);
        accs.push(acc);
    }
    let rows = reader.get_row_iter(None).map_err(pq_err)?;
    for (r, row) in rows.enumerate() {
        let row = row.map_err(pq_err)?;
        for (j, (_, field)) in row.get_column_iter().enumerate().take(accs.len()) {
            push_field(&mut accs[j], field).map_err(|value| DataError::BadColumn {
                column: names[j].clone(),
                message: format!(
                    "row {}: value {value} does not fit the column's type; declare the column's type differently",
                    r + 1
                ),
            })?;
        }
    }
    let columns: Vec<Column> = names
        .into_iter()
        .zip(accs)
        .map(|(name, acc)| {
            let data = match acc {
                Acc::Num(v) => ColumnData::Numeric(v),
                Acc::Bool(v) => ColumnData::Boolean(v),
                Acc::Text { codes, levels, .. } => sorted_categorical(codes, levels),
            };
            Column { name, data }
        })
        .collect();
    let table = Table::new(columns, path.display().to_string())?;
    if table.n_rows == 0 {
        return Err(DataError::NoRows {
            path: path.to_path_buf(),
        });
    }
    Ok(table)
}

fn push_field(acc: &mut Acc, field: &Field) -> std::result::Result<(), String> {
    let num = match field {
        Field::Null => None,
        Field::Bool(b) => Some(f64::from(u8::from(*b))),
        Field::Byte(v) => Some(f64::from(*v)),
        Field::Short(v) => Some(f64::from(*v)),
        Field::Int(v) => Some(f64::from(*v)),
        Field::Long(v) => Some(*v as f64),
        Field::UByte(v) => Some(f64::from(*v)),
        Field::UShort(v) => Some(f64::from(*v)),
        Field::UInt(v) => Some(f64::from(*v)),
        Field::ULong(v) => Some(*v as f64),
        Field::Float(v) => Some(f64::from(*v)),
        Field::Double(v) => Some(*v),
        Field::Date(v) => Some(f64::from(*v)),
        Field::TimestampMillis(v) | Field::TimestampMicros(v) => Some(*v as f64),
        _ => None,
    };
    let is_null = matches!(field, Field::Null);
    match acc {
        Acc::Num(v) => match (num, field) {
            (Some(x), _) => v.push(x),
            (None, Field::Null) => v.push(f64::NAN),
            (None, Field::Str(s)) => match s.trim().parse::<f64>() {
                Ok(x) => v.push(x),
                Err(_) => return Err(format!("'{}'", crate::csv_reader::shorten(s))),
            },
            (None, other) => return Err(format!("{other}")),
        },
        Acc::Bool(v) => match field {
            Field::Null => v.push(None),
            Field::Bool(b) => v.push(Some(*b)),
            _ => match num {
                Some(x) if x == 0.0 || x == 1.0 => v.push(Some(x == 1.0)),
                _ => return Err(format!("{field}")),
            },
        },
        Acc::Text { codes, .. } => {
            if is_null {
                codes.push(MISSING_CODE);
            } else {
                let s = match (field, num) {
                    (Field::Str(s), _) => s.clone(),
                    (_, Some(x)) => format_number(x),
                    (other, None) => other.to_string(),
                };
                acc.push_text(s);
            }
        }
    }
    Ok(())
}
