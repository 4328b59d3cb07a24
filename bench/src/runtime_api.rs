//! A fake Lambda Runtime API on 127.0.0.1, and the function processes that use it.
//!
//! Each connection gets a reader thread that parses requests, stamps the time
//! each one was fully received, and hands it to the driving thread, which
//! answers on the same connection. A latency is the time from the moment the
//! answer to `/next` was written to the moment the function's `/response` (or
//! `/error`) was fully read: exactly what Lambda waits for.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::affinity;
use crate::http::{self, Message};

pub const API_PREFIX: &str = "/2018-06-01/runtime";

/// What a request to the Runtime API asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call<'a> {
    Next,
    Response(&'a str),
    Error(&'a str),
    InitError,
    Unknown,
}

/// Classifies a request line's method and path.
pub fn classify<'a>(method: &str, target: &'a str) -> Call<'a> {
    let path = target.split('?').next().unwrap_or_default();
    let Some(rest) = path.strip_prefix(API_PREFIX) else {
        return Call::Unknown;
    };
    match (method, rest) {
        ("GET", "/invocation/next") => Call::Next,
        ("POST", "/init/error") => Call::InitError,
        ("POST", rest) => {
            let Some(rest) = rest.strip_prefix("/invocation/") else {
                return Call::Unknown;
            };
            match rest.rsplit_once('/') {
                Some((id, "response")) if !id.is_empty() && !id.contains('/') => Call::Response(id),
                Some((id, "error")) if !id.is_empty() && !id.contains('/') => Call::Error(id),
                _ => Call::Unknown,
            }
        }
        _ => Call::Unknown,
    }
}

/// One request from a function, with the connection to answer on.
pub struct Incoming {
    pub message: Message,
    /// When the request had been read completely.
    pub received: Instant,
    stream: Arc<TcpStream>,
}

impl Incoming {
    pub fn call(&self) -> Call<'_> {
        match self.message.request_line() {
            Some((method, target)) => classify(method, target),
            None => Call::Unknown,
        }
    }

    /// Answers the request; returns the instant the answer had been handed to the kernel.
    pub fn respond(&self, status: u16, headers: &[(&str, &str)], body: &[u8]) -> io::Result<Instant> {
        http::write_response(&*self.stream, status, headers, body)?;
        Ok(Instant::now())
    }
}

/// The server: a listener and the queue of requests its connections read.
pub struct RuntimeApi {
    addr: SocketAddr,
    rx: Receiver<Result<Incoming, String>>,
}

impl RuntimeApi {
    pub fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new().name(format!("accept-{}", addr.port())).spawn(move || {
            for stream in listener.incoming() {
                match stream {
                    Ok(stream) => serve_connection(stream, tx.clone()),
                    Err(err) => {
                        let _ = tx.send(Err(format!("accept failed: {err}")));
                    }
                }
            }
        })?;
        Ok(Self { addr, rx })
    }

    /// The value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn host_port(&self) -> String {
        self.addr.to_string()
    }

    pub fn recv(&self, timeout: Duration) -> Result<Incoming, String> {
        match self.rx.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(format!("no request from the function within {timeout:?}")),
            Err(RecvTimeoutError::Disconnected) => Err("the Runtime API server stopped".into()),
        }
    }
}

fn serve_connection(stream: TcpStream, tx: Sender<Result<Incoming, String>>) {
    let _ = stream.set_nodelay(true);
    let reader = match stream.try_clone() {
        Ok(reader) => reader,
        Err(err) => {
            let _ = tx.send(Err(format!("cannot clone the connection: {err}")));
            return;
        }
    };
    let stream = Arc::new(stream);
    let spawned = std::thread::Builder::new().name("conn".into()).spawn(move || {
        let mut reader = BufReader::new(reader);
        loop {
            match http::read_message(&mut reader) {
                Ok(Some(message)) => {
                    let received = Instant::now();
                    if tx.send(Ok(Incoming { message, received, stream: stream.clone() })).is_err() {
                        return;
                    }
                }
                // The function closed the connection (or was killed).
                Ok(None) => return,
                Err(err) if err.kind() == io::ErrorKind::ConnectionReset => return,
                Err(err) => {
                    let _ = http::write_response(&*stream, 400, &[("Connection", "close")], b"");
                    let _ = tx.send(Err(format!("unreadable request from the function: {err}")));
                    return;
                }
            }
        }
    });
    if let Err(err) = spawned {
        eprintln!("cannot start a connection thread: {err}");
    }
}

/// A function binary and the environment it runs with.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    pub name: String,
    pub exe: PathBuf,
    /// The function's own configuration (JWT_SECRET, ...), on top of the Lambda variables.
    pub env: Vec<(String, String)>,
    /// The CPUs it may run on (`None`: those of the harness).
    pub cpus: Option<Vec<usize>>,
    /// Keep everything it prints, for [`FunctionProcess::finish`] (tests);
    /// otherwise only the last lines, to explain failures.
    pub keep_output: bool,
}

/// What the function answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Response(Vec<u8>),
    Error { error_type: Option<String>, body: Vec<u8> },
}

/// Resident memory in KiB: the peak (VmHWM), and the current anonymous
/// (heap, stacks) and file-backed (the binary's pages) parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    pub peak_kib: u64,
    pub anon_kib: u64,
    pub file_kib: u64,
}

#[derive(Debug, Clone)]
pub struct Invocation {
    pub latency: Duration,
    pub outcome: Outcome,
}

/// The last lines a function printed, kept to explain failures; how much it
/// printed; and, when asked for, all of it.
#[derive(Default)]
struct LogTail {
    lines: VecDeque<String>,
    bytes: u64,
    all: Option<String>,
}

const TAIL_LINES: usize = 20;
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A running function, waiting on `/next` between invocations.
pub struct FunctionProcess {
    pub name: String,
    child: Child,
    pending_next: Option<Incoming>,
    /// From just before `spawn` to the first `/next` fully received.
    pub cold_start: Duration,
    logs: Arc<Mutex<LogTail>>,
    drains: Vec<std::thread::JoinHandle<()>>,
    invocations: u64,
}

impl FunctionProcess {
    /// Starts the function as Lambda does and waits for its first `/next`.
    pub fn spawn(spec: &FunctionSpec, api: &RuntimeApi) -> Result<Self, String> {
        let mut command = Command::new(&spec.exe);
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", api.host_port())
            .env("AWS_LAMBDA_FUNCTION_NAME", &spec.name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]00000000000000000000000000000000")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", spec.name))
            .env("AWS_REGION", "us-east-1")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("TZ", ":UTC")
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The child inherits the spawning thread's affinity: set it around the
        // spawn rather than in a pre_exec hook, which would cost a fork.
        let restore = match &spec.cpus {
            Some(cpus) => {
                let before = affinity::allowed().map_err(|e| format!("sched_getaffinity: {e}"))?;
                affinity::restrict(cpus).map_err(|e| format!("sched_setaffinity {cpus:?}: {e}"))?;
                Some(before)
            }
            None => None,
        };
        let started = Instant::now();
        let spawned = command.spawn();
        if let Some(before) = restore {
            affinity::restrict(&before).map_err(|e| format!("sched_setaffinity {before:?}: {e}"))?;
        }
        let mut child = spawned.map_err(|e| format!("cannot start {}: {e}", spec.exe.display()))?;
        let logs = Arc::new(Mutex::new(LogTail { all: spec.keep_output.then(String::new), ..LogTail::default() }));
        let mut drains = Vec::new();
        if let Some(out) = child.stdout.take() {
            drains.extend(drain(BufReader::new(out), logs.clone()));
        }
        if let Some(err) = child.stderr.take() {
            drains.extend(drain(BufReader::new(err), logs.clone()));
        }
        let mut process = Self {
            name: spec.name.clone(),
            child,
            pending_next: None,
            cold_start: Duration::ZERO,
            logs,
            drains,
            invocations: 0,
        };
        let next = process.expect_next(api)?;
        process.cold_start = next.received.duration_since(started);
        process.pending_next = Some(next);
        Ok(process)
    }

    fn fail(&mut self, problem: impl std::fmt::Display) -> String {
        // Give the pipes a moment so the tail holds the function's last words.
        if let Ok(Some(status)) = self.child.try_wait() {
            std::thread::sleep(Duration::from_millis(50));
            return format!("{}: {problem} (exited: {status}){}", self.name, self.log_tail());
        }
        format!("{}: {problem}{}", self.name, self.log_tail())
    }

    fn log_tail(&self) -> String {
        let logs = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        if logs.lines.is_empty() {
            return String::new();
        }
        let lines: Vec<&str> = logs.lines.iter().map(String::as_str).collect();
        format!("\n  its last output:\n    {}", lines.join("\n    "))
    }

    /// Bytes the function wrote to stdout and stderr so far.
    pub fn log_bytes(&self) -> u64 {
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).bytes
    }

    fn expect_next(&mut self, api: &RuntimeApi) -> Result<Incoming, String> {
        let incoming = api.recv(TIMEOUT).map_err(|e| self.fail(e))?;
        match incoming.call() {
            Call::Next => Ok(incoming),
            Call::InitError => {
                let _ = incoming.respond(202, &[], b"{\"status\":\"OK\"}");
                let body = String::from_utf8_lossy(&incoming.message.body).into_owned();
                Err(self.fail(format!("init error reported: {body}")))
            }
            other => {
                let _ = incoming.respond(400, &[], b"");
                Err(self.fail(format!("expected GET /next, got {other:?} ({})", incoming.message.start_line)))
            }
        }
    }

    /// Sends one event and waits for the answer; then waits for the next `/next`.
    pub fn invoke(&mut self, api: &RuntimeApi, request_id: &str, event: &[u8]) -> Result<Invocation, String> {
        let next = self.pending_next.take().ok_or_else(|| self.fail("no /next pending"))?;
        let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + Duration::from_secs(30);
        let deadline = deadline.as_millis().to_string();
        self.invocations += 1;
        let n = self.invocations;
        let trace = format!("Root=1-67890abc-{n:024x};Parent={n:016x};Sampled=0;Lineage=1:abcdef01:0");
        let arn = format!("arn:aws:lambda:us-east-1:123456789012:function:{}", self.name);
        let headers = [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", deadline.as_str()),
            ("Lambda-Runtime-Invoked-Function-Arn", arn.as_str()),
            ("Lambda-Runtime-Trace-Id", trace.as_str()),
        ];
        // Timed from just before the answer is written: stamping after the
        // write could come after a fast reply when this thread is preempted.
        let sent = Instant::now();
        next.respond(200, &headers, event).map_err(|e| self.fail(format!("cannot send the event: {e}")))?;
        let reply = api.recv(TIMEOUT).map_err(|e| self.fail(e))?;
        let latency = reply.received.saturating_duration_since(sent);
        let outcome = match reply.call() {
            Call::Response(id) if id == request_id => Outcome::Response(reply.message.body.clone()),
            Call::Error(id) if id == request_id => Outcome::Error {
                error_type: reply.message.header("Lambda-Runtime-Function-Error-Type").map(str::to_string),
                body: reply.message.body.clone(),
            },
            other => {
                let _ = reply.respond(400, &[], b"");
                return Err(self.fail(format!(
                    "expected the answer to {request_id}, got {other:?} ({})",
                    reply.message.start_line
                )));
            }
        };
        reply
            .respond(202, &[("Content-Type", "application/json")], b"{\"status\":\"OK\"}")
            .map_err(|e| self.fail(format!("cannot acknowledge: {e}")))?;
        self.pending_next = Some(self.expect_next(api)?);
        Ok(Invocation { latency, outcome })
    }

    /// Peak resident set size (VmHWM) in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        self.memory().map(|m| m.peak_kib)
    }

    /// The process's memory from /proc/<pid>/status.
    pub fn memory(&self) -> Option<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            line.split_whitespace().nth(1)?.parse().ok()
        };
        Some(Memory { peak_kib: field("VmHWM:")?, anon_kib: field("RssAnon:")?, file_kib: field("RssFile:")? })
    }

    /// CPU time of all the process's threads so far (from /proc/<pid>/task/*/schedstat, in ns).
    pub fn cpu_time(&self) -> Option<Duration> {
        let mut total = 0u64;
        for task in std::fs::read_dir(format!("/proc/{}/task", self.child.id())).ok()? {
            let schedstat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
            total += schedstat.split_whitespace().next()?.parse::<u64>().ok()?;
        }
        Some(Duration::from_nanos(total))
    }

    /// Stops the function (it is blocked on `/next`, as Lambda would freeze it).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the function and returns everything it printed on stdout and
    /// stderr, once both pipes are closed (`None` unless the spec asked to
    /// keep the output).
    pub fn finish(mut self) -> Option<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for drain in std::mem::take(&mut self.drains) {
            let _ = drain.join();
        }
        self.logs.lock().unwrap_or_else(|e| e.into_inner()).all.take()
    }
}

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The logging settings an operator could pick to see the most, for tests
/// that a function logs no secret whatever the level: TRACE for everything,
/// through each variable and format, and TRACE named for the very crates that
/// log payloads (a more specific directive than a plain level).
pub const VERBOSE_LOGGING: [&[(&str, &str)]; 3] = [
    &[("RUST_LOG", "trace")],
    &[("AWS_LAMBDA_LOG_LEVEL", "TRACE"), ("AWS_LAMBDA_LOG_FORMAT", "JSON")],
    &[(
        "RUST_LOG",
        "trace,lambda_runtime=trace,lambda_runtime::layers::api_response=trace,lambda_http=trace,hyper=trace,\
         hyper_util=trace,aws_smithy_runtime=trace,aws_smithy_http_client=trace,aws_sigv4=trace,aws_config=trace",
    )],
];

/// Runs the function with its output kept, sends it each event in turn and
/// stops it: its answers, and everything it printed.
pub fn run_capturing(spec: &FunctionSpec, events: &[Vec<u8>]) -> Result<(Vec<Outcome>, String), String> {
    let api = RuntimeApi::start().map_err(|e| format!("cannot start the Runtime API: {e}"))?;
    let spec = FunctionSpec { keep_output: true, ..spec.clone() };
    let mut process = FunctionProcess::spawn(&spec, &api)?;
    let mut outcomes = Vec::new();
    for (n, event) in events.iter().enumerate() {
        outcomes.push(process.invoke(&api, &format!("request-{n}"), event)?.outcome);
    }
    let output = process.finish().unwrap_or_default();
    Ok((outcomes, output))
}

fn drain<R: BufRead + Send + 'static>(mut reader: R, logs: Arc<Mutex<LogTail>>) -> Option<std::thread::JoinHandle<()>> {
    let spawned = std::thread::Builder::new().name("logs".into()).spawn(move || {
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    let mut logs = logs.lock().unwrap_or_else(|e| e.into_inner());
                    logs.bytes += n as u64;
                    if let Some(all) = logs.all.as_mut() {
                        all.push_str(&line);
                    }
                    if logs.lines.len() == TAIL_LINES {
                        logs.lines.pop_front();
                    }
                    logs.lines.push_back(line.trim_end().to_string());
                }
            }
        }
    });
    spawned.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_runtime_api_paths() {
        assert_eq!(classify("GET", "/2018-06-01/runtime/invocation/next"), Call::Next);
        assert_eq!(classify("POST", "/2018-06-01/runtime/invocation/abc-1/response"), Call::Response("abc-1"));
        assert_eq!(classify("POST", "/2018-06-01/runtime/invocation/abc-1/error"), Call::Error("abc-1"));
        assert_eq!(classify("POST", "/2018-06-01/runtime/init/error"), Call::InitError);
        for (method, path) in [
            ("POST", "/2018-06-01/runtime/invocation/next"),
            ("GET", "/2018-06-01/runtime/invocation/abc/response"),
            ("POST", "/2018-06-01/runtime/invocation//response"),
            ("POST", "/2018-06-01/runtime/invocation/a/b/response"),
            ("POST", "/2018-06-01/runtime/invocation/abc/other"),
            ("GET", "/2020-01-01/runtime/invocation/next"),
            ("GET", "/"),
        ] {
            assert_eq!(classify(method, path), Call::Unknown, "{method} {path}");
        }
    }

    #[test]
    fn serves_requests_over_a_persistent_connection() {
        use std::io::Write;
        let api = RuntimeApi::start().unwrap();
        let mut client = TcpStream::connect(api.host_port()).unwrap();
        let mut wire = Vec::new();
        http::write_request(&mut wire, "GET", "/2018-06-01/runtime/invocation/next", &[], b"").unwrap();
        client.write_all(&wire).unwrap();
        let next = api.recv(Duration::from_secs(5)).unwrap();
        assert_eq!(next.call(), Call::Next);
        next.respond(200, &[("Lambda-Runtime-Aws-Request-Id", "r1")], b"{\"x\":1}").unwrap();
        let mut reader = BufReader::new(client.try_clone().unwrap());
        let event = http::read_message(&mut reader).unwrap().unwrap();
        assert_eq!(event.header("lambda-runtime-aws-request-id"), Some("r1"));
        assert_eq!(event.body, b"{\"x\":1}");
        http::write_request(&client, "POST", "/2018-06-01/runtime/invocation/r1/response", &[], b"{}").unwrap();
        let reply = api.recv(Duration::from_secs(5)).unwrap();
        assert_eq!(reply.call(), Call::Response("r1"));
        assert_eq!(reply.message.body, b"{}");
    }
}
