use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // The handlers log through tracing, as on Lambda (AWS_LAMBDA_LOG_LEVEL / RUST_LOG).
    common::logging::init(common::logging::LevelFilter::INFO);
    match local_api::run(local_api::Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("local-api: {err}");
            ExitCode::FAILURE
        }
    }
}
