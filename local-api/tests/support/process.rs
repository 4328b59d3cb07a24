//! The `local-api` binary as a user starts it, its stdout read line by line.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Server {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Server {
    pub fn start(data_dir: &std::path::Path) -> Self {
        Self::start_with(data_dir, &[], &[("RUST_LOG", "info")])
    }

    /// The binary with these extra arguments and environment variables.
    pub fn start_with(data_dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_local-api"))
            .args(["--port", "0"])
            .args(args)
            .env("LOCAL_DATA_DIR", data_dir)
            .env_remove("JWT_SECRET")
            .env_remove("AUTHORIZER_TTL")
            .env_remove("PORT")
            .env_remove("RUST_LOG")
            .env_remove("AWS_LAMBDA_LOG_LEVEL")
            .env_remove("AWS_LAMBDA_LOG_FORMAT")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (sender, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines, seen: Vec::new() }
    }

    /// The URL the banner names.
    pub fn url(&mut self) -> String {
        let banner = self.wait_for("the token service on http://");
        banner.split(" on ").nth(1).unwrap().split(' ').next().unwrap().to_string()
    }

    /// Waits for a stdout line containing `needle`; returns it.
    pub fn wait_for(&mut self, needle: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(err) => panic!("no line with {needle:?} ({err}); so far: {:#?}", self.seen),
            }
        }
    }

    /// Stops the server; everything it printed.
    pub fn stop(mut self) -> String {
        // SIGINT, as Ctrl-C: the server stops gracefully. Our own child, by PID.
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let mut stderr = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        format!("{}\n{stderr}", self.seen.join("\n"))
    }
}
