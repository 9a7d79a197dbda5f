//! `ip_address`: IPv4 addresses (four decimal octets, each 0–255, no leading
//! zeros) and IPv6 addresses, full or compressed (`2001:db8::1`, `::ffff:192.0.2.1`),
//! parsed with the standard library so only real addresses match.
//!
//! Version strings: a dotted quad is a valid address, so `1.2.3.4` in prose *is*
//! reported, unless it is glued to a word (`v1.2.3.4`, `app-1.2.3.4`), part of a
//! longer dotted run (`1.2.3.4.5`, OIDs) or follows a version word ("version",
//! "release", "build", "ver") within a few bytes. Redacting a rare four-part version
//! costs little; letting an address through would leak it.
//!
//! With `ignore_private: true`, private, loopback, link-local, unique-local and
//! unspecified addresses (`10.0.0.1`, `127.0.0.1`, `fe80::1`, `::`) are skipped.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::digits;
use super::{Check, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of an `ip_address` rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Skip private, loopback, link-local and unspecified addresses. Default false.
    #[serde(default)]
    pub ignore_private: bool,
}

/// A compiled `ip_address` rule.
#[derive(Debug)]
pub(crate) struct IpAddress {
    ignore_private: bool,
}

impl IpAddress {
    pub(crate) fn compile(config: &Config) -> IpAddress {
        IpAddress {
            ignore_private: config.ignore_private,
        }
    }
}

const VERSION_WORDS: &[&str] = &[
    "version", "release", "build", "ver", "ver.", "firmware", "v.",
];

impl Check for IpAddress {
    fn category(&self) -> Category {
        Category::Pii
    }

    fn severity(&self) -> Severity {
        Severity::Low
    }

    fn label(&self) -> &str {
        "IP"
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let text = input.text;
        let bytes = text.as_bytes();
        let mut done = 0;
        // End of the last run that failed as IPv6: its later colons see the same
        // candidate, but a dotted IPv4 address inside it (`host:192.0.2.7`) is still
        // looked for.
        let mut v6_failed = 0;
        let mut pos = 0;
        while let Some(off) = bytes
            .get(pos..)
            .and_then(|rest| memchr::memchr2(b'.', b':', rest))
        {
            let at = pos + off;
            pos = at + 1;
            if at < done {
                pos = done;
                continue;
            }
            let found = if bytes.get(at) == Some(&b'.') {
                v4_at(text, at)
            } else if at < v6_failed {
                None
            } else {
                match v6_at(bytes, at) {
                    Ok(found) => Some(found),
                    Err(resume) => {
                        v6_failed = resume;
                        None
                    }
                }
            };
            let Some((s, e, private)) = found else {
                continue;
            };
            done = e;
            if !(self.ignore_private && private) {
                let why = if bytes.get(s..e).is_some_and(|t| t.contains(&b':')) {
                    "IPv6 address"
                } else {
                    "IPv4 address"
                };
                hits.push(Hit::new(s, e, why));
            }
        }
        Ok(())
    }
}

/// The IPv4 address whose first dot is at `dot`: `(start, end, private)`.
fn v4_at(text: &str, dot: usize) -> Option<(usize, usize, bool)> {
    let bytes = text.as_bytes();
    let mut s = dot;
    while s > 0 && dot - s < 3 && bytes.get(s - 1).is_some_and(u8::is_ascii_digit) {
        s -= 1;
    }
    if s == dot {
        return None;
    }
    // Not glued to a word or to a longer dotted run.
    if let Some(&p) = s.checked_sub(1).and_then(|i| bytes.get(i))
        && (digits::word_before(bytes, s)
            || p == b'.'
            || ((p == b'-' || p == b'/') && digits::word_before(bytes, s - 1)))
    {
        return None;
    }
    let mut e = s;
    for part in 0..4 {
        let os = e;
        while e - os < 4 && bytes.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
        let octet = bytes.get(os..e)?;
        if octet.is_empty() || octet.len() > 3 || (octet.len() > 1 && octet.first() == Some(&b'0'))
        {
            return None;
        }
        if part < 3 {
            if bytes.get(e) != Some(&b'.') {
                return None;
            }
            e += 1;
        }
    }
    let next = bytes.get(e).copied();
    let next2 = bytes.get(e + 1).copied();
    if digits::word_at(bytes, e)
        || (next == Some(b'.') && next2.is_some_and(|b| b.is_ascii_alphanumeric()))
    {
        return None;
    }
    let addr: Ipv4Addr = text.get(s..e)?.parse().ok()?;
    if digits::context_before(text, s, 12, VERSION_WORDS) {
        return None;
    }
    let private =
        addr.is_private() || addr.is_loopback() || addr.is_link_local() || addr.is_unspecified();
    Some((s, e, private))
}

fn is_v6(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

/// The IPv6 address around the colon at `colon`: `(start, end, private)`.
fn v6_at(bytes: &[u8], colon: usize) -> Result<(usize, usize, bool), usize> {
    let fail = |e: usize| e.max(colon + 1);
    let mut s = colon;
    while s > 0
        && colon - s < 40
        && bytes
            .get(s - 1)
            .copied()
            .is_some_and(|b| b.is_ascii_hexdigit() || b == b':')
    {
        s -= 1;
    }
    let mut e = colon;
    while e - s < 46 && bytes.get(e).copied().is_some_and(is_v6) {
        e += 1;
    }
    let in_run = |i: usize| bytes.get(i).copied().is_some_and(is_v6);
    if (colon - s == 40 && s > 0 && in_run(s - 1)) || (e - s == 46 && in_run(e)) {
        // Longer than any address: nothing inside stands on its own; skip it all.
        while in_run(e) {
            e += 1;
        }
        return Err(e);
    }
    // Trailing punctuation of the sentence is not part of the address.
    while e > colon + 1
        && bytes
            .get(e - 1)
            .is_some_and(|&b| b == b'.' || (b == b':' && bytes.get(e - 2) != Some(&b':')))
    {
        e -= 1;
    }
    let colon = |i: Option<usize>| i.and_then(|i| bytes.get(i)) == Some(&b':');
    if digits::word_before(bytes, s)
        || colon(s.checked_sub(1))
        || digits::word_at(bytes, e)
        || colon(Some(e))
    {
        return Err(fail(e));
    }
    let Some(cand) = bytes.get(s..e).and_then(|c| std::str::from_utf8(c).ok()) else {
        return Err(fail(e));
    };
    let Ok(addr) = cand.parse::<Ipv6Addr>() else {
        return Err(fail(e));
    };
    // `a::b` in code or `::` alone are too weak: ask for a group of 3+ hex digits
    // or the full eight groups.
    let strong = cand.split(':').any(|g| g.len() >= 3) || cand.matches(':').count() == 7;
    if !strong {
        return Err(fail(e));
    }
    let private = addr.is_loopback()
        || addr.is_unspecified()
        || addr.is_unique_local()
        || addr.is_unicast_link_local()
        || addr
            .to_ipv4_mapped()
            .is_some_and(|v4| v4.is_private() || v4.is_loopback());
    Ok((s, e, private))
}
