//! The report as a person sees it: rendered reports are opened in headless Chromium.
//!
//! For each fixture (binary classification with tuning, regression, edge cases) the test
//! 1. loads the page with console logging on and fails on any console message (an
//!    invalid SVG attribute, for one, is logged there);
//! 2. loads an instrumented copy whose inline script measures every `svg.plot` in the
//!    browser (rendered size, bounding box of its content, number of shapes) and writes
//!    the result into the DOM, which `--dump-dom` prints; every expected plot must be
//!    present, visible and non-empty;
//! 3. takes a screenshot and decodes the PNG: it must not be blank (pixel variance,
//!    share of non-background pixels).
//!
//! Without Chromium the test prints "skipped: chromium not found (install Debian's
//! chromium package)" and passes, so `cargo test` works anywhere; set
//! `MOSEL_REQUIRE_CHROMIUM=1` (CI does) to make a missing browser a failure, and
//! `MOSEL_CHROMIUM=/path/to/chromium` to use another binary. Screenshots are left in
//! `target/tmp/mosel-report-browser/`.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use mosel_report::{ReportInput, render_html};

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MOSEL_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(c).exists() {
            return Some(PathBuf::from(c));
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// Runs chromium headless on `page` with extra arguments; returns (stdout, stderr).
fn chromium(bin: &Path, profile: &Path, page: &Path, extra: &[&str]) -> (String, String) {
    let _ = std::fs::remove_dir_all(profile);
    let mut cmd = Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    // Read both pipes on threads so a chatty browser cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let to = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let te = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > Duration::from_secs(120) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within 120 s on {}", page.display());
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("waiting for chromium: {e}"),
        }
    }
    (to.join().unwrap(), te.join().unwrap())
}

/// Console messages logged by the page (Chromium logs them as `CONSOLE` lines).
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

/// The measuring script: one entry per `svg.plot` with its rendered size, the bounding
/// box of its content and its number of shapes.
const PROBE: &str = r#"<script>
(function () {
  var out = [];
  document.querySelectorAll("svg.plot").forEach(function (s) {
    var r = s.getBoundingClientRect(), b = s.getBBox();
    out.push({plot: s.getAttribute("data-plot"), w: r.width, h: r.height, bw: b.width, bh: b.height,
              shapes: s.querySelectorAll("path,circle,rect,line,polyline,polygon").length,
              texts: s.querySelectorAll("text").length});
  });
  var pre = document.createElement("pre");
  pre.id = "mosel-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"#;

#[derive(Debug, serde::Deserialize)]
struct Measured {
    plot: String,
    w: f64,
    h: f64,
    bw: f64,
    bh: f64,
    shapes: usize,
    texts: usize,
}

fn decode_entities(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Luminance variance and share of pixels that differ from the top-left (background).
fn png_stats(path: &Path) -> (f64, f64, u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let ch = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Grayscale => 1,
        other => panic!("unexpected colour type {other:?}"),
    };
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let px = &buf[..info.buffer_size()];
    let lum = |p: &[u8]| {
        if ch >= 3 {
            0.2126 * p[0] as f64 + 0.7152 * p[1] as f64 + 0.0722 * p[2] as f64
        } else {
            p[0] as f64
        }
    };
    let bg = lum(&px[..ch]);
    let n = (px.len() / ch) as f64;
    let (mut sum, mut sq, mut differ) = (0.0, 0.0, 0usize);
    for p in px.chunks_exact(ch) {
        let l = lum(p);
        sum += l;
        sq += l * l;
        if (l - bg).abs() > 8.0 {
            differ += 1;
        }
    }
    let mean = sum / n;
    (
        sq / n - mean * mean,
        differ as f64 / n,
        info.width,
        info.height,
    )
}

fn check(bin: &Path, dir: &Path, name: &str, input: &ReportInput, expected: &[&str]) {
    let html = render_html(input);
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, &html).unwrap();

    // 1 + 3: the page as shipped, with console logging, and its screenshot.
    let shot = dir.join(format!("{name}.png"));
    let _ = std::fs::remove_file(&shot);
    let (_, stderr) = chromium(
        bin,
        &dir.join(format!("profile-{name}")),
        &page,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
        ],
    );
    let console = console_lines(&stderr);
    assert!(
        console.is_empty(),
        "{name}: console messages:\n{}",
        console.join("\n")
    );
    assert!(
        shot.exists(),
        "{name}: no screenshot was written; chromium said:\n{stderr}"
    );
    let (var, differ, w, h) = png_stats(&shot);
    assert_eq!((w, h), (1280, 2400), "{name}: screenshot size");
    assert!(
        var > 200.0,
        "{name}: screenshot looks blank (luminance variance {var:.1})"
    );
    assert!(
        differ > 0.03,
        "{name}: screenshot looks blank ({:.2}% non-background pixels)",
        differ * 100.0
    );

    // 2: every plot measured inside the browser.
    let probe_page = dir.join(format!("{name}-probe.html"));
    std::fs::write(
        &probe_page,
        html.replace("</body>", &format!("{PROBE}</body>")),
    )
    .unwrap();
    let (dom, stderr) = chromium(
        bin,
        &dir.join(format!("profile-{name}-probe")),
        &probe_page,
        &["--dump-dom", "--window-size=1280,900"],
    );
    let console = console_lines(&stderr);
    assert!(
        console.is_empty(),
        "{name} (probe): console messages:\n{}",
        console.join("\n")
    );
    let start = dom.find("<pre id=\"mosel-probe\">").unwrap_or_else(|| {
        panic!(
            "{name}: probe output missing from the DOM:\n{}",
            &dom[..dom.len().min(500)]
        )
    }) + 22;
    let end = dom[start..].find("</pre>").unwrap() + start;
    let measured: Vec<Measured> = serde_json::from_str(&decode_entities(&dom[start..end])).unwrap();
    for e in expected {
        let found: Vec<&Measured> = measured.iter().filter(|m| m.plot == *e).collect();
        assert!(
            !found.is_empty(),
            "{name}: plot {e} not in the page; have {:?}",
            measured.iter().map(|m| &m.plot).collect::<Vec<_>>()
        );
        for m in found {
            assert!(
                m.w > 100.0 && m.h > 80.0,
                "{name}: plot {e} renders at {}×{} px",
                m.w,
                m.h
            );
            assert!(
                m.bw > 50.0 && m.bh > 50.0,
                "{name}: plot {e} content box {}×{}",
                m.bw,
                m.bh
            );
            assert!(
                m.shapes >= 3 && m.texts >= 1,
                "{name}: plot {e} is empty ({} shapes, {} texts)",
                m.shapes,
                m.texts
            );
        }
    }
    println!(
        "{name}: {} plots OK, screenshot {} ({:.1}% ink)",
        measured.len(),
        shot.display(),
        differ * 100.0
    );
}

#[test]
fn reports_render_in_headless_chromium() {
    let Some(bin) = find_chromium() else {
        if std::env::var("MOSEL_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
            panic!(
                "chromium not found and MOSEL_REQUIRE_CHROMIUM=1 (install Debian's chromium package)"
            );
        }
        println!("skipped: chromium not found (install Debian's chromium package)");
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mosel-report-browser");
    std::fs::create_dir_all(&dir).unwrap();
    negative_controls(&bin, &dir);
    check(
        &bin,
        &dir,
        "breast_cancer",
        &fixture("breast_cancer.json"),
        BINARY_PLOTS,
    );
    check(
        &bin,
        &dir,
        "diabetes",
        &fixture("diabetes.json"),
        REGRESSION_PLOTS,
    );
    check(&bin, &dir, "edge_cases", &edge_input(), EDGE_PLOTS);
    check(
        &bin,
        &dir,
        "one_class",
        &one_class_input(),
        &["fold-scores", "confusion-counts", "confusion-normalized"],
    );
    // Printable: the print stylesheet lays the report out on A4 pages.
    let pdf = dir.join("breast_cancer.pdf");
    let _ = std::fs::remove_file(&pdf);
    chromium(
        &bin,
        &dir.join("profile-pdf"),
        &dir.join("breast_cancer.html"),
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
    );
    let bytes = std::fs::read(&pdf).expect("no PDF printed");
    assert!(
        bytes.starts_with(b"%PDF") && bytes.len() > 50_000,
        "PDF of {} bytes",
        bytes.len()
    );
    let pages = bytes
        .windows(10)
        .filter(|w| *w == b"/Type /Pag" || *w == b"/Type/Page")
        .count();
    assert!(pages >= 3, "printed report has {pages} pages");
}

/// The checks must be able to fail: a page with an invalid SVG attribute logs a console
/// error, and a blank page's screenshot is recognised as blank.
fn negative_controls(bin: &Path, dir: &Path) {
    let bad = dir.join("bad.html");
    std::fs::write(&bad, "<!DOCTYPE html><html><body><svg class=\"plot\"><path d=\"M 0 0 L NaN 5\"/></svg></body></html>").unwrap();
    let (_, stderr) = chromium(bin, &dir.join("profile-bad"), &bad, &["--dump-dom"]);
    assert!(
        !console_lines(&stderr).is_empty(),
        "an invalid SVG path did not show up as a console message:\n{stderr}"
    );
    let blank = dir.join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();
    let shot = dir.join("blank.png");
    chromium(
        bin,
        &dir.join("profile-blank"),
        &blank,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=400,300",
        ],
    );
    let (var, differ, _, _) = png_stats(&shot);
    assert!(
        var < 1.0 && differ < 0.001,
        "a blank page was not recognised as blank ({var}, {differ})"
    );
}
