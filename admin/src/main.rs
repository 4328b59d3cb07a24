use std::process::ExitCode;

use admin::{AdminError, Cli, Command, Io, TerminalPrompt, commands};
use clap::Parser;
use common::logging::LevelFilter;

fn main() -> ExitCode {
    // Standard output is the commands' own (`secret` prints a key there): logs go to stderr, warnings and up.
    common::logging::init_for_operator(LevelFilter::WARN, std::io::stderr);
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
    let result = runtime.map_err(|err| AdminError::Other(format!("cannot start the async runtime: {err}")));
    result.and_then(|runtime| runtime.block_on(run(&cli))).map_or_else(admin::exit, |()| ExitCode::SUCCESS)
}

async fn run(cli: &Cli) -> Result<(), AdminError> {
    let (stdin, mut stdout, mut prompt) = (std::io::stdin(), std::io::stdout(), TerminalPrompt);
    let mut io = Io { stdin: &mut stdin.lock(), stdout: &mut stdout, prompt: &mut prompt };
    if cli.command == Command::Secret {
        return commands::secret(&mut io);
    }
    let store = commands::open_store(&cli.command, &cli.store, &common::config::process_env).await?;
    commands::run(&cli.command, &store, &mut io).await
}
