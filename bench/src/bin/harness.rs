//! Runs the release binaries under a fake Lambda Runtime API and times them
//! (the `bench` library's `harness` module; see BENCHMARKS.md):
//! ```text
//! harness [--bin-dir target/release] [--invocations 5000] [--rounds 10] [--cold 20]
//!         [--dynamodb http://127.0.0.1:PORT] [--logins 100] [--only name,name]
//!         [--pin split|same|none] [--variant name=dir ...] [--env KEY=VALUE ...]
//! harness criterion-table [target/criterion]
//! ```

use bench::harness::{args, report, run};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("criterion-table") {
        let dir = args.nth(1).unwrap_or_else(|| "target/criterion".into());
        return report::criterion_table(std::path::Path::new(&dir));
    }
    let (message, code) = match args::parse_args(args).map(|args| run::run(&args)) {
        Ok(Ok(())) => return,
        Ok(Err(err)) => (format!("FAILED: {err}"), 1),
        Err(err) => (err, 2),
    };
    eprintln!("harness: {message}");
    std::process::exit(code);
}
