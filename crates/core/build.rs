//! Compiles the built-in phrase sets (crate `gatehouse-phrases`) into the automaton
//! bytes `src/matcher.rs` embeds: template expansion, normalisation of every phrase
//! and the Aho-Corasick construction happen here, once per build, instead of at every
//! cold start. The build script reruns whenever `gatehouse-phrases` (its phrase files
//! included) changes, so the bytes never go stale.

use std::path::PathBuf;

fn main() -> Result<(), String> {
    println!("cargo::rerun-if-changed=build.rs");
    let matcher = gatehouse_phrases::build_builtin()?;
    let out = std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?;
    let path = PathBuf::from(out).join("builtin-phrases.bin");
    std::fs::write(&path, matcher.to_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
