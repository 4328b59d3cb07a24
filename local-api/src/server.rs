//! HTTP on 127.0.0.1 (axum) in front of the [`Gateway`], with the one-line request log.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::event::IncomingRequest;
use crate::gateway::{AuthorizerUse, Gateway};

/// API Gateway's payload limit.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Where request lines go: stdout in the binary, a buffer in tests.
pub type RequestLog = Arc<dyn Fn(&str) + Send + Sync>;

/// The request log on stdout.
pub fn stdout_log() -> RequestLog {
    Arc::new(|line: &str| println!("{line}"))
}

#[derive(Clone)]
struct AppState {
    gateway: Arc<Gateway>,
    log: RequestLog,
    port: u16,
}

/// The axum app: every request goes to the gateway, which does its own routing.
pub fn router(gateway: Arc<Gateway>, log: RequestLog, port: u16) -> axum::Router {
    axum::Router::new().fallback(serve_request).with_state(AppState { gateway, log, port })
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
    let (response, authorizer) = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
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
    /// Serves `gateway` on `listener` until [`RunningServer::stop`].
    pub fn start(gateway: Arc<Gateway>, listener: TcpListener, log: RequestLog) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = router(gateway, log, addr.port()).into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
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
}
