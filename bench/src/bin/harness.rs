//! Runs the release binaries under a fake Lambda Runtime API and times them;
//! the work is in the `bench` library's `harness` module. See BENCHMARKS.md.
//!
//! ```text
//! harness [--bin-dir target/release] [--invocations 5000] [--rounds 10] [--cold 20]
//!         [--dynamodb http://127.0.0.1:PORT] [--logins 100] [--only name,name]
//!         [--pin split|same|none] [--variant name=dir ...] [--env KEY=VALUE ...]
//! harness criterion-table [target/criterion]
//! ```

use std::path::Path;

use bench::harness::{args, report, run};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("criterion-table") {
        args.next();
        let dir = args.next().unwrap_or_else(|| "target/criterion".into());
        return report::criterion_table(Path::new(&dir));
    }
    let args = match args::parse_args(args) {
        Ok(args) => args,
        Err(err) => {
            eprintln!("harness: {err}");
            std::process::exit(2);
        }
    };
    if let Err(err) = run::run(&args) {
        eprintln!("harness: FAILED: {err}");
        std::process::exit(1);
    }
}
