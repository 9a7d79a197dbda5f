//! Merging the redaction maps of several texts into one request map. Each text is
//! redacted on its own, so two texts may both use `<EMAIL_1>` for different values;
//! this renames clashing placeholders and gives one value one placeholder.

use std::collections::BTreeMap;

use gatehouse_core::RedactionMap;

#[derive(Debug, Default)]
pub(crate) struct Merged {
    map: BTreeMap<String, String>,
    by_value: BTreeMap<(String, String), String>,
    next: BTreeMap<String, usize>,
}

/// `<EMAIL_3>` → (`EMAIL`, 3).
fn parse(ph: &str) -> Option<(&str, usize)> {
    let inner = ph.strip_prefix('<')?.strip_suffix('>')?;
    let (label, n) = inner.rsplit_once('_')?;
    Some((label, n.parse().ok()?))
}

impl Merged {
    /// Adds one text's map; returns the text with its placeholders renamed as needed.
    pub(crate) fn add(&mut self, text: &str, part: &RedactionMap) -> String {
        let mut rename: BTreeMap<String, String> = BTreeMap::new();
        let mut pending = Vec::new();
        for (ph, value) in part.iter() {
            let label = parse(ph).map_or("REDACTED", |(l, _)| l);
            if let Some(existing) = self.by_value.get(&(label.to_owned(), value.to_owned())) {
                if existing != ph {
                    rename.insert(ph.to_owned(), existing.clone());
                }
            } else if !self.map.contains_key(ph) {
                self.insert(ph, label, value);
            } else {
                pending.push((ph, label, value));
            }
        }
        for (ph, label, value) in pending {
            let n = self.next.get(label).copied().unwrap_or(0) + 1;
            let new = format!("<{label}_{n}>");
            self.insert(&new, label, value);
            rename.insert(ph.to_owned(), new);
        }
        if rename.is_empty() {
            text.to_owned()
        } else {
            rewrite(text, &rename)
        }
    }

    fn insert(&mut self, ph: &str, label: &str, value: &str) {
        self.map.insert(ph.to_owned(), value.to_owned());
        self.by_value
            .insert((label.to_owned(), value.to_owned()), ph.to_owned());
        let n = parse(ph).map_or(0, |(_, n)| n);
        let next = self.next.entry(label.to_owned()).or_insert(0);
        *next = (*next).max(n);
    }

    pub(crate) fn into_map(self) -> RedactionMap {
        RedactionMap::from_pairs(self.map)
    }
}

/// One pass over `text`, replacing each `<...>` token found in `rename`.
fn rewrite(text: &str, rename: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let (before, from_open) = rest.split_at(open);
        out.push_str(before);
        let token = from_open
            .find('>')
            .and_then(|close| from_open.get(..=close));
        match token.and_then(|t| rename.get(t).map(|r| (t, r))) {
            Some((t, r)) => {
                out.push_str(r);
                rest = from_open.get(t.len()..).unwrap_or_default();
            }
            None => {
                out.push('<');
                rest = from_open.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> RedactionMap {
        RedactionMap::from_pairs(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned())),
        )
    }

    #[test]
    fn clashing_placeholders_are_renamed_and_values_shared() {
        let mut m = Merged::default();
        let a = m.add("mail <EMAIL_1>", &map(&[("<EMAIL_1>", "a@x.io")]));
        let b = m.add(
            "<EMAIL_1> and <EMAIL_2>",
            &map(&[("<EMAIL_1>", "b@y.io"), ("<EMAIL_2>", "a@x.io")]),
        );
        assert_eq!(a, "mail <EMAIL_1>");
        assert_eq!(b, "<EMAIL_2> and <EMAIL_1>");
        let all = m.into_map();
        assert_eq!(
            all.restore(&format!("{a} | {b}")),
            "mail a@x.io | b@y.io and a@x.io"
        );
    }

    #[test]
    fn rewrite_leaves_other_angle_brackets() {
        let r = BTreeMap::from([("<A_1>".to_owned(), "<A_2>".to_owned())]);
        assert_eq!(rewrite("x < y <A_1> <b> <A_1", &r), "x < y <A_2> <b> <A_1");
    }
}
