use std::process::ExitCode;

use admin::{AdminError, Cli, Command, Io, TerminalPrompt, commands};
use clap::Parser;
use common::logging::{LevelFilter, LogSettings};
use local_store::Store;

fn main() -> ExitCode {
    // Standard output is the commands' own (`secret` prints a key there): logs go to stderr, warnings and up.
    // aws-config warns while it looks for a region or credentials (a missing
    // profile file, no instance metadata), each with an SDK error's Debug
    // dump; what matters reaches the user as the command's one line. RUST_LOG
    // still shows them.
    let logging = LogSettings::from_lookup(&common::config::process_env).or_directives("warn,aws_config=error");
    common::logging::init_with_settings(logging, LevelFilter::WARN, std::io::stderr);
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
    let lookup = common::config::process_env;
    let store = match cli.command.may_create_store() {
        true => Store::open(&cli.store, &lookup).await?,
        false => Store::open_existing(&cli.store, &lookup).await?,
    };
    commands::run(&cli.command, &store, &mut io).await
}
