//! Phrase templates: one line expands to the phrases it stands for.
//!
//! - `{a|b|c}` is one of the alternatives; an empty alternative makes the group
//!   optional: `ignore {all |}{previous|prior} instructions`. Groups nest.
//! - In phrase files, `@name = template` defines a macro for the lines below it and
//!   `@name` uses it: `@rules = {instructions|rules|guidelines}`.
//! - `\` escapes the next character: `<\|im_start\|>` is a literal `<|im_start|>`.
//! - Whitespace is collapsed after expansion, so optional words need no care about
//!   spaces. One line may expand to at most [`MAX_EXPANSIONS`] phrases.

/// Most phrases one template line may expand to: a guard against typos that would
/// multiply a set into millions of patterns.
pub const MAX_EXPANSIONS: usize = 4096;

/// Expands a phrase file: comments and blank lines dropped, `@name = …` macros
/// defined and substituted, every line expanded with [`expand_template`].
pub fn expand_file(source: &str) -> Result<Vec<String>, String> {
    let mut macros: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", n + 1);
        let definition = line
            .strip_prefix('@')
            .and_then(|d| d.split_once('='))
            .filter(|(name, _)| {
                let name = name.trim();
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
            });
        if let Some((name, body)) = definition {
            let name = name.trim();
            let body = substitute(body.trim(), &macros).map_err(at)?;
            macros.retain(|(m, _)| m != name);
            macros.push((name.to_owned(), body));
            continue;
        }
        let line = substitute(line, &macros).map_err(at)?;
        out.extend(expand_template(&line).map_err(at)?);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    Ok(out)
}

/// Replaces every `@name` by its macro body (longest name first).
fn substitute(line: &str, macros: &[(String, String)]) -> Result<String, String> {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(pos) = rest.find('@') {
        out.push_str(rest.get(..pos).unwrap_or_default());
        let after = rest.get(pos + 1..).unwrap_or_default();
        if rest.get(..pos).is_some_and(|b| b.ends_with('\\')) {
            // An escaped `\@` stays literal (the parser drops the backslash).
            out.push('@');
            rest = after;
            continue;
        }
        let len = after
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || *b == b'_' || b.is_ascii_digit())
            .count();
        let name = after.get(..len).unwrap_or_default();
        let body = macros
            .iter()
            .find(|(m, _)| m == name)
            .map(|(_, b)| b)
            .ok_or_else(|| format!("unknown macro `@{name}`"))?;
        out.push_str(body);
        rest = after.get(len..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// Expands one template line into its phrases, whitespace collapsed.
///
/// `ignore {all |}{previous|prior} rules` gives `ignore all previous rules`,
/// `ignore all prior rules`, `ignore previous rules` and `ignore prior rules`.
pub fn expand_template(template: &str) -> Result<Vec<String>, String> {
    let chars: Vec<char> = template.chars().collect();
    let mut pos = 0;
    let seq = parse_seq(&chars, &mut pos, 0)?;
    if pos < chars.len() {
        return Err(format!("unbalanced `}}` in `{template}`"));
    }
    let raw = expand_seq(&seq)?;
    Ok(raw
        .iter()
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect())
}

#[derive(Debug)]
enum Part {
    Lit(String),
    Alt(Vec<Vec<Part>>),
}

fn parse_seq(chars: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    while let Some(&c) = chars.get(*pos) {
        match c {
            '{' => {
                *pos += 1;
                if !lit.is_empty() {
                    parts.push(Part::Lit(std::mem::take(&mut lit)));
                }
                let mut alts = vec![parse_seq(chars, pos, depth + 1)?];
                loop {
                    match chars.get(*pos) {
                        Some('|') => {
                            *pos += 1;
                            alts.push(parse_seq(chars, pos, depth + 1)?);
                        }
                        Some('}') => {
                            *pos += 1;
                            break;
                        }
                        _ => return Err("unbalanced `{`".to_owned()),
                    }
                }
                parts.push(Part::Alt(alts));
            }
            '|' | '}' if depth > 0 => break,
            '|' => return Err("`|` outside `{…}` (write `\\|` for a literal bar)".to_owned()),
            '}' => return Err("unbalanced `}`".to_owned()),
            '\\' => {
                lit.extend(chars.get(*pos + 1));
                *pos += 2;
            }
            _ => {
                lit.push(c);
                *pos += 1;
            }
        }
    }
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    Ok(parts)
}

fn expand_seq(seq: &[Part]) -> Result<Vec<String>, String> {
    let mut acc = vec![String::new()];
    for part in seq {
        let options = match part {
            Part::Lit(s) => vec![s.clone()],
            Part::Alt(alts) => {
                let mut v = Vec::new();
                for alt in alts {
                    v.extend(expand_seq(alt)?);
                }
                v
            }
        };
        if acc.len().saturating_mul(options.len()) > MAX_EXPANSIONS {
            return Err(format!(
                "template expands to more than {MAX_EXPANSIONS} phrases"
            ));
        }
        acc = acc
            .iter()
            .flat_map(|a| options.iter().map(move |o| format!("{a}{o}")))
            .collect();
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand_and_nest() {
        let cases: &[(&str, &[&str])] = &[
            ("plain phrase", &["plain phrase"]),
            ("{a|b} c", &["a c", "b c"]),
            ("x {y |}z", &["x y z", "x z"]),
            ("{a {b|c}|d}", &["a b", "a c", "d"]),
            ("<\\|im_start\\|> \\{x\\} \\@", &["<|im_start|> {x} @"]),
        ];
        for (t, want) in cases {
            assert_eq!(expand_template(t).unwrap(), *want, "{t}");
        }
    }

    #[test]
    fn bad_templates_are_errors() {
        for t in ["{a|b", "a}b", "a|b", "{a|b}}"] {
            assert!(expand_template(t).is_err(), "{t}");
        }
        assert!(expand_file("@x = {a|b}\n@y c").is_err());
        assert!(
            expand_file(
                "{a|b|c|d|e|f|g|h}{a|b|c|d|e|f|g|h}{a|b|c|d|e|f|g|h}{a|b|c|d|e|f|g|h}{a|b}"
            )
            .is_err()
        );
    }

    #[test]
    fn macros_substitute() {
        let got = expand_file("# c\n@r = {rules|instructions}\n@v = {ignore|skip}\n@v your @r\n")
            .unwrap();
        assert_eq!(
            got,
            [
                "ignore your rules",
                "ignore your instructions",
                "skip your rules",
                "skip your instructions"
            ]
        );
    }
}
