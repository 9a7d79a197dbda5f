//! The little-endian byte format of a serialised [`crate::Matcher`] (its phrase tables
//! and its [`crate::Gate`]): `u32`s, `u32` lists with their length first, and a reader
//! that refuses to read past the end.

/// Appends `v`, little-endian.
pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends the length of `vs`, then each value.
pub(crate) fn put_u32s(out: &mut Vec<u8>, vs: &[u32]) {
    put_u32(out, vs.len() as u32);
    for &v in vs {
        put_u32(out, v);
    }
}

/// Appends the length of `s`, then its bytes.
pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

/// Reads what [`put_u32`], [`put_u32s`] and [`put_str`] wrote; `rest` is what is left.
pub(crate) struct Reader<'a> {
    /// The bytes not read yet.
    pub(crate) rest: &'a [u8],
    /// What is being read, for the error message.
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader { rest: bytes, what }
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.rest.len() {
            return Err(format!("{}: truncated", self.what));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        let mut a = [0u8; 4];
        a.copy_from_slice(b);
        Ok(u32::from_le_bytes(a))
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, String> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.take(n)?)
            .map_err(|_| format!("{}: a string is not UTF-8", self.what))
    }

    pub(crate) fn u32s(&mut self) -> Result<Vec<u32>, String> {
        let n = self.u32()? as usize;
        let mut v = Vec::with_capacity(n.min(self.rest.len() / 4));
        for _ in 0..n {
            v.push(self.u32()?);
        }
        Ok(v)
    }
}
