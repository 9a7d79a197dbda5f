//! The one error type of the test kit.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while starting or talking to the loopback services.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The moto server executable is not where bootstrap puts it.
    #[error("moto server not found at `{}`: run scripts/bootstrap.sh (or make test)", path.display())]
    MotoNotInstalled {
        /// Where it was looked for.
        path: PathBuf,
    },

    /// A developer tool is neither in `.tools/venv/bin` nor in `node_modules/.bin`.
    #[error(
        "tool `{name}` not found in {}: run scripts/bootstrap.sh (or make test)",
        searched.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(" or ")
    )]
    ToolNotInstalled {
        /// The executable name asked for.
        name: String,
        /// Every path that was tried.
        searched: Vec<PathBuf>,
    },

    /// The moto server process could not be spawned at all.
    #[error("could not spawn `{}`: {source}", path.display())]
    Spawn {
        /// The executable.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },

    /// The moto server process exited before it answered HTTP.
    #[error(
        "moto server exited ({status}) before answering on port {port}; its stderr ends with:\n{stderr_tail}"
    )]
    MotoExited {
        /// The loopback port it was told to use.
        port: u16,
        /// The exit status as text.
        status: String,
        /// The last lines moto wrote to stderr.
        stderr_tail: String,
    },

    /// The moto server did not answer HTTP within the start-up deadline.
    #[error(
        "moto server did not answer on `{endpoint}` within {waited_secs} s; its stderr ends with:\n{stderr_tail}"
    )]
    MotoStartTimeout {
        /// The endpoint that was polled.
        endpoint: String,
        /// How long we waited.
        waited_secs: u64,
        /// The last lines moto wrote to stderr.
        stderr_tail: String,
    },

    /// An I/O operation failed; `context` says which.
    #[error("i/o error while {context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: io::Error,
    },

    /// A peer sent something that is not HTTP/1.1 as we understand it.
    #[error("malformed http message: {0}")]
    Http(String),

    /// An endpoint is not `http://HOST:PORT` with a loopback host.
    #[error("invalid endpoint `{0}`: expected http://127.0.0.1:PORT (loopback only)")]
    InvalidEndpoint(String),

    /// An AWS SDK call to a loopback service (setting up a test's resources) failed.
    #[error("aws call failed: {0}")]
    Aws(String),

    /// A control call (moto API) answered with an unexpected status.
    #[error("`{what}` answered http {status}: {body}")]
    UnexpectedStatus {
        /// The call, e.g. `POST /moto-api/reset`.
        what: String,
        /// The HTTP status received.
        status: u16,
        /// The response body (lossy UTF-8, truncated).
        body: String,
    },
}

impl Error {
    /// Wraps an I/O error with what was being done.
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
