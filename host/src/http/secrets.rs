//! Secret values, resolved from environment variables named in the
//! configuration. Values never appear in `Debug` output or errors.

use anyhow::bail;
use std::collections::BTreeMap;

/// Secret name → value.
#[derive(Clone, Default)]
pub struct Secrets(BTreeMap<String, String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys().map(|k| format!("{k}=<redacted>"))).finish()
    }
}

impl Secrets {
    /// Resolve `names` (secret name → environment variable) from the
    /// process environment.
    pub fn from_env(integration: &str, names: &BTreeMap<String, String>) -> anyhow::Result<Self> {
        Self::from_env_optional(integration, names, &[])
    }

    /// As [`Secrets::from_env`], but the secrets named in `optional` may be
    /// unset (a refresh token the host also keeps itself).
    pub fn from_env_optional(
        integration: &str,
        names: &BTreeMap<String, String>,
        optional: &[&str],
    ) -> anyhow::Result<Self> {
        let mut values = BTreeMap::new();
        for (secret, var) in names {
            match std::env::var(var) {
                Ok(v) if !v.is_empty() => {
                    values.insert(secret.clone(), v);
                }
                _ if optional.contains(&secret.as_str()) => {}
                _ => bail!(
                    "integration {integration} needs secret `{secret}`: set the environment variable {var} (named in [integration.secrets])"
                ),
            }
        }
        Ok(Self(values))
    }

    /// Secrets given directly (demo, tests).
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    /// The value of `name`, or an error saying how to provide it.
    pub fn get(&self, name: &str) -> anyhow::Result<&str> {
        match self.0.get(name) {
            Some(v) => Ok(v),
            None => bail!(
                "the connector needs secret `{name}`, which is not configured: add `{name} = \"ENV_VAR\"` under [integration.secrets]"
            ),
        }
    }

    /// Every secret value, for scrubbing texts before display.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.values().map(String::as_str)
    }
}
