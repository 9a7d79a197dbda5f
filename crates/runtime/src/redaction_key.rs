//! Where the redaction key ([`SealKey`]) comes from at cold start.
//!
//! - **Deployed**: `GATEHOUSE_REDACTION_KEY_SECRET_ARN` names a Secrets Manager secret
//!   whose `SecretString` is the base64 of 32 bytes. The function reads it once per cold
//!   start with `secretsmanager:GetSecretValue` (its role may read that one secret and
//!   nothing else), so the key never sits in the function's configuration, where
//!   anyone allowed `lambda:GetFunctionConfiguration` could read it.
//! - **Local runs** (`gatehouse invoke`, `sam local invoke`, tests):
//!   `GATEHOUSE_REDACTION_KEY` holds the base64 key itself.
//! - Neither: no key; the redaction map is dropped (redaction is irreversible, never in
//!   clear).
//!
//! Both set is a configuration error, as is a secret that cannot be read or does not
//! hold a valid key: the function refuses to start (fail closed) rather than run
//! without the key it was deployed with.

use crate::seal::{SealError, SealKey};

/// The variable naming the secret (deployments).
pub const SECRET_ENV: &str = "GATEHOUSE_REDACTION_KEY_SECRET_ARN";
/// The variable holding the key itself (local runs).
pub const KEY_ENV: &str = "GATEHOUSE_REDACTION_KEY";

/// Why the redaction key could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// Both variables are set: which one is meant is unclear.
    #[error("set {SECRET_ENV} or {KEY_ENV}, not both")]
    Ambiguous,
    /// Secrets Manager did not return the secret.
    #[error("secret `{secret}`: GetSecretValue failed: {message}")]
    Fetch {
        /// The secret's ARN or name.
        secret: String,
        /// What the service or the connection said (no secret material).
        message: String,
    },
    /// The secret has no `SecretString` (a binary secret, or an empty one).
    #[error("secret `{secret}` has no SecretString (store the base64 of 32 bytes as text)")]
    NotText {
        /// The secret's ARN or name.
        secret: String,
    },
    /// The key text is not base64 of 32 bytes.
    #[error("{source_name}: {error}")]
    Bad {
        /// Where the text came from (the variable, or the secret).
        source_name: String,
        /// The decoding error.
        error: SealError,
    },
}

/// Where the key is to come from, read from the environment (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A Secrets Manager secret (ARN or name).
    Secret(String),
    /// The base64 key itself.
    Inline(String),
    /// No key configured.
    None,
}

impl KeySource {
    /// The source `env` describes (`env` returns a variable's value, `None` when unset
    /// or empty).
    pub fn from_env_with(env: impl Fn(&str) -> Option<String>) -> Result<KeySource, KeyError> {
        match (env(SECRET_ENV), env(KEY_ENV)) {
            (Some(_), Some(_)) => Err(KeyError::Ambiguous),
            (Some(secret), None) => Ok(KeySource::Secret(secret.trim().to_owned())),
            (None, Some(key)) => Ok(KeySource::Inline(key)),
            (None, None) => Ok(KeySource::None),
        }
    }

    /// The source the process environment describes.
    pub fn from_env() -> Result<KeySource, KeyError> {
        KeySource::from_env_with(crate::env_var)
    }
}

/// The key from a secret: one `GetSecretValue` call.
pub async fn from_secret(
    client: &aws_sdk_secretsmanager::Client,
    secret: &str,
) -> Result<SealKey, KeyError> {
    let out = client
        .get_secret_value()
        .secret_id(secret)
        .send()
        .await
        .map_err(|e| KeyError::Fetch {
            secret: secret.to_owned(),
            message: aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
        })?;
    let text = out
        .secret_string()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| KeyError::NotText {
            secret: secret.to_owned(),
        })?;
    SealKey::from_base64(text).map_err(|error| KeyError::Bad {
        source_name: format!("secret `{secret}`"),
        error,
    })
}

/// The key for this cold start from `source`. A Secrets Manager client is built (from
/// the default AWS configuration) only when the source is a secret.
pub async fn load(source: &KeySource) -> Result<Option<SealKey>, KeyError> {
    match source {
        KeySource::Secret(secret) => {
            let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let client = aws_sdk_secretsmanager::Client::new(&sdk);
            from_secret(&client, secret).await.map(Some)
        }
        KeySource::Inline(text) => inline(text).map(Some),
        KeySource::None => Ok(None),
    }
}

/// The key for this cold start from the source the process environment describes
/// ([`KeySource::from_env`], then [`load`]): what a deployed function calls.
pub async fn from_env() -> Result<Option<SealKey>, KeyError> {
    load(&KeySource::from_env()?).await
}

/// The key from the text of `GATEHOUSE_REDACTION_KEY` (no I/O: what local runs use).
pub fn inline(text: &str) -> Result<SealKey, KeyError> {
    SealKey::from_base64(text).map_err(|error| KeyError::Bad {
        source_name: KEY_ENV.to_owned(),
        error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Variables set, and the source they name (`Err` for a refusal).
    type Case = (
        &'static [(&'static str, &'static str)],
        Result<KeySource, ()>,
    );

    #[test]
    fn the_environment_names_one_source_or_none() {
        let cases: [Case; 4] = [
            (&[], Ok(KeySource::None)),
            (
                &[(
                    SECRET_ENV,
                    " arn:aws:secretsmanager:eu-west-1:123456789012:secret:k ",
                )],
                Ok(KeySource::Secret(
                    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k".to_owned(),
                )),
            ),
            (
                &[(KEY_ENV, "a2V5")],
                Ok(KeySource::Inline("a2V5".to_owned())),
            ),
            (&[(SECRET_ENV, "s"), (KEY_ENV, "k")], Err(())),
        ];
        for (vars, want) in cases {
            let env = |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            };
            let got = KeySource::from_env_with(env).map_err(|_| ());
            assert_eq!(got, want, "{vars:?}");
        }
    }

    #[tokio::test]
    async fn an_inline_key_must_be_base64_of_32_bytes() {
        let good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let key = load(&KeySource::Inline(good.to_owned())).await;
        assert!(matches!(key, Ok(Some(_))), "{key:?}");
        let short = load(&KeySource::Inline("AAEC".to_owned())).await;
        assert!(
            matches!(short, Err(KeyError::Bad { ref source_name, .. }) if source_name == KEY_ENV),
            "{short:?}"
        );
        assert!(matches!(load(&KeySource::None).await, Ok(None)));
    }
}
