//! Renders a report input JSON file to HTML: `cargo run -p mosel-report --example render -- IN.json OUT.html`.
//! (The `mosel report` command does the same and also reads selection results.)

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: render INPUT.json OUTPUT.html");
        return std::process::ExitCode::from(2);
    };
    match mosel_report::read_input(input.as_ref())
        .and_then(|r| mosel_report::write_html(&r, output.as_ref()))
    {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
