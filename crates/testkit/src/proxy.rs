//! A fault-injecting HTTP/1.1 reverse proxy in front of moto.

use std::io::{BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::Error;
use crate::http::{self, RequestHead};

/// Upstream connect and I/O timeout.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);
/// Most request records kept (older ones are dropped).
const MAX_RECORDS: usize = 10_000;

/// What the proxy does to a request a rule picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// Answer HTTP 400 `ThrottlingException` / "Rate exceeded" without forwarding.
    Throttling,
    /// Answer HTTP 500 `InternalFailure` without forwarding.
    InternalFailure,
    /// Answer HTTP 503 `ServiceUnavailable` without forwarding.
    ServiceUnavailable,
    /// Forward to moto (the call takes effect there), then answer the client HTTP 500
    /// `InternalFailure` instead of moto's response: a retry duplicates the call.
    InternalFailureAfterForward,
    /// Close the connection without answering (a reset seen by the client).
    CloseConnection,
}

impl Fault {
    /// Whether the request reaches moto before the fault is shown.
    pub fn forwards_first(self) -> bool {
        matches!(self, Self::InternalFailureAfterForward)
    }

    /// Status, reason, AWS JSON error type, query-protocol code, XML fault type, message.
    fn shape(
        self,
    ) -> (
        u16,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ) {
        match self {
            Self::Throttling => (
                400,
                "Bad Request",
                "ThrottlingException",
                "Throttling",
                "Sender",
                "Rate exceeded",
            ),
            Self::ServiceUnavailable => (
                503,
                "Service Unavailable",
                "ServiceUnavailable",
                "ServiceUnavailable",
                "Receiver",
                "Service is unavailable. Please try again later.",
            ),
            Self::InternalFailure | Self::InternalFailureAfterForward | Self::CloseConnection => (
                500,
                "Internal Server Error",
                "InternalFailure",
                "InternalFailure",
                "Receiver",
                "We encountered an internal error. Please try again.",
            ),
        }
    }
}

/// Which of a rule's matching requests are faulted. Counting starts at 1 and covers
/// only the requests that match the rule's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Schedule {
    /// The first `n` matching requests.
    First(u64),
    /// Matching requests number `n`, `2n`, `3n`, … (`0` never fires).
    EveryNth(u64),
    /// Only matching request number `n`.
    Nth(u64),
    /// Every matching request.
    Always,
}

impl Schedule {
    fn fires(self, count: u64) -> bool {
        match self {
            Self::First(n) => count <= n,
            Self::EveryNth(n) => n > 0 && count.is_multiple_of(n),
            Self::Nth(n) => count == n,
            Self::Always => true,
        }
    }
}

/// One line of a [`FaultPlan`]: a fault, when it fires, and which requests it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    fault: Fault,
    schedule: Schedule,
    target_contains: Option<String>,
    path_contains: Option<String>,
}

impl FaultRule {
    /// A rule with an explicit schedule, matching every request.
    pub fn new(schedule: Schedule, fault: Fault) -> Self {
        Self {
            fault,
            schedule,
            target_contains: None,
            path_contains: None,
        }
    }

    /// Faults the first `n` matching requests.
    pub fn first(n: u64, fault: Fault) -> Self {
        Self::new(Schedule::First(n), fault)
    }

    /// Faults every `n`th matching request.
    pub fn every_nth(n: u64, fault: Fault) -> Self {
        Self::new(Schedule::EveryNth(n), fault)
    }

    /// Faults only the `n`th matching request.
    pub fn nth(n: u64, fault: Fault) -> Self {
        Self::new(Schedule::Nth(n), fault)
    }

    /// Faults every matching request.
    pub fn always(fault: Fault) -> Self {
        Self::new(Schedule::Always, fault)
    }

    /// Only requests whose `x-amz-target` header contains `needle` match, e.g.
    /// `"PutLogEvents"` or `"Logs_20140328.PutLogEvents"`. Requests without the header
    /// (query and REST protocols) never match.
    #[must_use]
    pub fn for_target(mut self, needle: impl Into<String>) -> Self {
        self.target_contains = Some(needle.into());
        self
    }

    /// Only requests whose path (with query string) contains `needle` match, for REST
    /// protocols, e.g. `"/2015-03-31/functions/"`.
    #[must_use]
    pub fn for_path(mut self, needle: impl Into<String>) -> Self {
        self.path_contains = Some(needle.into());
        self
    }

    fn matches(&self, target: Option<&str>, path: &str) -> bool {
        let target_ok = match (&self.target_contains, target) {
            (None, _) => true,
            (Some(needle), Some(target)) => target.contains(needle.as_str()),
            (Some(_), None) => false,
        };
        let path_ok = self
            .path_contains
            .as_deref()
            .is_none_or(|needle| path.contains(needle));
        target_ok && path_ok
    }
}

/// Which requests the proxy faults. Rules are checked in order; every rule counts each
/// request that matches its filters, and the first rule whose schedule fires decides
/// the fault. No rule firing: the request is forwarded untouched.
///
/// ```
/// use gatehouse_testkit::{Fault, FaultPlan, FaultRule};
/// // Throttle the first two PutLogEvents calls, and fail every 5th call of any kind
/// // after moto has applied it.
/// let plan = FaultPlan::new()
///     .rule(FaultRule::first(2, Fault::Throttling).for_target("Logs_20140328.PutLogEvents"))
///     .rule(FaultRule::every_nth(5, Fault::InternalFailureAfterForward));
/// # let _ = plan;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultPlan {
    rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// A plan with no rules: everything is forwarded.
    pub fn new() -> Self {
        Self::default()
    }

    /// Same as [`FaultPlan::new`], for readability at call sites.
    pub fn none() -> Self {
        Self::default()
    }

    /// Appends a rule.
    #[must_use]
    pub fn rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }
}

impl From<FaultRule> for FaultPlan {
    fn from(rule: FaultRule) -> Self {
        Self::new().rule(rule)
    }
}

/// What happened to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Forwarded, and moto's response passed back.
    Forwarded,
    /// Answered (or dropped) with this fault; with
    /// [`Fault::InternalFailureAfterForward`] moto saw it too.
    Faulted(Fault),
    /// Moto could not be reached or sent garbage; the client got HTTP 502.
    UpstreamError,
}

/// One request the proxy handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Request target (path and query).
    pub path: String,
    /// The `x-amz-target` header, if any.
    pub target: Option<String>,
    /// What the proxy did.
    pub outcome: Outcome,
}

/// A snapshot of the proxy's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProxyStats {
    /// Complete requests read from clients.
    pub requests_seen: u64,
    /// Requests answered (or dropped) with a fault.
    pub faults_injected: u64,
    /// Requests moto answered (including those faulted after forwarding).
    pub forwarded: u64,
}

#[derive(Debug)]
struct PlanState {
    rules: Vec<(FaultRule, u64)>,
}

impl PlanState {
    fn new(plan: FaultPlan) -> Self {
        Self {
            rules: plan.rules.into_iter().map(|r| (r, 0)).collect(),
        }
    }

    fn decide(&mut self, target: Option<&str>, path: &str) -> Option<Fault> {
        let mut chosen = None;
        for (rule, count) in &mut self.rules {
            if rule.matches(target, path) {
                *count += 1;
                if chosen.is_none() && rule.schedule.fires(*count) {
                    chosen = Some(rule.fault);
                }
            }
        }
        chosen
    }
}

#[derive(Debug)]
struct Shared {
    upstream_addr: SocketAddr,
    upstream_host: String,
    plan: Mutex<PlanState>,
    seen: AtomicU64,
    faults: AtomicU64,
    forwarded: AtomicU64,
    records: Mutex<Vec<RequestRecord>>,
    shutdown: AtomicBool,
    next_conn: AtomicU64,
    conns: Mutex<Vec<(u64, TcpStream)>>,
}

impl Shared {
    fn record(&self, head: &RequestHead, outcome: Outcome) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if records.len() >= MAX_RECORDS {
            records.remove(0);
        }
        records.push(RequestRecord {
            method: head.method.clone(),
            path: head.target.clone(),
            target: http::header(&head.headers, "x-amz-target").map(str::to_owned),
            outcome,
        });
    }
}

/// An HTTP/1.1 reverse proxy on `127.0.0.1:PORT` that forwards to a loopback upstream
/// (moto) and injects faults according to a [`FaultPlan`]. Keep-alive connections,
/// `Content-Length` and chunked request bodies and `Expect: 100-continue` are handled;
/// each forwarded request uses a fresh upstream connection. Dropping it stops and joins
/// its threads.
///
/// ```no_run
/// use gatehouse_testkit::{Fault, FaultProxy, FaultRule, MotoServer};
/// let moto = MotoServer::start()?;
/// let proxy = FaultProxy::start(
///     &moto.endpoint(),
///     FaultRule::first(2, Fault::Throttling).for_target("PutLogEvents").into(),
/// )?;
/// // Point the SDK client at proxy.endpoint(); then check proxy.stats().
/// # Ok::<(), gatehouse_testkit::Error>(())
/// ```
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<Vec<JoinHandle<()>>>>,
}

impl FaultProxy {
    /// Listens on a free loopback port and starts forwarding to `upstream`
    /// (`http://127.0.0.1:PORT`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidEndpoint`] for a non-loopback upstream, [`Error::Io`] when the
    /// listener or its thread cannot be set up.
    pub fn start(upstream: &str, plan: FaultPlan) -> Result<Self, Error> {
        let (upstream_addr, upstream_host) = http::loopback_addr(upstream)?;
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| Error::io("binding the fault proxy on 127.0.0.1:0", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the proxy address", e))?;
        let shared = Arc::new(Shared {
            upstream_addr,
            upstream_host,
            plan: Mutex::new(PlanState::new(plan)),
            seen: AtomicU64::new(0),
            faults: AtomicU64::new(0),
            forwarded: AtomicU64::new(0),
            records: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            next_conn: AtomicU64::new(0),
            conns: Mutex::new(Vec::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name(format!("fault-proxy-{}", addr.port()))
            .spawn(move || accept_loop(&listener, &accept_shared))
            .map_err(|e| Error::io("spawning the proxy accept thread", e))?;
        Ok(Self {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        })
    }

    /// The proxy's base URL, `http://127.0.0.1:PORT`: give it to the client under test.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the plan; the new rules count from zero. Counters and records stay.
    pub fn set_plan(&self, plan: FaultPlan) {
        *self
            .shared
            .plan
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = PlanState::new(plan);
    }

    /// Complete requests read from clients so far.
    pub fn requests_seen(&self) -> u64 {
        self.shared.seen.load(Ordering::SeqCst)
    }

    /// Requests answered (or dropped) with a fault so far.
    pub fn faults_injected(&self) -> u64 {
        self.shared.faults.load(Ordering::SeqCst)
    }

    /// Requests moto answered so far (including those faulted after forwarding).
    pub fn forwarded(&self) -> u64 {
        self.shared.forwarded.load(Ordering::SeqCst)
    }

    /// All three counters at once.
    pub fn stats(&self) -> ProxyStats {
        ProxyStats {
            requests_seen: self.requests_seen(),
            faults_injected: self.faults_injected(),
            forwarded: self.forwarded(),
        }
    }

    /// Every request handled so far (the latest 10,000), in completion order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared
            .records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        // Wake the blocking accept; it sees the flag and returns.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        let handles = accept_thread.join().unwrap_or_default();
        let conns: Vec<_> = std::mem::take(
            &mut *self
                .shared
                .conns
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for (_, stream) in conns {
            let _ = stream.shutdown(Shutdown::Both);
        }
        for handle in handles {
            let _ = handle.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) -> Vec<JoinHandle<()>> {
    let mut handles: Vec<JoinHandle<()>> = Vec::new();
    for conn in listener.incoming() {
        if shared.shutdown.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = conn else {
            thread::sleep(Duration::from_millis(10)); // e.g. out of file descriptors
            continue;
        };
        handles.retain(|h| !h.is_finished());
        let id = shared.next_conn.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            shared
                .conns
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((id, clone));
        }
        let conn_shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("fault-proxy-conn-{id}"))
            .spawn(move || {
                serve_connection(&conn_shared, &stream);
                let _ = stream.shutdown(Shutdown::Both);
                conn_shared
                    .conns
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .retain(|(other, _)| *other != id);
            });
        if let Ok(handle) = spawned {
            handles.push(handle);
        }
    }
    handles
}

fn serve_connection(shared: &Shared, stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream);
    let mut writer = stream;
    loop {
        let head = match http::read_request_head(&mut reader) {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(Error::Http(msg)) => {
                let body = aws_json_error("BadRequest", &format!("fault proxy: {msg}"));
                let headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
                let _ =
                    http::write_response(&mut writer, 400, "Bad Request", &headers, &body, true);
                return;
            }
            Err(_) => return,
        };
        if http::header(&head.headers, "expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
            && writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err()
        {
            return;
        }
        let Ok(body) = http::read_request_body(&mut reader, &head.headers) else {
            return;
        };
        let close = head.wants_close() || shared.shutdown.load(Ordering::SeqCst);
        shared.seen.fetch_add(1, Ordering::SeqCst);

        let fault = shared
            .plan
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .decide(http::header(&head.headers, "x-amz-target"), &head.target);

        let written = match fault {
            Some(Fault::CloseConnection) => {
                shared.faults.fetch_add(1, Ordering::SeqCst);
                shared.record(&head, Outcome::Faulted(Fault::CloseConnection));
                return;
            }
            Some(fault) if fault.forwards_first() => match forward(shared, &head, &body) {
                Ok(_) => {
                    shared.forwarded.fetch_add(1, Ordering::SeqCst);
                    shared.faults.fetch_add(1, Ordering::SeqCst);
                    shared.record(&head, Outcome::Faulted(fault));
                    write_fault(&mut writer, &head, fault, shared, close)
                }
                Err(err) => write_bad_gateway(&mut writer, shared, &head, &err, close),
            },
            Some(fault) => {
                shared.faults.fetch_add(1, Ordering::SeqCst);
                shared.record(&head, Outcome::Faulted(fault));
                write_fault(&mut writer, &head, fault, shared, close)
            }
            None => match forward(shared, &head, &body) {
                Ok(resp) => {
                    shared.forwarded.fetch_add(1, Ordering::SeqCst);
                    shared.record(&head, Outcome::Forwarded);
                    http::write_response(
                        &mut writer,
                        resp.status,
                        &resp.reason,
                        &resp.headers,
                        &resp.body,
                        close,
                    )
                }
                Err(err) => write_bad_gateway(&mut writer, shared, &head, &err, close),
            },
        };
        if written.is_err() || close {
            return;
        }
    }
}

fn forward(shared: &Shared, head: &RequestHead, body: &[u8]) -> Result<http::Response, Error> {
    let upstream =
        TcpStream::connect_timeout(&shared.upstream_addr, UPSTREAM_TIMEOUT).map_err(|e| {
            Error::io(
                format!("connecting to upstream {}", shared.upstream_addr),
                e,
            )
        })?;
    http::set_timeouts(&upstream, UPSTREAM_TIMEOUT)?;
    let _ = upstream.set_nodelay(true);
    let mut out = format!("{} {} HTTP/1.1\r\n", head.method, head.target);
    if http::header(&head.headers, "host").is_none() {
        out.push_str(&format!("Host: {}\r\n", shared.upstream_host));
    }
    for (name, value) in head.headers.iter().filter(|(n, _)| !http::is_hop_by_hop(n)) {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut message = out.into_bytes();
    message.extend_from_slice(body);
    let mut writer = &upstream;
    writer
        .write_all(&message)
        .and_then(|()| writer.flush())
        .map_err(|e| Error::io("sending a request upstream", e))?;
    http::read_response(&mut BufReader::new(&upstream), &head.method)
}

fn write_fault(
    writer: &mut impl Write,
    head: &RequestHead,
    fault: Fault,
    shared: &Shared,
    close: bool,
) -> std::io::Result<()> {
    let (status, reason, json_type, query_code, xml_type, message) = fault.shape();
    let request_id = format!("gatehouse-fault-{:08}", shared.seen.load(Ordering::SeqCst));
    let content_type = http::header(&head.headers, "content-type").unwrap_or("");
    let is_query = http::header(&head.headers, "x-amz-target").is_none()
        && content_type.contains("x-www-form-urlencoded");
    let (headers, body) = if is_query {
        let body = format!(
            "<ErrorResponse><Error><Type>{xml_type}</Type><Code>{query_code}</Code>\
             <Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        );
        (
            vec![("Content-Type".to_owned(), "text/xml".to_owned())],
            body.into_bytes(),
        )
    } else {
        let content_type = if content_type.starts_with("application/x-amz-json") {
            content_type.to_owned()
        } else {
            "application/json".to_owned()
        };
        (
            vec![
                ("Content-Type".to_owned(), content_type),
                ("x-amzn-errortype".to_owned(), json_type.to_owned()),
            ],
            aws_json_error(json_type, message),
        )
    };
    let mut headers = headers;
    headers.push(("x-amzn-requestid".to_owned(), request_id));
    http::write_response(writer, status, reason, &headers, &body, close)
}

fn write_bad_gateway(
    writer: &mut impl Write,
    shared: &Shared,
    head: &RequestHead,
    err: &Error,
    close: bool,
) -> std::io::Result<()> {
    shared.record(head, Outcome::UpstreamError);
    let body = aws_json_error("BadGateway", &format!("fault proxy: upstream error: {err}"));
    let headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    http::write_response(writer, 502, "Bad Gateway", &headers, &body, close)
}

fn aws_json_error(error_type: &str, message: &str) -> Vec<u8> {
    serde_json::json!({ "__type": error_type, "message": message })
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_count_only_matching_requests() {
        let mut state = PlanState::new(
            FaultPlan::new()
                .rule(FaultRule::first(2, Fault::Throttling).for_target("PutLogEvents"))
                .rule(FaultRule::every_nth(3, Fault::ServiceUnavailable)),
        );
        let put = Some("Logs_20140328.PutLogEvents");
        let create = Some("Logs_20140328.CreateLogStream");
        let got: Vec<_> = [put, create, put, put, create, None, put]
            .into_iter()
            .map(|t| state.decide(t, "/"))
            .collect();
        // every_nth(3) counts all seven requests (fires on the 3rd and 6th); the
        // throttle rule counts the four PutLogEvents and wins where both fire.
        assert_eq!(
            got,
            [
                Some(Fault::Throttling),
                None,
                Some(Fault::Throttling),
                None,
                None,
                Some(Fault::ServiceUnavailable),
                None
            ]
        );
    }

    #[test]
    fn nth_always_and_path_filters() {
        let mut state = PlanState::new(
            FaultPlan::new()
                .rule(FaultRule::nth(2, Fault::CloseConnection).for_path("/2015-03-31/functions"))
                .rule(FaultRule::always(Fault::InternalFailure).for_target("Kms")),
        );
        assert_eq!(
            state.decide(None, "/2015-03-31/functions/f/invocations"),
            None
        );
        assert_eq!(state.decide(Some("TrentService.Encrypt"), "/"), None);
        assert_eq!(
            state.decide(None, "/2015-03-31/functions/f/invocations"),
            Some(Fault::CloseConnection)
        );
        assert_eq!(
            state.decide(Some("Kms.X"), "/"),
            Some(Fault::InternalFailure)
        );
        assert_eq!(FaultPlan::none(), FaultPlan::new());
        assert!(!Schedule::EveryNth(0).fires(0));
    }
}
