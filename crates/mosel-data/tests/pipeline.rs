//! The preprocessing pipeline: statistics come from the fit rows only.

use mosel_data::{
    DataError, Impute, Pipeline, PipelineOptions, ReadOptions, Table, UnknownCategory,
};

fn table(text: &str) -> Table {
    mosel_data::csv_reader::read_csv(
        text.as_bytes(),
        std::path::Path::new("t.csv"),
        b',',
        &ReadOptions::default(),
    )
    .unwrap()
}

#[test]
fn standardizes_with_training_rows_only() {
    let t = table("x\n1\n3\n100\n");
    let p = Pipeline::fit(&t, Some(&[0, 1]), &PipelineOptions::default()).unwrap();
    let m = p.transform(&t, None).unwrap();
    // mean 2, population std 1 over the fit rows
    assert_eq!(m.data, vec![-1.0, 1.0, 98.0]);
}

#[test]
fn imputes_mean_median_mode() {
    let t = table("x\n1\n2\n9\nNA\n");
    for (impute, want) in [
        (Impute::Mean, 4.0f32),
        (Impute::Median, 2.0),
        (Impute::Mode, 1.0),
    ] {
        let opts = PipelineOptions {
            scale: false,
            impute,
            ..Default::default()
        };
        let p = Pipeline::fit(&t, None, &opts).unwrap();
        assert_eq!(p.transform(&t, None).unwrap().data[3], want, "{impute:?}");
    }
    let opts = PipelineOptions {
        impute: Impute::Reject,
        ..Default::default()
    };
    assert!(matches!(
        Pipeline::fit(&t, None, &opts).unwrap_err(),
        DataError::MissingValue { row: 4, .. }
    ));
}

#[test]
fn one_hot_with_unknown_and_cap() {
    let train = table("c,n\na,1\nb,2\na,3\nc,4\n");
    let opts = PipelineOptions {
        scale: false,
        ..Default::default()
    };
    let p = Pipeline::fit(&train, None, &opts).unwrap();
    assert_eq!(p.feature_names(), ["c=a", "c=b", "c=c", "n"]);
    let new = table("c,n\nb,5\nz,6\n");
    let m = p.transform(&new, None).unwrap();
    assert_eq!(m.data, vec![0.0, 1.0, 0.0, 5.0, 0.0, 0.0, 0.0, 6.0]);
    let strict = PipelineOptions {
        unknown: UnknownCategory::Error,
        ..opts.clone()
    };
    let p = Pipeline::fit(&train, None, &strict).unwrap();
    let err = p.transform(&new, None).unwrap_err();
    assert!(err.to_string().contains("'z'"), "{err}");
    let capped = PipelineOptions {
        max_categories: 2,
        ..opts
    };
    let p = Pipeline::fit(&train, None, &capped).unwrap();
    assert_eq!(p.feature_names(), ["c=a", "c=(other)", "n"]);
}

#[test]
fn transform_reports_missing_columns_and_survives_serde() {
    let p = Pipeline::fit(&table("a,b\n1,2\n3,4\n"), None, &PipelineOptions::default()).unwrap();
    let err = p.transform(&table("a\n1\n"), None).unwrap_err();
    assert!(err.to_string().contains("missing column(s): b"), "{err}");
    let back: Pipeline = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    assert_eq!(back, p);
}

/// `transform` works on blocks of rows: on many rows, in any order, it must give row by
/// row what transforming each row alone gives, for numeric, boolean and one-hot columns
/// with missing values, an "other" bucket and categories unseen at fit time (the rare
/// categories are cut by the cap).
#[test]
fn blocked_transform_equals_row_by_row() {
    let mut text = String::from("x,b,c\n");
    for i in 0..1000 {
        let x = if i % 17 == 3 {
            "NA".to_string()
        } else {
            format!("{}", (i * 37) % 101)
        };
        let b = ["true", "false", "NA"][i % 3];
        let c = if i % 13 == 5 {
            "NA".to_string()
        } else {
            format!("k{}", (i * 7) % 9)
        };
        text.push_str(&format!("{x},{b},{c}\n"));
    }
    let t = table(&text);
    let opts = PipelineOptions {
        max_categories: 5,
        ..Default::default()
    };
    let fit_rows: Vec<usize> = (0..1000).filter(|r| r % 4 != 0).collect();
    let p = Pipeline::fit(&t, Some(&fit_rows), &opts).unwrap();
    let rows: Vec<usize> = (0..1000).map(|i| (i * 389) % 1000).collect();
    let all = p.transform(&t, Some(&rows)).unwrap();
    let width = p.feature_names().len();
    assert_eq!(all.data.len(), rows.len() * width);
    for (i, &r) in rows.iter().enumerate() {
        let one = p.transform(&t, Some(&[r])).unwrap();
        assert_eq!(
            &all.data[i * width..(i + 1) * width],
            &one.data[..],
            "row {r}"
        );
    }
    // One-hot rows have exactly one 1 where the category (or its fill) is known.
    let onehot: Vec<usize> = (0..width)
        .filter(|&j| p.feature_names()[j].starts_with("c="))
        .collect();
    assert!(onehot.len() >= 2);
    for (i, r) in rows.iter().enumerate() {
        let ones = onehot
            .iter()
            .filter(|&&j| all.data[i * width + j] == 1.0)
            .count();
        assert_eq!(ones, 1, "row {r}");
    }
}
