//! A minimal HTTP/1.1 client for loopback endpoints, and the wire format shared with
//! the fault proxy.
//!
//! Enough HTTP for talking to moto without an AWS SDK: `Content-Length` and chunked
//! bodies, responses delimited by end of stream, one request per connection
//! (`Connection: close`). Only loopback hosts are accepted, so a typo cannot send test
//! traffic off the machine.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::Error;

/// The region the helpers put in their fake SigV4 credential scope.
pub const REGION: &str = "us-east-1";

/// The account moto uses when requests carry no real credentials.
pub const ACCOUNT_ID: &str = "123456789012";

/// Longest accepted request or status line or header line, in bytes.
const MAX_LINE: usize = 64 * 1024;
/// Most header lines accepted in one message.
const MAX_HEADERS: usize = 200;
/// Largest accepted body, in bytes.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// Connect and I/O timeout of the client.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);

/// An HTTP response, body fully read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code, e.g. 200.
    pub status: u16,
    /// Reason phrase, e.g. `OK`.
    pub reason: String,
    /// Header fields in the order received (names as sent).
    pub headers: Vec<(String, String)>,
    /// The decoded body (chunked encoding removed).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    ///
    /// # Errors
    ///
    /// [`Error::Http`] when the body is not JSON.
    pub fn json(&self) -> Result<serde_json::Value, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::Http(format!(
                "body is not json ({e}): {}",
                truncate(&self.text())
            ))
        })
    }
}

/// Sends one request to a loopback `endpoint` (`http://127.0.0.1:PORT`) and reads the
/// whole response. `path` includes the query string. `Host`, `Content-Length` and
/// `Connection: close` are added.
///
/// # Errors
///
/// [`Error::InvalidEndpoint`] for a non-loopback or malformed endpoint, [`Error::Io`]
/// when the connection fails, [`Error::Http`] for a malformed response.
pub fn send(
    endpoint: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Response, Error> {
    let (addr, host) = loopback_addr(endpoint)?;
    let stream = TcpStream::connect_timeout(&addr, CLIENT_TIMEOUT)
        .map_err(|e| Error::io(format!("connecting to `{endpoint}`"), e))?;
    set_timeouts(&stream, CLIENT_TIMEOUT)?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut writer = &stream;
    writer
        .write_all(head.as_bytes())
        .and_then(|()| writer.write_all(body))
        .and_then(|()| writer.flush())
        .map_err(|e| Error::io(format!("sending {method} {path} to `{endpoint}`"), e))?;
    let mut reader = BufReader::new(&stream);
    read_response(&mut reader, method)
}

/// POSTs an AWS JSON-protocol call (`x-amz-target: Logs_20140328.CreateLogGroup`) with a
/// fake SigV4 `Authorization` header whose credential scope names `service` (e.g.
/// `logs`, `states`, `sqs`, `dynamodb`, `kms`): moto's server routes on that scope.
///
/// # Errors
///
/// As [`send`].
pub fn aws_json(
    endpoint: &str,
    service: &str,
    target: &str,
    body: &str,
) -> Result<Response, Error> {
    let auth = fake_authorization(service);
    send(
        endpoint,
        "POST",
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", target),
            ("Authorization", &auth),
        ],
        body.as_bytes(),
    )
}

/// A syntactically valid, unverifiable SigV4 `Authorization` header for `service` in
/// [`REGION`]; moto does not check signatures.
pub fn fake_authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/{REGION}/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000"
    )
}

/// Resolves a loopback `http://host:port` endpoint to a socket address and the
/// `host:port` text for the `Host` header.
pub(crate) fn loopback_addr(endpoint: &str) -> Result<(SocketAddr, String), Error> {
    let invalid = || Error::InvalidEndpoint(endpoint.to_owned());
    let rest = endpoint.strip_prefix("http://").ok_or_else(invalid)?;
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') {
        return Err(invalid());
    }
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    let host_ok = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
        || host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .and_then(|h| h.parse::<std::net::Ipv6Addr>().ok())
            .is_some_and(|ip| ip.is_loopback());
    if !host_ok || !authority.contains(':') {
        return Err(invalid());
    }
    let addr = authority
        .to_socket_addrs()
        .map_err(|_| invalid())?
        .find(|a| a.ip().is_loopback())
        .ok_or_else(invalid)?;
    Ok((addr, authority.to_owned()))
}

pub(crate) fn set_timeouts(stream: &TcpStream, timeout: Duration) -> Result<(), Error> {
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| Error::io("setting socket timeouts", e))
}

/// The first header named `name` (case-insensitive) in `headers`.
pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub(crate) fn truncate(text: &str) -> String {
    const MAX: usize = 2000;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
        None => text.to_owned(),
    }
}

/// A request as read by the proxy: head parsed, body not yet read.
#[derive(Debug)]
pub(crate) struct RequestHead {
    pub(crate) method: String,
    pub(crate) target: String,
    pub(crate) version: String,
    pub(crate) headers: Vec<(String, String)>,
}

impl RequestHead {
    /// Whether the client wants the connection closed after this exchange.
    pub(crate) fn wants_close(&self) -> bool {
        let connection = header(&self.headers, "connection")
            .unwrap_or("")
            .to_ascii_lowercase();
        if self.version.eq_ignore_ascii_case("HTTP/1.0") {
            !connection.contains("keep-alive")
        } else {
            connection.split(',').any(|t| t.trim() == "close")
        }
    }
}

/// Reads one line ending in CRLF (or LF), without the line ending. `Ok(None)` at end of
/// stream before any byte.
fn read_line(reader: &mut impl BufRead) -> Result<Option<String>, Error> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_LINE as u64 + 2)
        .read_until(b'\n', &mut line)
        .map_err(|e| Error::io("reading an http line", e))?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(Error::Http(if n > MAX_LINE {
            "line too long".to_owned()
        } else {
            "connection closed mid-line".to_owned()
        }));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| Error::Http("non-utf8 header line".to_owned()))
}

fn read_headers(reader: &mut impl BufRead) -> Result<Vec<(String, String)>, Error> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?
            .ok_or_else(|| Error::Http("connection closed inside the header block".to_owned()))?;
        if line.is_empty() {
            return Ok(headers);
        }
        if headers.len() >= MAX_HEADERS {
            return Err(Error::Http("too many header fields".to_owned()));
        }
        let (name, value) = line.split_once(':').ok_or_else(|| {
            Error::Http(format!("header line without colon: `{}`", truncate(&line)))
        })?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
}

/// Reads a request line and headers. `Ok(None)` when the peer closed the connection
/// cleanly between requests.
pub(crate) fn read_request_head(reader: &mut impl BufRead) -> Result<Option<RequestHead>, Error> {
    // Tolerate stray empty lines between keep-alive requests (RFC 9112 section 2.2).
    let line = loop {
        match read_line(reader)? {
            None => return Ok(None),
            Some(l) if l.is_empty() => {}
            Some(l) => break l,
        }
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Http(format!(
            "bad request line `{}`",
            truncate(&line)
        )));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Error::Http(format!("unsupported version `{version}`")));
    }
    let headers = read_headers(reader)?;
    Ok(Some(RequestHead {
        method: method.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
        headers,
    }))
}

/// Reads a request body as framed by `headers` (no framing: empty body).
pub(crate) fn read_request_body(
    reader: &mut impl BufRead,
    headers: &[(String, String)],
) -> Result<Vec<u8>, Error> {
    read_body(reader, headers, false)
}

/// Reads one whole response to a request made with `method` from a connection (for
/// tests that speak HTTP over their own `TcpStream`, e.g. keep-alive checks). Interim
/// `1xx` responses are skipped; the body is framed by `Content-Length`, chunked
/// encoding, or end of stream.
///
/// # Errors
///
/// [`Error::Http`] for a malformed response, [`Error::Io`] when reading fails.
pub fn read_response(reader: &mut impl BufRead, method: &str) -> Result<Response, Error> {
    loop {
        let line = read_line(reader)?
            .ok_or_else(|| Error::Http("connection closed before a status line".to_owned()))?;
        let mut parts = line.splitn(3, ' ');
        let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
            return Err(Error::Http(format!(
                "bad status line `{}`",
                truncate(&line)
            )));
        };
        let reason = parts.next().unwrap_or("").to_owned();
        if !version.starts_with("HTTP/1.") {
            return Err(Error::Http(format!(
                "bad status line `{}`",
                truncate(&line)
            )));
        }
        let status: u16 = code
            .parse()
            .map_err(|_| Error::Http(format!("bad status code in `{}`", truncate(&line))))?;
        let headers = read_headers(reader)?;
        if (100..200).contains(&status) {
            continue; // 100 Continue and friends: the real response follows
        }
        let body = if method.eq_ignore_ascii_case("HEAD") || status == 204 || status == 304 {
            Vec::new()
        } else {
            read_body(reader, &headers, true)?
        };
        return Ok(Response {
            status,
            reason,
            headers,
            body,
        });
    }
}

fn read_body(
    reader: &mut impl BufRead,
    headers: &[(String, String)],
    until_eof: bool,
) -> Result<Vec<u8>, Error> {
    let chunked = header(headers, "transfer-encoding").is_some_and(|te| {
        te.to_ascii_lowercase()
            .split(',')
            .any(|t| t.trim() == "chunked")
    });
    if chunked {
        return read_chunked(reader);
    }
    if let Some(len) = header(headers, "content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| Error::Http(format!("bad content-length `{len}`")))?;
        if len > MAX_BODY {
            return Err(Error::Http(format!(
                "body of {len} bytes is over the limit"
            )));
        }
        let mut body = vec![0; len];
        reader
            .read_exact(&mut body)
            .map_err(|e| Error::io("reading an http body", e))?;
        return Ok(body);
    }
    let mut body = Vec::new();
    if until_eof {
        reader
            .take(MAX_BODY as u64)
            .read_to_end(&mut body)
            .map_err(|e| Error::io("reading an http body to end of stream", e))?;
    }
    Ok(body)
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?
            .ok_or_else(|| Error::Http("connection closed inside a chunked body".to_owned()))?;
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| Error::Http(format!("bad chunk size `{}`", truncate(&line))))?;
        if size == 0 {
            // Trailer fields, ended by an empty line; dropped.
            read_headers(reader)?;
            return Ok(body);
        }
        if body.len().saturating_add(size) > MAX_BODY {
            return Err(Error::Http("chunked body over the limit".to_owned()));
        }
        let start = body.len();
        body.resize(start + size, 0);
        let chunk = body.get_mut(start..).unwrap_or_default();
        reader
            .read_exact(chunk)
            .map_err(|e| Error::io("reading an http chunk", e))?;
        match read_line(reader)? {
            Some(l) if l.is_empty() => {}
            _ => return Err(Error::Http("chunk not followed by CRLF".to_owned())),
        }
    }
}

/// Hop-by-hop and framing headers a proxy must not pass on verbatim.
pub(crate) fn is_hop_by_hop(name: &str) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-length",
        "expect",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// Writes a response with a `Content-Length` body (any framing headers in `headers` are
/// dropped) and, when `close`, `Connection: close`.
pub(crate) fn write_response(
    writer: &mut impl Write,
    status: u16,
    reason: &str,
    headers: &[(String, String)],
    body: &[u8],
    close: bool,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers.iter().filter(|(n, _)| !is_hop_by_hop(n)) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    writer.write_all(head.as_bytes())?;
    writer.write_all(body)?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_endpoints_only() {
        for ok in [
            "http://127.0.0.1:5000",
            "http://localhost:1/",
            "http://[::1]:80",
            "http://127.9.9.9:2",
        ] {
            assert!(loopback_addr(ok).is_ok(), "{ok}");
        }
        for bad in [
            "https://127.0.0.1:5",
            "http://10.0.0.1:80",
            "http://example.com:80",
            "http://127.0.0.1",
            "http://127.0.0.1:5/x",
        ] {
            assert!(
                matches!(loopback_addr(bad), Err(Error::InvalidEndpoint(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn parses_chunked_and_content_length_responses() {
        let raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nT: 1\r\n\r\n";
        let resp = read_response(&mut &raw[..], "POST").unwrap();
        assert_eq!(
            (resp.status, resp.body.as_slice()),
            (200, &b"Wikipedia"[..])
        );

        let raw = b"HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nabcEXTRA";
        let resp = read_response(&mut &raw[..], "GET").unwrap();
        assert_eq!(
            (resp.status, resp.reason.as_str(), resp.text().as_str()),
            (404, "Not Found", "abc")
        );

        let raw = b"HTTP/1.0 200 OK\r\n\r\nuntil eof";
        assert_eq!(
            read_response(&mut &raw[..], "GET").unwrap().text(),
            "until eof"
        );
    }

    #[test]
    fn reads_keep_alive_requests_back_to_back() {
        let raw = b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi\r\nGET /x HTTP/1.1\r\nConnection: close\r\n\r\n";
        let mut reader = &raw[..];
        let first = read_request_head(&mut reader).unwrap().unwrap();
        assert_eq!(
            read_request_body(&mut reader, &first.headers).unwrap(),
            b"hi"
        );
        assert!(!first.wants_close());
        let second = read_request_head(&mut reader).unwrap().unwrap();
        assert_eq!(
            (second.method.as_str(), second.target.as_str()),
            ("GET", "/x")
        );
        assert!(
            read_request_body(&mut reader, &second.headers)
                .unwrap()
                .is_empty()
        );
        assert!(second.wants_close());
        assert!(read_request_head(&mut reader).unwrap().is_none());
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!(
            read_request_head(&mut &b"NOT HTTP\r\n\r\n"[..]),
            Err(Error::Http(_))
        ));
        let raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        let head = read_request_head(&mut &raw[..]).unwrap().unwrap();
        let mut rest = &b"zz\r\n"[..];
        assert!(matches!(
            read_request_body(&mut rest, &head.headers),
            Err(Error::Http(_))
        ));
    }
}
