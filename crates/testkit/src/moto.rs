//! A moto server child process on a free loopback port.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::{Error, http, paths};

/// Environment variable naming the moto server executable, overriding
/// `<workspace root>/.tools/venv/bin/moto_server`.
pub const MOTO_ENV: &str = "GATEHOUSE_MOTO";

/// Set (to anything) to echo moto's stderr (one line per request) to the test output.
pub const MOTO_LOG_ENV: &str = "GATEHOUSE_MOTO_LOG";

/// How long moto may take to answer its first request (its imports are slow on a cold
/// page cache).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How many ports we try when another process grabs the one we picked.
const PORT_ATTEMPTS: usize = 5;
/// Lines of moto's stderr kept for error messages.
const TAIL_LINES: usize = 40;

/// A running `moto_server` bound to `127.0.0.1:PORT`, killed (and reaped) on drop.
///
/// Each instance is a separate process with its own state, so tests can run in
/// parallel, each with its own server (start-up takes about 1–3 s).
///
/// ```no_run
/// let moto = gatehouse_testkit::MotoServer::start()?;
/// let resp = gatehouse_testkit::http::aws_json(
///     &moto.endpoint(), "logs", "Logs_20140328.CreateLogGroup", r#"{"logGroupName":"g"}"#)?;
/// assert_eq!(resp.status, 200);
/// # Ok::<(), gatehouse_testkit::Error>(())
/// ```
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
}

impl MotoServer {
    /// Starts moto on a free loopback port and waits until it answers HTTP.
    ///
    /// The executable is `$GATEHOUSE_MOTO` if set, else
    /// `<workspace root>/.tools/venv/bin/moto_server` (installed by
    /// `scripts/bootstrap.sh`).
    ///
    /// # Errors
    ///
    /// [`Error::MotoNotInstalled`] (with the bootstrap hint) when the executable is
    /// missing; [`Error::MotoExited`] or [`Error::MotoStartTimeout`] (with moto's stderr
    /// tail) when it does not come up; [`Error::Spawn`] or [`Error::Io`] otherwise.
    pub fn start() -> Result<Self, Error> {
        Self::start_with(moto_executable())
    }

    /// Like [`MotoServer::start`] with an explicit `moto_server` executable.
    ///
    /// # Errors
    ///
    /// As [`MotoServer::start`].
    pub fn start_with(exe: impl Into<PathBuf>) -> Result<Self, Error> {
        let exe = exe.into();
        if !exe.is_file() {
            return Err(Error::MotoNotInstalled { path: exe });
        }
        let mut last_err = None;
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            match Self::spawn_on(&exe, port) {
                Ok(server) => return Ok(server),
                Err(err @ Error::MotoExited { .. }) if port_was_taken(&err) => last_err = Some(err),
                Err(err) => return Err(err),
            }
        }
        Err(last_err.unwrap_or_else(|| Error::Http("no port attempt was made".to_owned())))
    }

    fn spawn_on(exe: &Path, port: u16) -> Result<Self, Error> {
        let mut command = Command::new(exe);
        command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // moto's Step Functions interpreter calls Lambda & co. through boto3 at
            // http://localhost:$MOTO_PORT: it must be our port, never an inherited one.
            .env("MOTO_PORT", port.to_string())
            .env("NO_PROXY", "localhost,127.0.0.1,::1")
            .env("no_proxy", "localhost,127.0.0.1,::1")
            .env("PYTHONUNBUFFERED", "1")
            .env_remove("HTTP_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("http_proxy")
            .env_remove("https_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|source| Error::Spawn {
            path: exe.to_path_buf(),
            source,
        })?;
        let stderr_tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
        let drain = child
            .stderr
            .take()
            .map(|stderr| drain_stderr(stderr, Arc::clone(&stderr_tail)));
        let mut server = Self {
            child,
            port,
            stderr_tail,
        };

        let endpoint = server.endpoint();
        let started = Instant::now();
        loop {
            if let Some(status) = server
                .child
                .try_wait()
                .map_err(|e| Error::io("polling the moto server process", e))?
            {
                // Let the drain thread read what the process wrote last.
                if let Some(handle) = drain {
                    let _ = handle.join();
                }
                return Err(Error::MotoExited {
                    port,
                    status: status.to_string(),
                    stderr_tail: server.stderr_tail(),
                });
            }
            // `GET /moto-api/reset` has no side effect and answers 400 "Need to POST to
            // reset Moto": proof that moto (not a process that grabbed the port) is up.
            if let Ok(resp) = http::send(&endpoint, "GET", "/moto-api/reset", &[], b"")
                && resp.text().contains("Need to POST")
            {
                return Ok(server);
            }
            if started.elapsed() > START_TIMEOUT {
                return Err(Error::MotoStartTimeout {
                    endpoint,
                    waited_secs: START_TIMEOUT.as_secs(),
                    stderr_tail: server.stderr_tail(),
                });
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// An AWS SDK configuration for this server ([`crate::sdk::sdk_config`]).
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        crate::sdk::sdk_config(&self.endpoint()).await
    }

    /// The loopback port moto listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The last lines moto wrote to stderr (request log, tracebacks).
    pub fn stderr_tail(&self) -> String {
        let lines = self
            .stderr_tail
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Makes Step Functions really run state machines (moto's ASL interpreter):
    /// `POST /moto-api/config {"stepfunctions":{"execute_state_machine":true}}`.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedStatus`] or a transport error.
    pub fn enable_stepfunctions_execution(&self) -> Result<(), Error> {
        self.configure(r#"{"stepfunctions":{"execute_state_machine":true}}"#)
    }

    /// Switches Lambda to moto's Docker-less backend, whose `Invoke` returns queued
    /// results (see [`MotoServer::queue_lambda_results`]) or else echoes the payload:
    /// `POST /moto-api/config {"lambda":{"use_docker":false}}`. Create functions after
    /// this call: they live in the backend that was active when they were created.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedStatus`] or a transport error.
    pub fn use_simple_lambda(&self) -> Result<(), Error> {
        self.configure(r#"{"lambda":{"use_docker":false}}"#)
    }

    /// `POST /moto-api/config` with a raw JSON body (keys: `batch`, `lambda`, `core`,
    /// `iam`, `stepfunctions`, `iot`).
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedStatus`] or a transport error.
    pub fn configure(&self, config_json: &str) -> Result<(), Error> {
        self.control("/moto-api/config", config_json)
    }

    /// Queues Lambda `Invoke` results for the Docker-less backend in [`http::REGION`]
    /// and account [`http::ACCOUNT_ID`]: each invocation of any function pops the next
    /// one (first in, first out), whatever the function name. Each item is the raw
    /// response payload, usually a JSON document:
    /// `POST /moto-api/static/lambda-simple/response {"results":[...]}`.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedStatus`] or a transport error.
    pub fn queue_lambda_results<S: AsRef<str>>(&self, results: &[S]) -> Result<(), Error> {
        let results: Vec<&str> = results.iter().map(AsRef::as_ref).collect();
        let body = serde_json::json!({
            "account_id": http::ACCOUNT_ID,
            "region": http::REGION,
            "results": results,
        });
        self.control("/moto-api/static/lambda-simple/response", &body.to_string())
    }

    /// Forgets all state in every service: `POST /moto-api/reset`. The configuration
    /// set through [`MotoServer::configure`] survives.
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedStatus`] or a transport error.
    pub fn reset(&self) -> Result<(), Error> {
        self.control("/moto-api/reset", "")
    }

    fn control(&self, path: &str, body: &str) -> Result<(), Error> {
        let resp = http::send(
            &self.endpoint(),
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )?;
        if (200..300).contains(&resp.status) {
            Ok(())
        } else {
            Err(Error::UnexpectedStatus {
                what: format!("POST {path}"),
                status: resp.status,
                body: http::truncate(&resp.text()),
            })
        }
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // Errors here mean the process is already gone; nothing useful to do.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the moto server executable is expected: `$GATEHOUSE_MOTO` or
/// `<workspace root>/.tools/venv/bin/moto_server`.
pub fn moto_executable() -> PathBuf {
    match std::env::var_os(MOTO_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => paths::venv_bin("moto_server"),
    }
}

/// Binds port 0 on 127.0.0.1 and releases it, returning the port the OS chose.
pub(crate) fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| Error::io("binding 127.0.0.1:0 to find a free port", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::io("reading the bound port", e))
}

fn port_was_taken(err: &Error) -> bool {
    match err {
        Error::MotoExited { stderr_tail, .. } => {
            stderr_tail.contains("Address already in use")
                || stderr_tail.contains("is in use by another program")
        }
        _ => false,
    }
}

fn drain_stderr(stderr: ChildStderr, tail: Arc<Mutex<VecDeque<String>>>) -> thread::JoinHandle<()> {
    let echo = std::env::var_os(MOTO_LOG_ENV).is_some();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if echo {
                eprintln!("[moto] {line}");
            }
            let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
            if tail.len() == TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    })
}
