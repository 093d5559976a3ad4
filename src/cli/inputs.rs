//! Flags and environment as config inputs: every flag of the key registry becomes its dotted
//! key and `--set KEY=VALUE` any key, in command-line order; the environment is read as text,
//! refusing one of mqq's own variables that is not. Resolving them is `config`'s job.

use std::collections::BTreeMap;

use clap::parser::ValueSource;
use clap::ArgMatches;

use crate::config::{keys, FlagValue};
use crate::error::UsageError;

/// The flags of `m` that set config keys, in command-line order, so the later one wins.
pub(super) fn flags(m: &ArgMatches) -> Result<Vec<FlagValue>, UsageError> {
    let mut flags: Vec<(usize, FlagValue)> = Vec::new();
    if let (Some(values), Some(indices)) = (m.get_many::<String>("set"), m.indices_of("set")) {
        for (s, index) in values.zip(indices) {
            let Some((k, v)) = s.split_once('=') else {
                return Err(UsageError(format!(
                    "--set {:?}: expected KEY=VALUE, e.g. --set options.qos=1",
                    crate::config::mask_secret(s)
                )));
            };
            flags.push((
                index,
                FlagValue {
                    key: k.trim().into(),
                    value: v.into(),
                    flag: "--set".into(),
                },
            ));
        }
    }
    for row in keys::KEYS {
        // `--queue` reaches resolution as `ConfigInputs::queue` (it also picks a profile).
        let Some(flag) = row.flag.filter(|_| row.key != "name") else {
            continue;
        };
        if m.value_source(flag.id) != Some(ValueSource::CommandLine) {
            continue;
        }
        let value = match flag.switch {
            Some(v) => v.to_string(),
            None if flag.many.is_some() => match m.get_raw(flag.id) {
                Some(raw) => raw
                    .map(|v| v.to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join(flag.many.unwrap_or(",")),
                None => continue,
            },
            None => match m.get_raw(flag.id).and_then(Iterator::last) {
                Some(raw) => raw.to_string_lossy().into_owned(),
                None => continue,
            },
        };
        flags.push((
            m.index_of(flag.id).unwrap_or(usize::MAX),
            FlagValue {
                key: row.key.into(),
                value,
                flag: flag.long.into(),
            },
        ));
    }
    flags.sort_by_key(|(index, _)| *index);
    Ok(flags.into_iter().map(|(_, f)| f).collect())
}

/// The process environment as text. One of mqq's own variables (`MQQ_URI`, …) that is not
/// UTF-8 is an error naming it: skipping it would quietly fall back to a default (another
/// broker, another topic). Other variables that are not UTF-8 are skipped.
pub(super) fn environment() -> Result<BTreeMap<String, String>, UsageError> {
    let ours = |name: &str| {
        keys::KEYS.iter().any(|k| k.env == Some(name))
            || keys::FILE_INPUTS.iter().any(|(_, _, env)| *env == name)
    };
    let mut vars = BTreeMap::new();
    for (k, v) in std::env::vars_os() {
        let Ok(k) = k.into_string() else { continue };
        match v.into_string() {
            Ok(v) => {
                vars.insert(k, v);
            }
            Err(_) if ours(&k) => {
                return Err(UsageError(format!(
                    "the environment variable {k} is not valid UTF-8 text; fix it, or unset it"
                )));
            }
            Err(_) => {}
        }
    }
    Ok(vars)
}
