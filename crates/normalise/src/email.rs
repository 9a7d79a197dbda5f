//! E-mail addresses (`local@domain.tld`, ASCII), found from their `@`. The domain
//! needs at least two labels and an alphabetic top-level label, which rules out
//! `user@localhost`, `@mentions` and `pkg@1.2.3`; image names like `icon@2x.png` are
//! not addresses either. Shared by the leet fold (an address's `@` is not a leet `a`)
//! and the `email` PII rule of gatehouse-core.

use super::bytes::{char_at, char_before};

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

fn is_domain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-')
}

/// Whether `c` glues to an address: a non-ASCII letter or digit (an address glued to
/// `ñandú` or `中文` is not one). Non-ASCII punctuation and spaces (`—`, `“”`, `。`, a
/// no-break space) end an address as ASCII ones do.
fn glues(c: Option<char>) -> bool {
    c.is_some_and(|c| !c.is_ascii() && c.is_alphanumeric())
}

/// The e-mail address around the `@` at byte `at` of `bytes`, as a byte range, or
/// `None` when that `@` is not part of one.
pub fn address_at(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    // Local part: back from the `@`, at most 64 characters.
    let mut s = at;
    while s > 0 && at - s < 64 && bytes.get(s - 1).copied().is_some_and(is_local) {
        s -= 1;
    }
    // Quotes and dots may not start the local part (`'bob@x.io'` keeps the quote out).
    while s < at
        && bytes
            .get(s)
            .is_some_and(|&b| matches!(b, b'.' | b'\'' | b'-' | b'+'))
    {
        s += 1;
    }
    let local = bytes.get(s..at)?;
    if local.is_empty() || local.ends_with(b".") || local.windows(2).any(|w| w == b"..") {
        return None;
    }
    if s > 0 && (bytes.get(s - 1) == Some(&b'@') || glues(char_before(bytes, s))) {
        return None; // glued to non-ASCII letters or another `@`
    }
    // Domain: forward from the `@`, at most 253 characters, trailing dots and
    // hyphens dropped (`mail me at a@b.io.`).
    let mut e = at + 1;
    while e - at <= 253 && bytes.get(e).copied().is_some_and(is_domain) {
        e += 1;
    }
    while e > at + 1 && bytes.get(e - 1).is_some_and(|&b| b == b'.' || b == b'-') {
        e -= 1;
    }
    if bytes.get(e).is_some_and(|&b| b == b'@' || b == b'_') || glues(char_at(bytes, e)) {
        return None;
    }
    let domain = bytes.get(at + 1..e)?;
    let mut labels = 0;
    let mut tld: &[u8] = &[];
    for label in domain.split(|&b| b == b'.') {
        if label.is_empty() || label.len() > 63 || label.starts_with(b"-") || label.ends_with(b"-")
        {
            return None;
        }
        labels += 1;
        tld = label;
    }
    let image = [&b"png"[..], b"jpg", b"jpeg", b"gif", b"svg", b"webp"]
        .iter()
        .any(|x| tld.eq_ignore_ascii_case(x));
    let tld_ok = tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic) && !image;
    (labels >= 2 && tld_ok).then_some((s, e))
}
