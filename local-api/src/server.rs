//! HTTP on 127.0.0.1 (axum routing, served by hyper) in front of the
//! [`Gateway`], with the one-line request log and limits on slow and large
//! clients.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::event::IncomingRequest;
use crate::gateway::{AuthorizerUse, Gateway};

/// The largest request body served; a larger one is answered 413. Far below
/// API Gateway's 10 MB: the service's requests are a few hundred bytes, and
/// every body is buffered whole before it reaches a handler.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long a client may take to send a request's line and headers before
/// the connection is closed, so a client that stops mid-request cannot hold a
/// connection (and its task) forever.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server allows a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    pub header_read_timeout: Duration,
    pub max_body_bytes: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self { header_read_timeout: HEADER_READ_TIMEOUT, max_body_bytes: MAX_BODY_BYTES }
    }
}

/// Where request lines go: stdout in the binary, a buffer in tests.
pub type RequestLog = Arc<dyn Fn(&str) + Send + Sync>;

/// The request log on stdout.
pub fn stdout_log() -> RequestLog {
    Arc::new(|line: &str| println!("{line}"))
}

/// The request log on stdout as JSON lines with a timestamp, the fields of
/// [`log_line`] and nothing more.
pub fn stdout_json_log() -> RequestLog {
    Arc::new(|line: &str| println!("{}", json_line(line, time::OffsetDateTime::now_utc())))
}

/// A [`log_line`] as a JSON object, with the time it was written.
pub fn json_line(line: &str, at: time::OffsetDateTime) -> String {
    let mut fields = line.split(' ');
    let mut next = || fields.next().unwrap_or_default();
    let (method, path, status, latency, authorizer) = (next(), next(), next(), next(), next());
    let timestamp = at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    serde_json::json!({
        "timestamp": timestamp,
        "method": method,
        "path": path,
        "status": status.parse::<u16>().ok(),
        "latency_ms": latency.trim_end_matches("ms").parse::<u64>().ok(),
        "authorizer": authorizer.trim_start_matches("authorizer="),
    })
    .to_string()
}

#[derive(Clone)]
struct AppState {
    gateway: Arc<Gateway>,
    log: RequestLog,
    port: u16,
    max_body_bytes: usize,
}

/// The axum app: every request goes to the gateway, which does its own
/// routing. It expects the client's address as a `ConnectInfo<SocketAddr>` extension.
pub fn router(gateway: Arc<Gateway>, log: RequestLog, port: u16, max_body_bytes: usize) -> axum::Router {
    axum::Router::new().fallback(serve_request).with_state(AppState { gateway, log, port, max_body_bytes })
}

/// `METHOD PATH STATUS LATENCYms authorizer=hit|miss|none`: no query string,
/// no header, no body, so never a token, a password or a secret.
pub fn log_line(
    method: &http::Method,
    path: &str,
    status: StatusCode,
    millis: u128,
    authorizer: AuthorizerUse,
) -> String {
    format!("{method} {path} {} {millis}ms authorizer={authorizer}", status.as_u16())
}

async fn serve_request(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let (response, authorizer) = match axum::body::to_bytes(body, state.max_body_bytes).await {
        Err(_) => {
            let body = r#"{"message":"Request Too Long"}"#;
            (
                (StatusCode::PAYLOAD_TOO_LARGE, [(http::header::CONTENT_TYPE, "application/json")], body)
                    .into_response(),
                AuthorizerUse::None,
            )
        }
        Ok(bytes) => {
            let incoming = IncomingRequest {
                method: &parts.method,
                path: &path,
                query: parts.uri.query(),
                headers: &parts.headers,
                body: &bytes,
                source_ip: peer.ip(),
                port: state.port,
            };
            let outcome = state.gateway.handle(incoming).await;
            let (response_parts, bytes) = outcome.response.into_parts();
            (Response::from_parts(response_parts, axum::body::Body::from(bytes)), outcome.authorizer)
        }
    };
    (state.log)(&log_line(&parts.method, &path, response.status(), started.elapsed().as_millis(), authorizer));
    response
}

/// A server running on its own task.
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Serves `gateway` on `listener` until [`RunningServer::stop`], with the default limits.
    pub fn start(gateway: Arc<Gateway>, listener: TcpListener, log: RequestLog) -> std::io::Result<Self> {
        Self::start_with(gateway, listener, log, ServerLimits::default())
    }

    /// Serves `gateway` on `listener` until [`RunningServer::stop`].
    pub fn start_with(
        gateway: Arc<Gateway>,
        listener: TcpListener,
        log: RequestLog,
        limits: ServerLimits,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = router(gateway, log, addr.port(), limits.max_body_bytes);
        let task = tokio::spawn(serve(listener, app, limits, stopped));
        Ok(Self { addr, shutdown: Some(shutdown), task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes the requests in flight, and returns.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        (&mut self.task).await.map_err(std::io::Error::other)?
    }
}

/// Accepts connections until `stopped`, then lets the requests in flight
/// finish. hyper directly rather than `axum::serve`, which has no header-read
/// timeout: hyper's needs a timer, which `axum::serve` does not give it.
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    limits: ServerLimits,
    stopped: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stopped);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let service = TowerToHyperService::new(app.clone().layer(axum::Extension(ConnectInfo(peer))));
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that times out, resets or sends garbage only ends its own connection.
            let _ = connection.await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_line_format() {
        assert_eq!(
            log_line(&http::Method::GET, "/hello", StatusCode::OK, 12, AuthorizerUse::Hit),
            "GET /hello 200 12ms authorizer=hit"
        );
        assert_eq!(
            log_line(&http::Method::POST, "/authenticate", StatusCode::UNAUTHORIZED, 0, AuthorizerUse::None),
            "POST /authenticate 401 0ms authorizer=none"
        );
    }

    #[test]
    fn json_log_lines_carry_the_same_fields_and_a_timestamp() {
        let line = log_line(&http::Method::GET, "/hello", StatusCode::OK, 12, AuthorizerUse::Hit);
        let at = time::OffsetDateTime::from_unix_timestamp(1_795_885_200).unwrap();
        let json: serde_json::Value = serde_json::from_str(&json_line(&line, at)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"timestamp": "2026-11-28T17:00:00Z", "method": "GET", "path": "/hello",
                "status": 200, "latency_ms": 12, "authorizer": "hit"})
        );
    }
}
