//! Sealing the reversible redaction map so it can travel through the state machine
//! without being readable.
//!
//! The prompt-preprocessor replaces PII by placeholders (`<EMAIL_1>`) and returns the
//! placeholder → value map **sealed**: AES-256-GCM with a key from
//! [`crate::redaction_key`] (base64 of 32 bytes: in AWS a Secrets Manager secret read
//! once per cold start, in local runs `GATEHOUSE_REDACTION_KEY`), a random
//! 96-bit nonce per request, and the request and session ids as associated data, so a
//! sealed map only opens for the request it was made for. The placeholders themselves
//! are listed in clear (they carry no data).
//!
//! After inference the holder of the same key (the output-validator, given the sealed
//! map) opens it with [`unseal`] and restores the values in the allowed answer with
//! [`RedactionMap::restore`]. Without a key configured the map is dropped: redaction is
//! then irreversible, never in clear.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use gatehouse_core::RedactionMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

/// The algorithm tag written into every sealed map.
pub const ALG: &str = "A256GCM";

/// A 256-bit sealing key. `Debug` shows only its id.
#[derive(Clone)]
pub struct SealKey {
    key: [u8; 32],
    kid: String,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Why a map cannot be sealed or opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The configured key is not base64 of 32 bytes.
    #[error("redaction key must be base64 of 32 bytes")]
    BadKey,
    /// The sealed map was made with another key.
    #[error("sealed map was made with key `{found}`, this function has key `{expected}`")]
    WrongKey {
        /// The key id in the sealed map.
        found: String,
        /// Our key id.
        expected: String,
    },
    /// Tampered, truncated, or sealed for another request.
    #[error("sealed map does not open (tampered, or sealed for another request)")]
    Open,
    /// Malformed fields.
    #[error("sealed map is malformed: {0}")]
    Malformed(String),
    /// No randomness available.
    #[error("no randomness for a nonce: {0}")]
    Random(String),
}

impl SealKey {
    /// A key from its raw bytes.
    pub fn from_bytes(key: [u8; 32]) -> SealKey {
        let kid = hex::encode(Sha256::digest(key).get(..4).unwrap_or_default());
        SealKey { key, kid }
    }

    /// A key from base64 text.
    pub fn from_base64(text: &str) -> Result<SealKey, SealError> {
        let bytes = B64.decode(text.trim()).map_err(|_| SealError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        Ok(SealKey::from_bytes(key))
    }

    /// A fresh random key (local runs and tests).
    pub fn generate() -> Result<SealKey, SealError> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| SealError::Random(e.to_string()))?;
        Ok(SealKey::from_bytes(key))
    }

    /// Short id of the key (first 4 bytes of its SHA-256, hex): safe to log.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    fn cipher(&self) -> Result<Aes256Gcm, SealError> {
        Aes256Gcm::new_from_slice(&self.key).map_err(|_| SealError::BadKey)
    }
}

/// A redaction map, encrypted. Safe to put in responses, state and logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedMap {
    /// Always [`ALG`].
    pub alg: String,
    /// Id of the key that sealed it.
    pub kid: String,
    /// The 96-bit nonce, base64.
    pub nonce: String,
    /// The encrypted JSON object placeholder → value, base64, with the GCM tag.
    pub ciphertext: String,
    /// The placeholders the map restores (no values).
    pub placeholders: Vec<String>,
}

fn aad(request_id: &str, session_id: &str) -> Vec<u8> {
    format!("gatehouse-redaction-v1\u{1f}{request_id}\u{1f}{session_id}").into_bytes()
}

/// Seals `map` for one request.
pub fn seal(
    map: &RedactionMap,
    key: &SealKey,
    request_id: &str,
    session_id: &str,
) -> Result<SealedMap, SealError> {
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(|e| SealError::Random(e.to_string()))?;
    let plain: std::collections::BTreeMap<&str, &str> = map.iter().collect();
    let msg = serde_json::to_vec(&plain).map_err(|e| SealError::Malformed(e.to_string()))?;
    let aad = aad(request_id, session_id);
    let ct = key
        .cipher()?
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &msg,
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Open)?;
    Ok(SealedMap {
        alg: ALG.to_owned(),
        kid: key.kid.clone(),
        nonce: B64.encode(nonce),
        ciphertext: B64.encode(ct),
        placeholders: map.iter().map(|(k, _)| k.to_owned()).collect(),
    })
}

/// Opens a sealed map made for this request with this key.
pub fn unseal(
    sealed: &SealedMap,
    key: &SealKey,
    request_id: &str,
    session_id: &str,
) -> Result<RedactionMap, SealError> {
    if sealed.alg != ALG {
        return Err(SealError::Malformed(format!(
            "unknown alg `{}`",
            sealed.alg
        )));
    }
    if sealed.kid != key.kid {
        return Err(SealError::WrongKey {
            found: sealed.kid.clone(),
            expected: key.kid.clone(),
        });
    }
    let nonce: [u8; 12] = B64
        .decode(&sealed.nonce)
        .ok()
        .and_then(|n| n.try_into().ok())
        .ok_or_else(|| SealError::Malformed("nonce must be base64 of 12 bytes".into()))?;
    let ct = B64
        .decode(&sealed.ciphertext)
        .map_err(|_| SealError::Malformed("ciphertext is not base64".into()))?;
    let aad = aad(request_id, session_id);
    let plain = key
        .cipher()?
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &ct,
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Open)?;
    let pairs: std::collections::BTreeMap<String, String> =
        serde_json::from_slice(&plain).map_err(|_| SealError::Open)?;
    Ok(RedactionMap::from_pairs(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> RedactionMap {
        RedactionMap::from_pairs([("<EMAIL_1>".to_owned(), "ana@example.com".to_owned())])
    }

    #[test]
    fn round_trip_and_no_clear_value() -> Result<(), SealError> {
        let key = SealKey::generate()?;
        let sealed = seal(&map(), &key, "req-1", "sess-1")?;
        let json = serde_json::to_string(&sealed).unwrap_or_default();
        assert!(!json.contains("ana@example.com"));
        assert_eq!(sealed.placeholders, ["<EMAIL_1>"]);
        let back = unseal(&sealed, &key, "req-1", "sess-1")?;
        assert_eq!(back.restore("mail <EMAIL_1>"), "mail ana@example.com");
        Ok(())
    }

    #[test]
    fn refuses_other_request_other_key_and_tampering() -> Result<(), SealError> {
        let key = SealKey::generate()?;
        let sealed = seal(&map(), &key, "req-1", "sess-1")?;
        assert!(matches!(
            unseal(&sealed, &key, "req-2", "sess-1"),
            Err(SealError::Open)
        ));
        assert!(matches!(
            unseal(&sealed, &SealKey::generate()?, "req-1", "sess-1"),
            Err(SealError::WrongKey { .. })
        ));
        let mut bad = sealed.clone();
        bad.ciphertext = B64.encode([0u8; 40]);
        assert!(matches!(
            unseal(&bad, &key, "req-1", "sess-1"),
            Err(SealError::Open)
        ));
        Ok(())
    }

    #[test]
    fn key_parsing() {
        assert!(SealKey::from_base64("c2hvcnQ=").is_err());
        let k = SealKey::from_base64(&B64.encode([7u8; 32]));
        assert!(k.is_ok_and(|k| !format!("{k:?}").contains("7, 7")));
    }
}
