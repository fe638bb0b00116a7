//! Rendering tests without a browser: every plot present for realistic inputs, edge cases
//! render with notes instead of panics, SVG is well-formed XML with escaped text, the
//! page is self-contained and deterministic, and bad files give typed errors.

mod common;

use common::*;
use mosel_report::*;

/// Every `<svg ...>...</svg>` of the page (inline SVGs are not nested).
fn svgs(html: &str) -> Vec<&str> {
    let mut out = vec![];
    let mut rest = html;
    while let Some(a) = rest.find("<svg") {
        let b = rest[a..].find("</svg>").expect("unclosed svg") + a + 6;
        out.push(&rest[a..b]);
        rest = &rest[b..];
    }
    out
}

fn plot_ids(html: &str) -> Vec<String> {
    svgs(html)
        .iter()
        .filter(|s| s.contains("class=\"plot\""))
        .map(|s| {
            let a = s.find("data-plot=\"").unwrap() + 11;
            let b = s[a..].find('"').unwrap() + a;
            s[a..b].to_string()
        })
        .collect()
}

fn check_page(html: &str, expected: &[&str]) {
    // Self-contained: no scripts, no external resources, no links out.
    assert!(!html.contains("<script"), "report must not contain scripts");
    for bad in [
        "src=",
        "<link",
        "@import",
        "url(http",
        "href=\"http",
        "@font-face",
    ] {
        assert!(
            !html.contains(bad),
            "report refers to an external resource: {bad}"
        );
    }
    let ids = plot_ids(html);
    for e in expected {
        assert!(ids.iter().any(|i| i == e), "plot {e} missing; have {ids:?}");
    }
    for s in svgs(html) {
        // Each SVG is well-formed XML (escaping works) and has no NaN coordinates.
        let doc = roxmltree::Document::parse(s)
            .unwrap_or_else(|e| panic!("malformed SVG ({e}): {}", &s[..s.len().min(300)]));
        for n in doc.descendants().filter(|n| n.is_element()) {
            for a in n.attributes() {
                let v = a.value();
                assert!(
                    !v.contains("NaN") && !v.contains("inf"),
                    "non-finite attribute {}={v}",
                    a.name()
                );
            }
        }
        // Non-empty: a plot draws more than its frame.
        if s.contains("class=\"plot\"") {
            let shapes = doc
                .descendants()
                .filter(|n| {
                    matches!(
                        n.tag_name().name(),
                        "path" | "circle" | "rect" | "line" | "polyline"
                    )
                })
                .count();
            assert!(shapes >= 3, "empty plot: {}", &s[..s.len().min(200)]);
        }
    }
}

/// Asserts two pages are equal, printing only the neighbourhood of the first difference.
fn assert_same(a: &str, b: &str, what: &str) {
    if a != b {
        let i = a
            .bytes()
            .zip(b.bytes())
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let lo = a.floor_char_boundary(i.saturating_sub(150));
        panic!(
            "{what}: pages differ at byte {i}:\n{}\n---\n{}",
            &a[lo..a.ceil_char_boundary((i + 150).min(a.len()))],
            &b[b.floor_char_boundary(lo)..b.ceil_char_boundary((i + 150).min(b.len()))]
        );
    }
}

#[test]
fn binary_fixture_renders_every_plot() {
    let input = fixture("breast_cancer.json");
    let html = render_html(&input);
    check_page(&html, BINARY_PLOTS);
    // Facts from the fixture reach the page.
    assert!(html.contains("svm-rbf(C=3)"));
    assert!(html.contains("★ best"));
    assert!(html.contains("≈ n.s."));
    assert!(html.contains("▼ worse"));
    assert!(html.contains("overfitting gap at epoch 28"));
    assert!(html.contains("@media print"));
    // Learning curves exist for both fits, and all 8 optimizers are in the legend.
    assert_eq!(
        plot_ids(&html)
            .iter()
            .filter(|p| *p == "learning-curve")
            .count(),
        2
    );
    for o in [
        "GD (full batch)",
        "SGD",
        "Momentum",
        "Nesterov",
        "Adam",
        "AdamW",
        "RMSprop",
        "Adagrad",
    ] {
        assert!(
            html.contains(&format!(">{o}</text>")),
            "{o} missing from the legend"
        );
    }
}

#[test]
fn regression_fixture_renders_every_plot() {
    let input = fixture("diabetes.json");
    let html = render_html(&input);
    check_page(&html, REGRESSION_PLOTS);
    // A regression report says the classification plots do not apply instead of
    // showing empty sections.
    assert!(html.contains("Not part of this report"));
    assert!(!html.contains("id=\"classification\""));
}

#[test]
fn rendering_is_deterministic() {
    let input = fixture("breast_cancer.json");
    assert_same(&render_html(&input), &render_html(&input), "two renders");
}

#[test]
fn fixtures_round_trip_through_json() {
    for name in ["breast_cancer.json", "diabetes.json"] {
        let input = fixture(name);
        let again = from_json_str(&to_json(&input)).unwrap();
        assert_same(&render_html(&again), &render_html(&input), name);
    }
    let edge = edge_input();
    let again = from_json_str(&to_json(&edge)).unwrap();
    assert_same(&render_html(&again), &render_html(&edge), "edge");
}

#[test]
fn edge_cases_render_with_notes() {
    let input = edge_input();
    let html = render_html(&input);
    check_page(&html, EDGE_PLOTS);
    // Escaping: markup in names is shown as text, never interpreted.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;b&gt;escaped&lt;/b&gt; note"));
    assert!(!html.contains('\u{0}') && !html.contains('\u{1b}'));
    // Long names are cut, with the full name as a tooltip.
    assert!(html.contains("…"));
    assert!(html.contains("<title>class0_very_long_feature_name_with_&lt;angle&gt;"));
    // Notes instead of broken plots.
    assert!(html.contains("No epochs were recorded"), "0 epochs");
    assert!(html.contains("the fit diverged"), "all-NaN history");
    assert!(
        html.contains("differ in length (50 vs 49)"),
        "mismatched ROC"
    );
    assert!(html.contains("Only the first 8 of 10 ROC curves"));
    assert!(html.contains("Only the first 6 of 7 learning curves"));
    assert!(html.contains("cannot be stated"), "no validation split");
    assert!(html.contains("⚠ diverged"));
    assert!(html.contains("histogram(s) skipped"));
    assert!(html.contains("beyond the first 40"));
    assert!(html.contains("Precision–recall curve “empty” skipped"));
    assert!(
        html.contains("Every 3rd label shown"),
        "100 classes thin their labels"
    );
    assert!(html.contains("No parameter importances"));
    assert!(
        html.contains("of 9999 rows drawn"),
        "thinned scatter (one NaN row dropped)"
    );
    // 100 × 100 confusion matrix: no per-cell numbers, but tooltips on non-zero cells.
    assert!(html.contains("true: c1\npredicted: c1"));
    // The page stays a sensible size even with 10 000 regression rows and 100 classes.
    assert!(html.len() < 3_000_000, "page is {} bytes", html.len());
}

#[test]
fn one_class_and_empty_inputs_render() {
    let html = render_html(&one_class_input());
    check_page(
        &html,
        &[
            "fold-scores",
            "confusion-counts",
            "confusion-normalized",
            "roc",
        ],
    );
    assert!(html.contains("100%"));
    let empty = ReportInput::new(Header {
        dataset: "d".into(),
        task: "binary".into(),
        mosel_version: "0.1.0".into(),
        ..Header::default()
    });
    let html = render_html(&empty);
    check_page(&html, &[]);
    assert!(html.contains("No leaderboard in these results"));
    assert!(html.contains("No learning curves"));
    assert!(html.contains("No confusion matrix"));
    assert!(html.contains("not stated"));
}

#[test]
fn malformed_shapes_are_notes_not_panics() {
    let mut input = one_class_input();
    input.confusion = Some(ConfusionMatrix {
        name: "bad".into(),
        labels: vec!["a".into(), "b".into()],
        counts: vec![vec![1.0, 2.0], vec![3.0]],
    });
    input.regression = Some(RegressionDiagnostics {
        name: "r".into(),
        actual: vec![1.0, 2.0],
        predicted: vec![1.0],
        metrics: vec![],
    });
    let html = render_html(&input);
    assert!(html.contains("should be 2 × 2"));
    assert!(html.contains("2 actual values but 1 predictions"));
}

#[test]
fn truncated_file_is_a_clear_error() {
    let text = std::fs::read_to_string(fixture_path("breast_cancer.json")).unwrap();
    let cut = &text[..text.len() / 2];
    let e = from_json_str(cut).unwrap_err();
    assert!(matches!(e, ReportError::Truncated { .. }), "{e:?}");
    assert!(e.to_string().contains("truncated"), "{e}");
    assert!(matches!(
        from_json_str("").unwrap_err(),
        ReportError::Truncated { .. }
    ));
}

#[test]
fn invalid_json_is_a_clear_error() {
    let e = from_json_str("{\"format\": \"mosel-report\", oops}").unwrap_err();
    assert!(
        matches!(e, ReportError::InvalidJson { line: 1, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("not valid JSON"), "{e}");
}

#[test]
fn other_versions_and_documents_are_rejected_by_name() {
    let e = from_json_str(
        r#"{"format": "mosel-report", "format_version": 2, "header": {"mosel_version": "0.7.0"}}"#,
    )
    .unwrap_err();
    match &e {
        ReportError::UnsupportedVersion {
            found: 2,
            supported: 1,
            written_by: Some(v),
        } => assert_eq!(v, "0.7.0"),
        other => panic!("{other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("mosel 0.7.0") && msg.contains("version 2") && msg.contains("reads version 1"),
        "{msg}"
    );
    let e =
        from_json_str(r#"{"format": "mosel-select-results", "format_version": 1}"#).unwrap_err();
    assert!(
        matches!(&e, ReportError::NotAReport { found: Some(f), .. } if f == "mosel-select-results"),
        "{e:?}"
    );
    let e = from_json_str("[1, 2, 3]").unwrap_err();
    assert!(
        matches!(e, ReportError::NotAReport { found: None, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("no \"format\" field"));
}

#[test]
fn wrong_field_types_are_schema_errors() {
    let e = from_json_str(
        r#"{"format": "mosel-report", "format_version": 1, "header": {"dataset": 3, "task": "binary", "mosel_version": "0.1.0"}}"#,
    )
    .unwrap_err();
    assert!(matches!(e, ReportError::Schema { .. }), "{e:?}");
    assert!(e.to_string().contains("invalid type"), "{e}");
    let e = from_json_str(r#"{"format": "mosel-report", "header": {}}"#).unwrap_err();
    assert!(e.to_string().contains("format_version"), "{e}");
}

#[test]
fn missing_file_is_an_io_error_with_the_path() {
    let e = read_input(std::path::Path::new("/nonexistent/results.json")).unwrap_err();
    assert!(matches!(e, ReportError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/results.json"));
}
