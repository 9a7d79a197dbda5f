//! Where the workspace and the bootstrapped tools live.

use std::path::{Path, PathBuf};

use crate::Error;

/// The workspace root: the nearest ancestor of this crate's manifest directory whose
/// `Cargo.toml` declares `[workspace]`.
///
/// Uses this crate's compile-time `CARGO_MANIFEST_DIR`, so the answer is the same
/// whichever crate's tests call it.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|toml| toml.lines().any(|l| l.trim() == "[workspace]"))
        })
        .map_or_else(|| manifest_dir.join("../.."), Path::to_path_buf)
}

/// `<workspace root>/.tools/venv/bin/<name>`, whether or not it exists.
pub(crate) fn venv_bin(name: &str) -> PathBuf {
    workspace_root()
        .join(".tools")
        .join("venv")
        .join("bin")
        .join(name)
}

/// The path of a bootstrapped tool: `<workspace root>/.tools/venv/bin/<name>` (Python
/// tools, cargo-lambda, and a symlink to checkov) or else
/// `<workspace root>/node_modules/.bin/<name>` (asl-validator).
///
/// # Errors
///
/// [`Error::ToolNotInstalled`] (with the bootstrap hint) when neither exists.
pub fn tool_path(name: &str) -> Result<PathBuf, Error> {
    let searched = vec![
        venv_bin(name),
        workspace_root()
            .join("node_modules")
            .join(".bin")
            .join(name),
    ];
    match searched.iter().find(|p| p.is_file()) {
        Some(found) => Ok(found.clone()),
        None => Err(Error::ToolNotInstalled {
            name: name.to_owned(),
            searched,
        }),
    }
}
