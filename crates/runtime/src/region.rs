//! Data residency: a function runs only in the regions it is allowed to.
//!
//! `ALLOWED_REGIONS` is a comma-separated list (`eu-west-1,eu-central-1`). The function
//! refuses to start (its `main` returns the error, so Lambda reports an init failure)
//! when `AWS_REGION` is missing or not listed. When `ALLOWED_REGIONS` itself is unset
//! the function also refuses: a forgotten setting must not silently lift residency.
//! `ALLOWED_REGIONS=*` allows any region and is meant for local experiments only.

use crate::StartupError;

/// Checks the process environment; returns the region the function runs in (or `local`
/// when `ALLOWED_REGIONS=*` and `AWS_REGION` is unset).
pub fn check() -> Result<String, StartupError> {
    check_with(crate::env_var)
}

/// [`check`] over any environment lookup (for tests).
pub fn check_with(env: impl Fn(&str) -> Option<String>) -> Result<String, StartupError> {
    let allowed = env("ALLOWED_REGIONS").ok_or(StartupError::RegionsUnset)?;
    let region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION"));
    if allowed.trim() == "*" {
        return Ok(region.unwrap_or_else(|| "local".to_owned()));
    }
    let region = region.ok_or_else(|| StartupError::RegionNotAllowed {
        region: String::new(),
        allowed: allowed.clone(),
    })?;
    if allowed.split(',').map(str::trim).any(|r| r == region) {
        Ok(region)
    } else {
        Err(StartupError::RegionNotAllowed { region, allowed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>);

    #[test]
    fn table() {
        let cases: &[Case<'_>] = &[
            (
                "listed",
                &[
                    ("ALLOWED_REGIONS", "eu-west-1,eu-central-1"),
                    ("AWS_REGION", "eu-central-1"),
                ],
                Some("eu-central-1"),
            ),
            (
                "spaces",
                &[
                    ("ALLOWED_REGIONS", " eu-west-1 , us-east-1"),
                    ("AWS_REGION", "us-east-1"),
                ],
                Some("us-east-1"),
            ),
            (
                "not listed",
                &[
                    ("ALLOWED_REGIONS", "eu-west-1"),
                    ("AWS_REGION", "us-east-1"),
                ],
                None,
            ),
            (
                "prefix is not a match",
                &[
                    ("ALLOWED_REGIONS", "eu-west-1"),
                    ("AWS_REGION", "eu-west-10"),
                ],
                None,
            ),
            (
                "unset list fails closed",
                &[("AWS_REGION", "eu-west-1")],
                None,
            ),
            ("no region", &[("ALLOWED_REGIONS", "eu-west-1")], None),
            (
                "wildcard",
                &[("ALLOWED_REGIONS", "*"), ("AWS_REGION", "ap-south-1")],
                Some("ap-south-1"),
            ),
            (
                "wildcard, no region",
                &[("ALLOWED_REGIONS", "*")],
                Some("local"),
            ),
            (
                "default region",
                &[
                    ("ALLOWED_REGIONS", "eu-west-1"),
                    ("AWS_DEFAULT_REGION", "eu-west-1"),
                ],
                Some("eu-west-1"),
            ),
        ];
        for (name, vars, want) in cases {
            let got = check_with(env(vars)).ok();
            assert_eq!(got.as_deref(), *want, "{name}");
        }
    }

    #[test]
    fn refusal_names_region_and_list() {
        let err = check_with(env(&[
            ("ALLOWED_REGIONS", "eu-west-1"),
            ("AWS_REGION", "us-east-1"),
        ]));
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            msg,
            "region `us-east-1` is not in ALLOWED_REGIONS `eu-west-1`"
        );
    }
}
