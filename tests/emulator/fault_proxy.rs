//! A fault-injecting HTTP proxy on 127.0.0.1 in front of the emulator: point
//! amiboard's endpoint at [`FaultProxy::url`] and make a named AWS operation
//! slow, silent, cut, or failing with a status (500, throttling), or take
//! the whole endpoint down and bring it back. One request per connection
//! (it asks the emulator to close after each answer); loopback only.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to do to a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward it after a pause.
    Delay(Duration),
    /// Forward it, but hold the answer back for a while (the work is done,
    /// the caller times out: a "slow reply").
    DelayReply(Duration),
    /// Read it and never answer (until the connection is dropped).
    Hang,
    /// Close the connection without an answer.
    Cut,
    /// Answer with this status and an AWS-style JSON error of this code.
    Status { status: u16, code: String },
    /// Answer as something that is not AWS would (a proxy's or a captive
    /// portal's page): this status, content type (none when empty) and body.
    Answer {
        status: u16,
        content_type: String,
        body: String,
    },
}

impl Fault {
    /// A 400 `ThrottlingException`.
    pub fn throttling() -> Fault {
        Fault::Status {
            status: 400,
            code: "ThrottlingException".to_string(),
        }
    }

    /// A 500 `InternalFailure`.
    pub fn internal() -> Fault {
        Fault::Status {
            status: 500,
            code: "InternalFailure".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
struct Rule {
    /// An operation name (`StartExecution`, `Scan`, `ReceiveMessage`) or `*`.
    operation: String,
    fault: Fault,
    /// How many more requests it applies to; `None` for all.
    remaining: Option<usize>,
}

#[derive(Debug, Default)]
struct Shared {
    rules: Vec<Rule>,
    /// Operations seen, in order (for assertions).
    seen: Vec<String>,
    down: bool,
}

/// The running proxy.
pub struct FaultProxy {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Listens on a free 127.0.0.1 port and forwards to `upstream`
    /// (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let state = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let state = state.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, &state).await;
                });
            }
        });
        FaultProxy {
            url: format!("http://127.0.0.1:{port}"),
            shared,
            task,
        }
    }

    /// Applies `fault` to the next `times` requests of `operation` (`*` for
    /// any), or to all of them with `None`.
    pub fn inject(&self, operation: &str, fault: Fault, times: Option<usize>) {
        self.lock().rules.push(Rule {
            operation: operation.to_string(),
            fault,
            remaining: times,
        });
    }

    /// Removes every fault.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Takes the endpoint down (every connection is cut) or brings it back.
    pub fn set_down(&self, down: bool) {
        self.lock().down = down;
    }

    /// The operations seen so far.
    pub fn seen(&self) -> Vec<String> {
        self.lock().seen.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reads one HTTP request: the head and a Content-Length body.
async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length = header(&head, "content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some((head, body)))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// The AWS operation of a request: `X-Amz-Target: Service.Operation` (JSON
/// protocols) or `Action=Operation` in a query-protocol body.
pub fn operation_of(head: &str, body: &[u8]) -> String {
    if let Some(target) = header(head, "x-amz-target") {
        return target.rsplit('.').next().unwrap_or(target).to_string();
    }
    let body = String::from_utf8_lossy(body);
    body.split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
        .map_or_else(|| "unknown".to_string(), str::to_string)
}

/// The fault for this operation, using up one of its count.
fn take_fault(shared: &Mutex<Shared>, operation: &str) -> (Option<Fault>, bool) {
    let mut state = shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    state.seen.push(operation.to_string());
    let down = state.down;
    let fault = state
        .rules
        .iter_mut()
        .find(|r| (r.operation == operation || r.operation == "*") && r.remaining != Some(0))
        .map(|rule| {
            if let Some(n) = rule.remaining.as_mut() {
                *n -= 1;
            }
            rule.fault.clone()
        });
    (fault, down)
}

async fn serve(
    mut client: TcpStream,
    upstream: &str,
    shared: &Mutex<Shared>,
) -> std::io::Result<()> {
    let Some((head, body)) = read_request(&mut client).await? else {
        return Ok(());
    };
    let operation = operation_of(&head, &body);
    let (fault, down) = take_fault(shared, &operation);
    if down {
        return Ok(()); // dropped: the connection is cut
    }
    let mut hold_reply = None;
    match fault {
        Some(Fault::Delay(pause)) => tokio::time::sleep(pause).await,
        Some(Fault::DelayReply(pause)) => hold_reply = Some(pause),
        Some(Fault::Hang) => {
            // Keep the connection open and silent until the caller gives up.
            let mut sink = [0u8; 1024];
            while client.read(&mut sink).await.is_ok_and(|n| n > 0) {}
            return Ok(());
        }
        Some(Fault::Cut) => return Ok(()),
        Some(Fault::Status { status, code }) => {
            // The error in the request's own protocol: JSON for X-Amz-Target
            // services, XML for the query protocol (STS, SNS).
            let (kind, body) = if header(&head, "x-amz-target").is_some() {
                (
                    "application/x-amz-json-1.0",
                    format!(
                        "{{\"__type\":\"{code}\",\"message\":\"injected by the fault proxy\"}}"
                    ),
                )
            } else {
                (
                    "text/xml",
                    format!(
                        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected by the fault proxy</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>"
                    ),
                )
            };
            let reply = format!(
                "HTTP/1.1 {status} Injected\r\ncontent-type: {kind}\r\nx-amzn-errortype: {code}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(reply.as_bytes()).await?;
            return client.shutdown().await;
        }
        Some(Fault::Answer {
            status,
            content_type,
            body,
        }) => {
            let kind = if content_type.is_empty() {
                String::new()
            } else {
                format!("content-type: {content_type}\r\n")
            };
            let reply = format!(
                "HTTP/1.1 {status} Not AWS\r\n{kind}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(reply.as_bytes()).await?;
            return client.shutdown().await;
        }
        None => {}
    }
    // Forward with `Connection: close`, so one answer ends the exchange.
    let mut forwarded = String::new();
    for line in head.trim_end_matches("\r\n\r\n").split("\r\n") {
        let name = line.split(':').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("connection") {
            continue;
        }
        forwarded.push_str(line);
        forwarded.push_str("\r\n");
    }
    forwarded.push_str("connection: close\r\n\r\n");
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(forwarded.as_bytes()).await?;
    server.write_all(&body).await?;
    let mut reply = Vec::new();
    server.read_to_end(&mut reply).await?;
    if let Some(pause) = hold_reply {
        tokio::time::sleep(pause).await;
    }
    client.write_all(&reply).await?;
    client.shutdown().await
}

#[tokio::test]
async fn the_proxy_forwards_and_injects_by_operation() {
    use amiboard::aws::ports::Identify;
    let moto = crate::support::moto();
    let proxy = FaultProxy::start(&moto.url).await;
    let settings = amiboard::aws::ConnectSettings {
        profile: None,
        region: Some("us-east-1".to_string()),
        endpoint_url: Some(proxy.url.clone()),
    };
    let clients =
        amiboard::aws::client::connect_with_static_credentials(&settings, "testing", "testing")
            .await
            .expect("clients");
    let identity = clients.who_am_i().await.expect("forwarded");
    assert_eq!(identity.account, "123456789012");
    proxy.inject("GetCallerIdentity", Fault::internal(), Some(3));
    let err = clients.who_am_i().await.expect_err("injected 500s");
    assert!(
        err.to_string().contains("injected by the fault proxy"),
        "{err}"
    );
    // The SDK retried: three attempts, all failed.
    let attempts = proxy.seen().len();
    assert_eq!(attempts, 4, "one forwarded call, then three attempts");
    proxy.clear();
    proxy.set_down(true);
    assert!(clients.who_am_i().await.is_err(), "down");
    proxy.set_down(false);
    assert!(clients.who_am_i().await.is_ok(), "back");
    assert!(proxy.seen().iter().all(|op| op == "GetCallerIdentity"));
}
