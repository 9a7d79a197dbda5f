//! The redaction key read from a real (moto) Secrets Manager on loopback: the path a
//! deployed prompt-preprocessor and output-validator take at cold start.
//!
//! Needs moto (`scripts/bootstrap.sh`, or `GATEHOUSE_MOTO=/path/to/moto_server`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use aws_sdk_secretsmanager::primitives::Blob;
use gatehouse_runtime::redaction_key::{KeyError, from_secret};
use gatehouse_runtime::seal::SealKey;
use gatehouse_testkit::MotoServer;

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// What reading a secret must give.
#[derive(Debug)]
enum Want {
    /// The key whose base64 is this.
    Key(&'static str),
    /// No key, this error.
    Refused(fn(&KeyError) -> bool),
}

#[tokio::test]
async fn the_key_comes_from_the_named_secret_or_the_function_refuses_to_start() {
    let moto = MotoServer::start().expect("moto server (run scripts/bootstrap.sh)");
    let client = aws_sdk_secretsmanager::Client::new(&moto.sdk_config().await);
    let mut arns = std::collections::HashMap::new();
    for (name, text) in [
        ("gatehouse/key", Some(KEY)),
        (
            "gatehouse/key-with-newline",
            Some("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"),
        ),
        ("gatehouse/short", Some("AAECAwQ=")),
        ("gatehouse/not-base64", Some("correct horse battery staple")),
        ("gatehouse/binary", None),
    ] {
        let create = client.create_secret().name(name);
        let create = match text {
            Some(t) => create.secret_string(t),
            None => create.secret_binary(Blob::new(vec![7u8; 32])),
        };
        let out = create.send().await.expect("create secret");
        arns.insert(name, out.arn().expect("arn").to_owned());
    }
    let arn = |name: &str| arns.get(name).cloned().unwrap_or_else(|| name.to_owned());
    let cases: [(&str, String, Want); 7] = [
        ("by ARN", arn("gatehouse/key"), Want::Key(KEY)),
        ("by name", "gatehouse/key".to_owned(), Want::Key(KEY)),
        (
            "trailing newline",
            arn("gatehouse/key-with-newline"),
            Want::Key(KEY),
        ),
        (
            "16 bytes, not 32",
            arn("gatehouse/short"),
            Want::Refused(|e| matches!(e, KeyError::Bad { .. })),
        ),
        (
            "not base64",
            arn("gatehouse/not-base64"),
            Want::Refused(|e| matches!(e, KeyError::Bad { .. })),
        ),
        (
            "binary secret",
            arn("gatehouse/binary"),
            Want::Refused(|e| matches!(e, KeyError::NotText { .. })),
        ),
        (
            "no such secret",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:gatehouse/missing-AbCdEf"
                .to_owned(),
            Want::Refused(
                |e| matches!(e, KeyError::Fetch { message, .. } if message.contains("ResourceNotFound")),
            ),
        ),
    ];
    for (what, secret, want) in cases {
        let got = from_secret(&client, &secret).await;
        match (&got, &want) {
            (Ok(key), Want::Key(b64)) => {
                let expected = SealKey::from_base64(b64).unwrap();
                assert_eq!(key.kid(), expected.kid(), "{what}");
            }
            (Err(e), Want::Refused(is)) => {
                assert!(is(e), "{what}: unexpected error {e}");
                // The error names the secret, never its contents.
                let text = e.to_string();
                assert!(
                    !text.contains("horse") && !text.contains("AAECAwQ"),
                    "{what}: {text}"
                );
            }
            _ => panic!("{what}: got {got:?}, want {want:?}"),
        }
    }
}
