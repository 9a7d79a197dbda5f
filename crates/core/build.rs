//! Compiles the built-in phrase sets (crate `gatehouse-phrases`) into the automaton
//! bytes `src/matcher.rs` embeds: template expansion, normalisation of every phrase
//! and the Aho-Corasick construction happen here, once per build, instead of at every
//! cold start. The build script reruns whenever `gatehouse-phrases` (its phrase files
//! included) changes, so the bytes never go stale.
//!
//! The canonical automaton also carries the injection patterns' literal gate, read
//! from `data/pattern-factors.txt` (see `src/rules/pattern_factors.rs`), so the pass
//! that finds the phrases in a view also says which patterns may match there.

use std::path::PathBuf;

fn main() -> Result<(), String> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=data/pattern-factors.txt");
    let text = std::fs::read_to_string("data/pattern-factors.txt")
        .map_err(|e| format!("cannot read data/pattern-factors.txt: {e}"))?;
    let (stamp, factors) = gatehouse_phrases::parse_factors(&text)?;
    let matcher = gatehouse_phrases::build_builtin(Some((stamp, &factors)))?;
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let path = out.join("builtin-phrases.bin");
    std::fs::write(&path, matcher.to_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
