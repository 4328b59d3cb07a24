//! The harness's command line.

use std::path::PathBuf;

pub const USAGE: &str = "usage: harness [--bin-dir target/release] [--invocations 5000] [--rounds 10] [--cold 20]
               [--dynamodb http://127.0.0.1:PORT] [--logins 100] [--only name,name]
               [--pin split|same|none] [--variant name=dir ...] [--env KEY=VALUE ...]
       harness criterion-table [target/criterion]
functions: raw-echo, noop, check-token, check-token-unauthorized, hello,
           authenticate, authenticate-wrong-password, authenticate-unknown-user (with --dynamodb)";

pub struct Args {
    pub bin_dir: PathBuf,
    pub invocations: usize,
    pub rounds: usize,
    pub cold: usize,
    pub dynamodb: Option<String>,
    pub logins: usize,
    pub only: Option<Vec<String>>,
    /// `name=dir` pairs: compare builds (profiles) of noop, check-token and hello in one run.
    pub variants: Vec<(String, PathBuf)>,
    pub pin: Pin,
    /// Extra environment for every function (`--env KEY=VALUE`).
    pub env: Vec<(String, String)>,
}

/// Where the harness and the functions run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// Harness on one CPU, the function on another: every answer crosses CPUs,
    /// as between Lambda's Runtime API server and the function.
    Split,
    /// Everything on one CPU: the latency is the CPU time on the critical path.
    Same,
    /// Wherever the scheduler puts them.
    None,
}

/// The arguments after the program's name. `Err` holds the message to print
/// (the usage itself for `--help`).
pub fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        bin_dir: PathBuf::from("target/release"),
        invocations: 5000,
        rounds: 10,
        cold: 20,
        dynamodb: None,
        logins: 100,
        only: None,
        variants: Vec::new(),
        pin: Pin::Split,
        env: Vec::new(),
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|_| format!("{flag}: not a number: {v}"));
        match flag.as_str() {
            "--bin-dir" => parsed.bin_dir = PathBuf::from(value()?),
            "--invocations" => parsed.invocations = number(value()?)?,
            "--rounds" => parsed.rounds = number(value()?)?.max(1),
            "--cold" => parsed.cold = number(value()?)?,
            "--dynamodb" => parsed.dynamodb = Some(value()?).filter(|v| !v.is_empty()),
            "--logins" => parsed.logins = number(value()?)?,
            "--only" => parsed.only = Some(value()?.split(',').map(str::to_string).collect()),
            "--pin" => {
                parsed.pin = match value()?.as_str() {
                    "split" => Pin::Split,
                    "same" => Pin::Same,
                    "none" => Pin::None,
                    other => return Err(format!("--pin {other}: expected split, same or none")),
                }
            }
            "--env" => {
                let v = value()?;
                let (key, val) = v.split_once('=').ok_or_else(|| format!("--env {v}: expected KEY=VALUE"))?;
                parsed.env.push((key.to_string(), val.to_string()));
            }
            "--variant" => {
                let v = value()?;
                let (name, dir) = v.split_once('=').ok_or_else(|| format!("--variant {v}: expected name=dir"))?;
                parsed.variants.push((name.to_string(), PathBuf::from(dir)));
            }
            "--help" | "-h" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_arguments() {
        let args = parse_args(
            ["--invocations", "10", "--rounds", "0", "--only", "noop,hello", "--dynamodb", ""]
                .into_iter()
                .map(String::from),
        )
        .unwrap();
        assert_eq!(args.invocations, 10);
        assert_eq!(args.rounds, 1);
        assert_eq!(args.only, Some(vec!["noop".to_string(), "hello".to_string()]));
        assert_eq!(args.dynamodb, None);
        assert!(parse_args(["--cold"].into_iter().map(String::from)).is_err());
        assert!(parse_args(["--what", "1"].into_iter().map(String::from)).is_err());
    }
}
