//! Loading real and malformed files: every bad input gets a clear error, never a panic.

use std::io::Write;
use std::path::{Path, PathBuf};

use mosel_data::matrix_csv::read_numeric_csv;
use mosel_data::source::load_file;
use mosel_data::{
    ColumnData, ColumnKind, DataError, DataSource, Problem, ReadOptions, Target, Task,
};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

fn load(bytes: &[u8]) -> Result<mosel_data::Table, DataError> {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", bytes);
    load_file(&p, &ReadOptions::default())
}

#[test]
fn reads_quotes_bom_missing_and_infers_kinds() {
    let t = load(
        b"\xEF\xBB\xBFid,name,flag,score\n1,\"Smith, J\",true,1.5\n2,NA,false,\n3,Lee,TRUE,2.5\n",
    )
    .unwrap();
    assert_eq!(t.names(), vec!["id", "name", "flag", "score"]);
    assert_eq!(t.n_rows, 3);
    assert_eq!(t.columns[0].kind(), ColumnKind::Numeric);
    assert_eq!(t.columns[1].kind(), ColumnKind::Categorical);
    assert_eq!(t.columns[1].text(0).as_deref(), Some("Smith, J"));
    assert!(t.columns[1].is_missing(1));
    assert_eq!(t.columns[2].kind(), ColumnKind::Boolean);
    match &t.columns[3].data {
        ColumnData::Numeric(v) => {
            assert_eq!(v[0], 1.5);
            assert!(v[1].is_nan());
        }
        other => panic!("score should be numeric, got {other:?}"),
    }
}

#[test]
fn custom_delimiter_and_type_override() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.txt", b"zip;city\n02134;Boston\n10001;NYC\n");
    let mut opts = ReadOptions {
        delimiter: Some(b';'),
        ..Default::default()
    };
    opts.kinds.insert("zip".into(), ColumnKind::Categorical);
    let t = load_file(&p, &opts).unwrap();
    assert_eq!(t.columns[0].kind(), ColumnKind::Categorical);
    assert_eq!(t.columns[0].text(0).as_deref(), Some("02134"));
}

#[test]
fn number_then_text_becomes_categorical() {
    let t = load(b"a\n1\n2\nx\n").unwrap();
    assert_eq!(t.columns[0].kind(), ColumnKind::Categorical);
    assert_eq!(t.columns[0].text(0).as_deref(), Some("1"));
    assert_eq!(t.columns[0].text(2).as_deref(), Some("x"));
}

#[test]
fn missing_file_names_the_path() {
    let err = load_file(Path::new("/nonexistent/data.csv"), &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/data.csv"), "{err}");
}

#[test]
fn empty_file_and_header_only() {
    assert!(matches!(
        load(b"").unwrap_err(),
        DataError::EmptyFile { .. }
    ));
    let err = load(b"a,b,c\n").unwrap_err();
    assert!(matches!(err, DataError::NoRows { .. }), "{err}");
}

#[test]
fn ragged_row_reports_its_line() {
    let err = load(b"a,b\n1,2\n3,4\n5\n").unwrap_err();
    match err {
        DataError::Ragged {
            line,
            expected,
            found,
            ..
        } => assert_eq!((line, expected, found), (4, 2, 1)),
        other => panic!("expected ragged, got {other}"),
    }
}

#[test]
fn forced_numeric_with_text_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"a,b\n1,2\n3,oops\n");
    let mut opts = ReadOptions::default();
    opts.kinds.insert("b".into(), ColumnKind::Numeric);
    let err = load_file(&p, &opts).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, DataError::NotNumeric { line: 3, .. }),
        "{msg}"
    );
    assert!(msg.contains("'b'") && msg.contains("oops"), "{msg}");
}

#[test]
fn non_utf8_bytes_are_reported() {
    let err = load(b"a,b\n1,caf\xe9\n").unwrap_err();
    assert!(matches!(err, DataError::NotUtf8 { line: 2, .. }), "{err}");
}

#[test]
fn ten_megabyte_single_line_does_not_hang() {
    let mut bytes = b"a,b\n1,".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 10 << 20));
    bytes.push(b'\n');
    let t = load(&bytes).unwrap();
    assert_eq!(t.n_rows, 1);
    assert_eq!(t.columns[1].text(0).unwrap().len(), 10 << 20);
}

#[test]
fn target_missing_lists_columns_and_suggests() {
    let t = DataSource::Bundled("diamonds".into())
        .load(&ReadOptions::default())
        .unwrap();
    let err = Problem::new(t, "prise", None).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("did you mean 'price'"), "{msg}");
    assert!(msg.contains("carat") && msg.contains("clarity"), "{msg}");
}

#[test]
fn target_all_missing_and_constant_feature() {
    let err = Problem::new(load(b"x,y\n1,\n2,NA\n").unwrap(), "y", None).unwrap_err();
    assert!(matches!(err, DataError::TargetAllMissing { .. }), "{err}");
    let p = Problem::new(load(b"x,c,y\n1,7,a\n2,7,b\n3,7,a\n").unwrap(), "y", None).unwrap();
    assert!(
        p.warnings.iter().any(|w| w.contains("'c'")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn task_inference_on_bundled_datasets() {
    let cases = [
        ("iris", "species", Task::Multiclass, 3),
        ("wine", "cultivar", Task::Multiclass, 3),
        ("breast-cancer", "diagnosis", Task::Binary, 2),
        ("digits", "digit", Task::Multiclass, 10),
        ("diabetes", "progression", Task::Regression, 0),
        ("diamonds", "price", Task::Regression, 0),
    ];
    for (name, target, task, classes) in cases {
        let t = DataSource::Bundled(name.into())
            .load(&ReadOptions::default())
            .unwrap();
        let d = mosel_data::datasets::find(name).unwrap();
        assert_eq!(
            (t.n_rows, t.columns.len() - 1),
            (d.rows, d.features),
            "{name}"
        );
        let p = Problem::new(t, target, None).unwrap();
        assert_eq!(p.task, task, "{name}");
        if let Target::Classes { labels, .. } = &p.target {
            assert_eq!(labels.len(), classes, "{name}");
        }
    }
}

#[test]
fn regression_on_text_target_is_refused() {
    let err = Problem::new(
        load(b"x,y\n1,a\n2,b\n").unwrap(),
        "y",
        Some(Task::Regression),
    )
    .unwrap_err();
    assert!(err.to_string().contains("--task"), "{err}");
}

#[test]
fn numeric_fast_path_matches_general_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b,c\n");
    for i in 0..5000 {
        text.push_str(&format!(
            "{},{},{}\n",
            i,
            (i as f64) * 0.25 - 3.0,
            if i % 7 == 0 {
                "NA".into()
            } else {
                format!("{}e-2", i)
            }
        ));
    }
    let p = write(dir.path(), "n.csv", text.as_bytes());
    let fast = read_numeric_csv(&p, b',').unwrap();
    let t = load_file(&p, &ReadOptions::default()).unwrap();
    assert_eq!(fast.names, vec!["a", "b", "c"]);
    assert_eq!((fast.matrix.n_rows, fast.matrix.n_cols), (5000, 3));
    for (j, col) in t.columns.iter().enumerate() {
        let ColumnData::Numeric(v) = &col.data else {
            panic!()
        };
        for (i, &want) in v.iter().enumerate() {
            let got = fast.matrix.row(i)[j];
            assert!(
                got.is_nan() == want.is_nan() && (got.is_nan() || got == want as f32),
                "row {i} col {j}"
            );
        }
    }
}

#[test]
fn numeric_fast_path_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad.csv", b"a,b\n1,2\n3,x\n");
    let err = read_numeric_csv(&p, b',').unwrap_err();
    assert!(
        matches!(err, DataError::NotNumeric { line: 3, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("'b'"), "{err}");
    let p = write(dir.path(), "ragged.csv", b"a,b\n1,2\n3\n");
    assert!(matches!(
        read_numeric_csv(&p, b',').unwrap_err(),
        DataError::Ragged { line: 3, .. }
    ));
    let p = write(dir.path(), "empty.csv", b"");
    assert!(matches!(
        read_numeric_csv(&p, b',').unwrap_err(),
        DataError::EmptyFile { .. }
    ));
    let p = write(dir.path(), "header.csv", b"a,b\n");
    assert!(matches!(
        read_numeric_csv(&p, b',').unwrap_err(),
        DataError::NoRows { .. }
    ));
}

#[test]
fn unknown_dataset_lists_names() {
    let err = DataSource::Bundled("irs".into())
        .load(&ReadOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("iris"), "{err}");
}

#[test]
fn parquet_fixture_loads_like_its_csv() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let pq = load_file(&dir.join("mixed.parquet"), &ReadOptions::default()).unwrap();
    let csv = load_file(&dir.join("mixed.csv"), &ReadOptions::default()).unwrap();
    assert_eq!(pq.names(), csv.names());
    assert_eq!(pq.n_rows, csv.n_rows);
    for (a, b) in pq.columns.iter().zip(&csv.columns) {
        assert_eq!(a.kind(), b.kind(), "{}", a.name);
        for i in 0..pq.n_rows {
            assert_eq!(a.text(i), b.text(i), "{} row {i}", a.name);
        }
    }
}
