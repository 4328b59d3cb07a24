use std::process::ExitCode;

use clap::Parser;
use common::logging::LevelFilter;

fn main() -> ExitCode {
    // The env file first, before any thread starts (it sets the process
    // environment the AWS SDK reads); then the flags again, which may come from it.
    if let Err(err) = local_api::cli::load_env_file(&local_api::Args::parse()) {
        eprintln!("local-api: {err}");
        return ExitCode::FAILURE;
    }
    let args = local_api::Args::parse();
    // The handlers log through tracing, as on Lambda (AWS_LAMBDA_LOG_LEVEL / RUST_LOG).
    common::logging::init_for_operator(LevelFilter::INFO, std::io::stdout);
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(local_api::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("local-api: {err}");
            ExitCode::FAILURE
        }
    }
}
