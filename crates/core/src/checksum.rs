//! Check digits and validity rules shared by the PII detectors, public for reuse:
//! the Luhn check of payment cards, the ISO 7064 mod-97 check of IBANs with the
//! registry's length per country, and the SSA's rules for US Social Security numbers.
//!
//! Every function takes ASCII and answers `false` for anything malformed rather
//! than failing, so a detector can call it on raw candidates.

/// True when `digits` (ASCII digits only, at least two of them) passes the Luhn check.
///
/// ```
/// use gatehouse_core::checksum::luhn_valid;
/// assert!(luhn_valid(b"4111111111111111"));
/// assert!(!luhn_valid(b"4111111111111112"));
/// ```
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.len() < 2 {
        return false;
    }
    let mut sum = 0u32;
    for (i, &b) in digits.iter().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let d = u32::from(b - b'0');
        sum += if i % 2 == 1 {
            let x = d * 2;
            if x > 9 { x - 9 } else { x }
        } else {
            d
        };
    }
    sum.is_multiple_of(10)
}

/// The IBAN length of a country (ISO 3166 alpha-2, upper case) per the SWIFT IBAN
/// registry, including the territories that use their parent's format.
pub fn iban_length(country: [u8; 2]) -> Option<usize> {
    let len = match &country {
        b"NO" => 15,
        b"BE" => 16,
        b"DK" | b"FI" | b"FO" | b"GL" | b"NL" | b"SD" | b"FK" | b"AX" => 18,
        b"MK" | b"SI" => 19,
        b"AT" | b"BA" | b"EE" | b"KZ" | b"LT" | b"LU" | b"XK" | b"MN" => 20,
        b"CH" | b"HR" | b"LI" | b"LV" => 21,
        b"BG" | b"BH" | b"CR" | b"DE" | b"GB" | b"GE" | b"IE" | b"ME" | b"RS" | b"VA" | b"IM"
        | b"JE" | b"GG" => 22,
        b"AE" | b"GI" | b"IL" | b"IQ" | b"OM" | b"SO" | b"TL" => 23,
        b"AD" | b"CZ" | b"ES" | b"MD" | b"PK" | b"RO" | b"SA" | b"SE" | b"SK" | b"TN" | b"VG" => 24,
        b"LY" | b"PT" | b"ST" => 25,
        b"IS" | b"TR" => 26,
        b"BI" | b"DJ" | b"FR" | b"GR" | b"IT" | b"MC" | b"MR" | b"SM" | b"GF" | b"GP" | b"MQ"
        | b"RE" | b"PF" | b"TF" | b"YT" | b"NC" | b"BL" | b"MF" | b"PM" | b"WF" => 27,
        b"AL" | b"AZ" | b"BY" | b"CY" | b"DO" | b"GT" | b"HN" | b"HU" | b"LB" | b"NI" | b"PL"
        | b"SV" => 28,
        b"BR" | b"EG" | b"PS" | b"QA" | b"UA" => 29,
        b"JO" | b"KW" | b"MU" | b"YE" => 30,
        b"MT" | b"SC" => 31,
        b"LC" => 32,
        b"RU" => 33,
        _ => return None,
    };
    Some(len)
}

/// True when `iban` (compact: no spaces, upper-case letters and digits) has its
/// country's registered length and passes the ISO 7064 mod-97 check.
///
/// ```
/// use gatehouse_core::checksum::iban_valid;
/// assert!(iban_valid(b"GB82WEST12345698765432"));
/// assert!(!iban_valid(b"GB82WEST12345698765433"));
/// ```
pub fn iban_valid(iban: &[u8]) -> bool {
    let (Some(&c0), Some(&c1)) = (iban.first(), iban.get(1)) else {
        return false;
    };
    if iban_length([c0, c1]) != Some(iban.len()) {
        return false;
    }
    if !iban
        .get(2..4)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
    {
        return false;
    }
    iban_mod97(iban) == Some(1)
}

/// The ISO 7064 mod-97-10 remainder of an IBAN (the first four characters moved to
/// the end, letters as 10..=35). `None` on a character other than `A-Z` or `0-9`.
pub fn iban_mod97(iban: &[u8]) -> Option<u32> {
    let (head, tail) = (iban.get(..4)?, iban.get(4..)?);
    let mut rem = 0u32;
    for &b in tail.iter().chain(head) {
        rem = match b {
            b'0'..=b'9' => (rem * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => (rem * 100 + u32::from(b - b'A') + 10) % 97,
            _ => return None,
        };
    }
    Some(rem)
}

/// True when a US Social Security number's parts can have been issued: area not
/// 000, 666 or 900–999, group not 00, serial not 0000. The two numbers the SSA
/// lists as voided after public misuse (078-05-1120, 219-09-9999) are refused too.
///
/// ```
/// use gatehouse_core::checksum::ssn_valid;
/// assert!(ssn_valid(123, 45, 6789));
/// assert!(!ssn_valid(666, 45, 6789));
/// ```
pub fn ssn_valid(area: u16, group: u8, serial: u16) -> bool {
    let area_ok = area != 0 && area != 666 && area < 900;
    let voided = matches!((area, group, serial), (78, 5, 1120) | (219, 9, 9999));
    area_ok && group != 0 && group <= 99 && serial != 0 && serial <= 9999 && !voided
}

/// [`ssn_valid`] on the nine ASCII digits of an SSN written without separators.
pub fn ssn_digits_valid(digits: &[u8]) -> bool {
    if digits.len() != 9 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        digits.get(r).map_or(0, |d| {
            d.iter().fold(0u16, |n, &b| n * 10 + u16::from(b - b'0'))
        })
    };
    let group = u8::try_from(num(3..5)).unwrap_or(0);
    ssn_valid(num(0..3), group, num(5..9))
}
