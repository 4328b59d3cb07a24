use std::process::ExitCode;

use admin::commands::{self, AdminError, Cli, Command, Io, TerminalPrompt};
use clap::Parser;
use common::config::process_env;
use local_api::store::{OpenError, Store};

fn main() -> ExitCode {
    // Standard output is the commands' own (`secret` prints a key there): logs go to stderr, warnings and up.
    common::logging::init_with_writer(common::logging::LevelFilter::WARN, std::io::stderr);
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| AdminError::Other(format!("cannot start the async runtime: {err}")))
        .and_then(|runtime| runtime.block_on(run(&cli)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("admin: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

async fn run(cli: &Cli) -> Result<(), AdminError> {
    let stdin = std::io::stdin();
    let mut stdin = stdin.lock();
    let mut stdout = std::io::stdout();
    let mut prompt = TerminalPrompt;
    let mut io = Io { stdin: &mut stdin, stdout: &mut stdout, prompt: &mut prompt };
    if cli.command == Command::Secret {
        return commands::secret(&mut io);
    }
    let store = Store::open(&cli.store, &process_env).await.map_err(|err| match err {
        OpenError::Config(err) => AdminError::Invalid(err.to_string()),
        OpenError::Store(err) => AdminError::from(err),
        OpenError::Untrusted(err) => AdminError::Other(err.to_string()),
    })?;
    commands::run(&cli.command, &store, &mut io).await
}
