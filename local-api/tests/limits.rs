//! The server against slow and large clients: a request whose headers never
//! finish loses its connection; a body over the limit is refused with 413.

mod support;

use std::time::Duration;

use local_api::server::{MAX_BODY_BYTES, ServerLimits};
use reqwest::StatusCode;
use support::{Harness, Options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far beyond the 1 s timeout the test sets: only a server that never closes fails it.
const BOUND: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_mid_headers_is_disconnected() {
    let limits = ServerLimits { header_read_timeout: Duration::from_secs(1), ..ServerLimits::default() };
    let api = Harness::start(Options { limits, ..Options::default() }).await;
    let mut slow = TcpStream::connect(api.server.addr).await.unwrap();
    slow.write_all(b"GET /hello HTTP/1.1\r\nHost: x\r\n").await.unwrap();

    // Meanwhile the server serves everyone else.
    assert_eq!(api.hello(None).await.status, StatusCode::UNAUTHORIZED);

    let closed = tokio::time::timeout(BOUND, async {
        let mut received = Vec::new();
        loop {
            let mut buffer = [0u8; 1024];
            match slow.read(&mut buffer).await {
                Ok(0) | Err(_) => return received,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    let received = closed.unwrap_or_else(|_| panic!("the connection is still open after {BOUND:?}"));
    // hyper closes without an answer: the client never finished a request.
    assert_eq!(String::from_utf8_lossy(&received), "");
    assert!(api.log_lines().iter().all(|line| !line.contains("/hello 200")), "{:?}", api.log_lines());
}

fn json_body_of(total: usize) -> String {
    let skeleton = r#"{"username":"alice","password":""}"#;
    let body = format!(r#"{{"username":"alice","password":"{}"}}"#, "p".repeat(total - skeleton.len()));
    assert_eq!(body.len(), total);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_up_to_64_kib_are_served_larger_ones_get_413() {
    assert_eq!(MAX_BODY_BYTES, 64 * 1024);
    assert_eq!(ServerLimits::default().max_body_bytes, MAX_BODY_BYTES);
    let api = Harness::start(Options::default()).await;
    let post =
        |body: String| api.client.post(api.url("/authenticate")).header("Content-Type", "application/json").body(body);

    // At the limit the handler gets it (and refuses a 64 KiB password as a bad request).
    let at_limit = api.send(post(json_body_of(MAX_BODY_BYTES))).await;
    assert_eq!(at_limit.status, StatusCode::BAD_REQUEST, "{}", at_limit.text);
    assert_eq!(at_limit.json()["error"], "invalid_request");

    let over = api.send(post(json_body_of(MAX_BODY_BYTES + 1))).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.text);
    assert_eq!(over.header("content-type"), Some("application/json"));
    assert_eq!(over.json(), serde_json::json!({"message": "Request Too Long"}));
    assert!(api.last_log_line().starts_with("POST /authenticate 413 "), "{}", api.last_log_line());

    // A chunked body, whose size is not announced, meets the same limit.
    let mut client = TcpStream::connect(api.server.addr).await.unwrap();
    let head = "POST /authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    let mut request = head.as_bytes().to_vec();
    for chunk in json_body_of(MAX_BODY_BYTES + 1).as_bytes().chunks(4096) {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    // One write: the server has it all when it answers, so closing resets nothing unread.
    client.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(BOUND, client.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(answer.ends_with(r#"{"message":"Request Too Long"}"#), "{answer}");
}
