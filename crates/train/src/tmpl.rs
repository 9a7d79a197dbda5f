//! The template files under `crates/train/data/`: `[slot NAME]` sections of fillers
//! and a `[templates]` section whose lines use `{NAME}`. Expansion is deterministic
//! (fixed seed, [`SplitMix64`]), so the generated set is the same on every run. A filler
//! may itself use `{OTHER}` slots (nested slots, up to [`MAX_NESTING`] levels).

use std::collections::{BTreeMap, BTreeSet};

/// SplitMix64: a tiny, fixed pseudo-random generator (Steele, Lea, Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
    }

    /// Shuffles `items` in place (Fisher–Yates, from the last item down): the order
    /// each learner visits its examples in, one call per epoch.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// A parsed template file.
#[derive(Debug, Default)]
pub struct TemplateFile {
    /// Fillers per slot name.
    pub slots: BTreeMap<String, Vec<String>>,
    /// Template lines, in file order.
    pub templates: Vec<String>,
}

fn unescape(line: &str) -> String {
    line.replace("\\n", "\n")
}

/// Parses a template file. Lines starting with `# ` (or a lone `#`) are comments.
pub fn parse(text: &str) -> anyhow::Result<TemplateFile> {
    let mut out = TemplateFile::default();
    let mut section: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        if line.trim().is_empty() || line == "#" || line.starts_with("# ") {
            continue;
        }
        if let Some(name) = line
            .strip_prefix("[slot ")
            .and_then(|l| l.strip_suffix(']'))
        {
            section = Some(name.to_owned());
            out.slots.entry(name.to_owned()).or_default();
            continue;
        }
        if line == "[templates]" {
            section = None;
            continue;
        }
        match &section {
            Some(name) => out
                .slots
                .entry(name.clone())
                .or_default()
                .push(unescape(line)),
            None => out.templates.push(unescape(line)),
        }
    }
    for t in &out.templates {
        for name in slot_names(t) {
            if !out.slots.contains_key(name) {
                anyhow::bail!("template `{t}` uses unknown slot `{name}`");
            }
        }
    }
    Ok(out)
}

fn slot_names(t: &str) -> impl Iterator<Item = &str> {
    t.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n))
}

/// How deep fillers may nest (`[slot a]` fillers using `{b}`, whose fillers use `{c}`…).
pub const MAX_NESTING: usize = 4;

impl TemplateFile {
    /// Fills slots that the chosen fillers themselves use (nested slots), one level at
    /// a time, up to [`MAX_NESTING`] levels. Only names of known slots are filled, so a
    /// filler holding code with braces stays as it is. Draws nothing from `rng` when
    /// no filler nests, so files without nesting expand as before.
    fn fill_nested(&self, mut s: String, rng: &mut SplitMix64) -> String {
        for _ in 0..MAX_NESTING {
            let names: Vec<String> = slot_names(&s)
                .filter(|n| self.slots.contains_key(*n))
                .map(str::to_owned)
                .collect();
            if names.is_empty() {
                break;
            }
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            s = self.fill(&s, &names, rng);
        }
        s
    }

    /// Fills the slots `names` of `s` (in order, one filler drawn per distinct known
    /// name; an unknown name is emptied without a draw).
    fn fill(&self, s: &str, names: &[&str], rng: &mut SplitMix64) -> String {
        let mut chosen: BTreeMap<&str, &str> = BTreeMap::new();
        for &n in names {
            if !chosen.contains_key(n) {
                let fill = self
                    .slots
                    .get(n)
                    .and_then(|v| v.get(rng.below(v.len())))
                    .map_or("", String::as_str);
                chosen.insert(n, fill);
            }
        }
        let mut s = s.to_owned();
        for (n, f) in &chosen {
            s = s.replace(&format!("{{{n}}}"), f);
        }
        s
    }

    /// Expands every template up to `per_template` times (distinct results only, in
    /// generation order); templates without slots are taken once.
    pub fn expand(&self, per_template: usize, seed: u64) -> Vec<String> {
        let mut rng = SplitMix64(seed);
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for t in &self.templates {
            let names: Vec<&str> = slot_names(t).collect();
            let attempts = if names.is_empty() {
                1
            } else {
                per_template * 3
            };
            let mut made = 0;
            for _ in 0..attempts {
                if made >= per_template {
                    break;
                }
                let s = self.fill(t, &names, &mut rng);
                let s = self.fill_nested(s, &mut rng);
                if seen.insert(s.clone()) {
                    out.push(s);
                    made += 1;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_slots_are_filled() {
        let t = parse(
            "[slot dish]\nsoup\nbread\n[slot ask]\na recipe for {dish}\nhow to freeze {dish}\n\
             [slot code]\nfn f() {x}\n[templates]\nGive me {ask}.\nCode: {code}\n",
        )
        .expect("parses");
        let out = t.expand(10, 3);
        assert!(out.len() >= 4, "{out:?}");
        assert!(
            out.iter()
                .all(|s| !s.contains("{dish}") && !s.contains("{ask}"))
        );
        assert!(out.iter().any(|s| s == "Give me a recipe for soup."));
        // `{x}` is not a slot: left as written.
        assert!(out.iter().any(|s| s == "Code: fn f() {x}"));
    }

    #[test]
    fn files_without_nesting_expand_as_before() {
        // Nesting draws no random numbers when no filler nests.
        let t = parse("[slot a]\n1\n2\n3\n[slot b]\nx\ny\n[templates]\n{a}{b}\n{b}-{a}\n")
            .expect("parses");
        let mut rng = SplitMix64(9);
        let mut expected = Vec::new();
        let mut seen = BTreeSet::new();
        for (tpl, a_first) in [("{a}{b}", true), ("{b}-{a}", false)] {
            let mut made = 0;
            for _ in 0..6 {
                if made >= 2 {
                    break;
                }
                // Slots are drawn in the order they first appear in the template.
                let (a, b) = if a_first {
                    let a = ["1", "2", "3"][rng.below(3)];
                    (a, ["x", "y"][rng.below(2)])
                } else {
                    let b = ["x", "y"][rng.below(2)];
                    (["1", "2", "3"][rng.below(3)], b)
                };
                let s = tpl.replace("{a}", a).replace("{b}", b);
                if seen.insert(s.clone()) {
                    expected.push(s);
                    made += 1;
                }
            }
        }
        assert_eq!(t.expand(2, 9), expected);
    }
}
