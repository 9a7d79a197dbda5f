//! Phrase lists compiled into one double-array Aho-Corasick automaton per pattern form,
//! with a table from each pattern back to the phrases it stands for.
//!
//! A [`Matcher`] is built from numbered phrase lists (the built-in sets, or a policy's
//! own phrases) and can be written to bytes and read back: the built-in sets are
//! compiled when Gatehouse is built, so a cold start only reads them.

use std::collections::HashMap;

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};

use crate::bytes::{Reader, put_u32, put_u32s};
use crate::forms::{PatternForm, Variant, patterns};
use crate::rows::Rows;

/// Where a pattern comes from: phrase `phrase` of list `list`, written as `variant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The list's number (its position in the lists the matcher was built from).
    pub list: u32,
    /// The phrase's position in its list.
    pub phrase: u32,
    /// How the phrase is written when this pattern matches.
    pub variant: Variant,
    /// The match counts only with a non-alphanumeric character (or the text's edge)
    /// on each side.
    pub boundary: bool,
}

/// One pattern occurrence in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The pattern's number in its [`Automaton`].
    pub pattern: u32,
    /// Byte offset of the start of the match.
    pub start: usize,
    /// Byte offset just past the match.
    pub end: usize,
}

/// The patterns of one form: an automaton, and per pattern its origins.
#[derive(Clone)]
pub struct Automaton {
    ac: DoubleArrayAhoCorasick<u32>,
    /// Row `p`: the origins of pattern `p`.
    origins: Rows<Origin>,
}

impl std::fmt::Debug for Automaton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Automaton")
            .field("patterns", &self.len())
            .field("origins", &self.origins.items())
            .finish()
    }
}

impl Automaton {
    /// Number of distinct patterns.
    pub fn len(&self) -> usize {
        self.origins.rows()
    }

    /// True when there is no pattern (never the case for a built automaton).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The origins of a pattern.
    pub fn origins(&self, pattern: u32) -> &[Origin] {
        self.origins.get(pattern as usize)
    }

    /// Every occurrence of every pattern in `text`, overlapping ones included.
    pub fn find_overlapping<'a>(&'a self, text: &'a str) -> impl Iterator<Item = Found> + 'a {
        self.ac.find_overlapping_iter(text).map(|m| Found {
            pattern: m.value(),
            start: m.start(),
            end: m.end(),
        })
    }
}

/// Collects patterns of one form with their origins, interning equal texts.
#[derive(Debug, Default)]
struct Collect {
    texts: Vec<String>,
    ids: HashMap<String, u32>,
    origins: Vec<Vec<Origin>>,
}

impl Collect {
    fn add(&mut self, text: String, origin: Origin) -> Result<(), String> {
        let id = match self.ids.get(&text) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.texts.len())
                    .map_err(|_| "too many phrase patterns".to_owned())?;
                self.texts.push(text.clone());
                self.ids.insert(text, id);
                self.origins.push(Vec::new());
                id
            }
        };
        if let Some(o) = self.origins.get_mut(id as usize) {
            o.push(origin);
        }
        Ok(())
    }

    fn build(self) -> Result<Option<Automaton>, String> {
        if self.texts.is_empty() {
            return Ok(None);
        }
        // No q-gram prefilter: with thousands of patterns nearly every 2-gram of
        // ordinary text starts one, so it would cost more than it skips (and its 64 KB
        // table would be built or read at every cold start).
        let ac = DoubleArrayAhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .use_prefilter(false)
            .build_with_values(self.texts.iter().zip(0u32..))
            .map_err(|e| format!("cannot build phrase automaton: {e}"))?;
        let mut origins = Rows::with_capacity(self.origins.len());
        for o in self.origins {
            origins.push_row(o)?;
        }
        Ok(Some(Automaton { ac, origins }))
    }
}

/// Numbered phrase lists compiled in both forms.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// Matched against the canonical, leet and decoded views.
    pub canonical: Option<Automaton>,
    /// Matched against the squashed view.
    pub squashed: Option<Automaton>,
    /// Per list, how many of its phrases can be matched at all.
    usable: Vec<u32>,
    /// Per list, its phrases, for readable finding reasons.
    lists: Vec<Vec<String>>,
}

impl Matcher {
    /// Compiles phrase lists (already expanded): list `i` of `lists` becomes
    /// [`Origin::list`] `i`.
    pub fn build<L, P>(lists: L) -> Result<Matcher, String>
    where
        L: IntoIterator,
        L::Item: IntoIterator<Item = P>,
        P: AsRef<str>,
    {
        let mut canonical = Collect::default();
        let mut squashed = Collect::default();
        let mut usable = Vec::new();
        let mut texts = Vec::new();
        for (list, phrases) in (0u32..).zip(lists) {
            let mut n = 0u32;
            let mut list_texts = Vec::new();
            for (phrase, text) in (0u32..).zip(phrases) {
                list_texts.push(text.as_ref().to_owned());
                let pats = patterns(text.as_ref());
                n += u32::from(!pats.is_empty());
                for p in pats {
                    let origin = Origin {
                        list,
                        phrase,
                        variant: p.variant,
                        boundary: p.boundary,
                    };
                    match p.form {
                        PatternForm::Canonical => canonical.add(p.text, origin)?,
                        PatternForm::Squashed => squashed.add(p.text, origin)?,
                    }
                }
            }
            usable.push(n);
            texts.push(list_texts);
        }
        Ok(Matcher {
            canonical: canonical.build()?,
            squashed: squashed.build()?,
            usable,
            lists: texts,
        })
    }

    /// The automaton of a form, if any pattern has that form.
    pub fn automaton(&self, form: PatternForm) -> Option<&Automaton> {
        match form {
            PatternForm::Canonical => self.canonical.as_ref(),
            PatternForm::Squashed => self.squashed.as_ref(),
        }
    }

    /// How many phrases of list `list` can be matched (0 for an unknown list).
    pub fn usable(&self, list: usize) -> usize {
        self.usable.get(list).map_or(0, |&n| n as usize)
    }

    /// The phrases of list `list`, as given (empty for an unknown list).
    pub fn phrases(&self, list: usize) -> &[String] {
        self.lists.get(list).map_or(&[], Vec::as_slice)
    }

    /// The matcher as bytes, for [`Matcher::from_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_u32s(&mut out, &self.usable);
        for list in &self.lists {
            put_u32(&mut out, list.len() as u32);
            for p in list {
                put_u32(&mut out, p.len() as u32);
                out.extend_from_slice(p.as_bytes());
            }
        }
        for a in [&self.canonical, &self.squashed] {
            match a {
                None => out.push(0),
                Some(a) => {
                    out.push(1);
                    let (starts, origins) = a.origins.parts();
                    put_u32s(&mut out, starts);
                    put_u32(&mut out, origins.len() as u32);
                    for o in origins {
                        put_u32(&mut out, o.list);
                        put_u32(&mut out, o.phrase);
                        out.push(o.variant.code());
                        out.push(u8::from(o.boundary));
                    }
                    let ac = a.ac.serialize();
                    put_u32(&mut out, ac.len() as u32);
                    out.extend_from_slice(&ac);
                }
            }
        }
        out
    }

    /// Reads a matcher written by [`Matcher::to_bytes`], checking every index in it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Matcher, String> {
        let bad = |what: &str| format!("phrase matcher bytes: {what}");
        let mut r = Reader::new(bytes, "phrase matcher bytes");
        if r.take(MAGIC.len())? != MAGIC {
            return Err(bad("bad magic"));
        }
        let usable = r.u32s()?;
        let mut lists = Vec::with_capacity(usable.len());
        for _ in 0..usable.len() {
            let n = r.u32()? as usize;
            let mut list = Vec::with_capacity(n.min(r.rest.len()));
            for _ in 0..n {
                let len = r.u32()? as usize;
                let text =
                    std::str::from_utf8(r.take(len)?).map_err(|_| bad("phrase is not UTF-8"))?;
                list.push(text.to_owned());
            }
            lists.push(list);
        }
        let mut forms = [None, None];
        for slot in &mut forms {
            if r.take(1)? == [0] {
                continue;
            }
            let starts = r.u32s()?;
            let n = r.u32()? as usize;
            let mut origins = Vec::with_capacity(n.min(bytes.len()));
            for _ in 0..n {
                let list = r.u32()?;
                let phrase = r.u32()?;
                let flags = r.take(2)?;
                let variant = flags
                    .first()
                    .and_then(|&c| Variant::from_code(c))
                    .ok_or_else(|| bad("unknown variant"))?;
                if list as usize >= usable.len()
                    || phrase as usize >= lists.get(list as usize).map_or(0, Vec::len)
                {
                    return Err(bad("origin names an unknown phrase"));
                }
                origins.push(Origin {
                    list,
                    phrase,
                    variant,
                    boundary: flags.get(1) == Some(&1),
                });
            }
            let len = r.u32()? as usize;
            let (ac, rest) = DoubleArrayAhoCorasick::<u32>::deserialize(r.take(len)?)
                .map_err(|e| bad(&e.to_string()))?;
            if !rest.is_empty() {
                return Err(bad("trailing automaton bytes"));
            }
            let origins = Rows::from_parts(starts, origins)
                .ok_or_else(|| bad("inconsistent pattern table"))?;
            *slot = Some(Automaton { ac, origins });
        }
        if !r.rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let [canonical, squashed] = forms;
        Ok(Matcher {
            canonical,
            squashed,
            usable,
            lists,
        })
    }
}

const MAGIC: &[u8] = b"GHPHRASE1";

#[cfg(test)]
mod tests {
    use super::*;

    fn found(m: &Matcher, form: PatternForm, text: &str) -> Vec<(u32, u32, Variant)> {
        let a = m.automaton(form).unwrap();
        a.find_overlapping(text)
            .flat_map(|f| {
                a.origins(f.pattern)
                    .iter()
                    .map(|o| (o.list, o.phrase, o.variant))
            })
            .collect()
    }

    #[test]
    fn finds_phrases_in_every_form_and_round_trips() {
        let lists: [&[&str]; 2] = [
            &["ignore previous instructions"],
            &["developer mode", "dan"],
        ];
        let m = Matcher::build(lists).unwrap();
        let back = Matcher::from_bytes(&m.to_bytes()).unwrap();
        for m in [&m, &back] {
            assert_eq!(m.usable(0), 1);
            assert_eq!(m.usable(1), 2);
            assert_eq!(m.usable(2), 0);
            assert_eq!(m.phrases(1), ["developer mode", "dan"]);
            assert!(m.phrases(2).is_empty());
            let plain = found(
                m,
                PatternForm::Canonical,
                "please ignore previous instructions",
            );
            assert_eq!(plain, [(0, 0, Variant::Plain)]);
            let rot = found(m, PatternForm::Canonical, "qrirybcre zbqr");
            assert_eq!(rot, [(1, 0, Variant::Rot13)]);
            let rev = found(m, PatternForm::Canonical, "edom repoleved");
            assert_eq!(rev, [(1, 0, Variant::Reversed)]);
            let sq = found(m, PatternForm::Squashed, "xxignorepreviousinstructionsxx");
            assert_eq!(sq, [(0, 0, Variant::Squashed)]);
        }
    }

    #[test]
    fn one_text_keeps_every_origin() {
        let m = Matcher::build([["act as dan"], ["act as dan"]]).unwrap();
        let got = found(&m, PatternForm::Canonical, "act as dan");
        assert_eq!(got, [(0, 0, Variant::Plain), (1, 0, Variant::Plain)]);
    }

    #[test]
    fn corrupt_bytes_are_refused() {
        let m = Matcher::build([["ignore previous instructions"]]).unwrap();
        let bytes = m.to_bytes();
        assert!(Matcher::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        assert!(Matcher::from_bytes(b"nonsense").is_err());
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(Matcher::from_bytes(&extra).is_err());
        let mut magic = bytes;
        magic[0] ^= 1;
        assert!(Matcher::from_bytes(&magic).is_err());
    }
}
