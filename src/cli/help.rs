//! What `--help` shows of the derive types. A flag that sets a config key gets its help
//! from the key registry (`config::keys`), where each key's text is written once (the man
//! pages' ENVIRONMENT reads it too), and the name of its environment variable; the global
//! flags come grouped by heading; a verb leaves out the global flags that do nothing for it.

use crate::config::keys;

/// `cmd`, the derive types' command, as mqq shows it.
pub(super) fn shown(mut cmd: clap::Command) -> clap::Command {
    for key in keys::KEYS {
        if let Some(flag) = key.flag {
            cmd = cmd.mut_arg(flag.id, |a| registry_help(a, key));
        }
    }
    let flagged = keys::KEYS
        .iter()
        .filter_map(|k| Some((k.flag?.id, k.env?)))
        .chain(keys::FILE_INPUTS.iter().map(|(id, _, env)| (*id, *env)));
    for (id, env) in flagged {
        cmd = cmd.mut_arg(id, |a| {
            let help = a.get_help().map(ToString::to_string).unwrap_or_default();
            let long = a.get_long_help().map(|l| format!("{l} [env: {env}]"));
            let a = a.help(format!("{help} [env: {env}]"));
            match long {
                Some(l) => a.long_help(l),
                None => a,
            }
        });
    }
    // Help lists the global flags by heading in this order: clap orders headings as their
    // first flags come, and `mut_arg` moves a flag to the end.
    for id in HELP_ORDER {
        cmd = cmd.mut_arg(id, |a| a);
    }
    // Each verb's help and completions leave out the global flags that do nothing for it:
    // the verb gets a hidden copy, which clap's propagation of the global flag then leaves
    // alone (the flag is still accepted, as the environment and config file are).
    for (verb, ids) in UNUSED {
        let hidden: Vec<clap::Arg> = cmd
            .get_arguments()
            .filter(|a| a.is_global_set())
            .filter(|a| {
                let id = a.get_id().as_str();
                if ids.first() == Some(&"*") {
                    !KEPT_BY_ALL.contains(&id)
                } else {
                    ids.contains(&id)
                }
            })
            .map(|a| a.clone().hide(true))
            .collect();
        cmd = cmd.mut_subcommand(verb, |sc| sc.args(hidden));
    }
    cmd
}

/// The help of `key`'s flag: the key's doc is its line, and what the derive wrote for the
/// flag, if anything, a paragraph of its own after it (what only the command line adds: a
/// password in `ps`, repeating `-L`). A switch that sets its key to false says what it does
/// itself (`--raw` sets `options.serialize_envelope=false`: the key's doc says the opposite).
fn registry_help(a: clap::Arg, key: &keys::Key) -> clap::Arg {
    if key.flag.and_then(|f| f.switch) == Some("false") {
        return a;
    }
    let line = sentence(key.doc);
    let own = a
        .get_long_help()
        .or_else(|| a.get_help())
        .map(ToString::to_string);
    let a = a.help(line.clone());
    match own {
        Some(own) => a.long_help(format!("{line}\n\n{own}")),
        None => a,
    }
}

/// A registry doc as a help line: the registry writes it lower-case, as the man pages'
/// ENVIRONMENT lists it after a variable's name; clap's lines start with a capital.
fn sentence(doc: &str) -> String {
    let mut chars = doc.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The global flags in the order `--help` shows them: the queue, the connection, TLS, config.
const HELP_ORDER: [&str; 29] = [
    "topic",
    "client_id",
    "qos",
    "group",
    "raw",
    "envelope_version",
    "uri",
    "host",
    "port",
    "protocol",
    "protocol_version",
    "username",
    "password",
    "password_file",
    "tls",
    "cafile",
    "capath",
    "cert",
    "key",
    "insecure",
    "tls_server_name",
    "alpn",
    "config",
    "queue",
    "set",
    "verbose",
    "quiet",
    "help",
    "version",
];

/// The global flags that do nothing for a verb (`*`: all but [`KEPT_BY_ALL`]).
const UNUSED: [(&str, &[&str]); 11] = [
    // send connects with its own client id (taking the queue's would take over its session).
    ("send", &["client_id", "group"]),
    ("receive", &["envelope_version"]),
    ("listen", &["envelope_version"]),
    ("peek", &["envelope_version", "group"]),
    ("count", &["envelope_version", "group", "raw"]),
    ("clear", &["envelope_version", "group", "raw", "qos"]),
    // move and work's dead letters pass the original bytes on.
    ("move", &["envelope_version"]),
    ("work", &["envelope_version"]),
    ("check", &["client_id", "group", "envelope_version"]),
    ("completions", &["*"]),
    ("man", &["*"]),
];

/// What `*` in [`UNUSED`] keeps.
const KEPT_BY_ALL: [&str; 1] = ["help"];

#[cfg(test)]
mod tests {
    use super::{keys, sentence};
    use crate::cli::command;

    /// A flag that sets a key says the registry's text, and the derive does not say it again.
    #[test]
    fn the_registry_writes_the_help_of_its_keys_flags() {
        let mut cmd = command().term_width(10_000);
        cmd.build();
        let derived = <crate::cli::Cli as clap::CommandFactory>::command();
        for k in keys::KEYS {
            let Some(flag) = k.flag.filter(|f| f.switch != Some("false")) else {
                continue;
            };
            let arg = cmd.get_arguments().find(|a| a.get_id() == flag.id).unwrap();
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let line = sentence(k.doc);
            let env = k.env.map(|e| format!(" [env: {e}]")).unwrap_or_default();
            assert_eq!(help, format!("{line}{env}"), "{}", k.key);
            if let Some(long) = arg.get_long_help() {
                assert!(long.to_string().starts_with(&line), "{}: {long}", k.key);
            }
            let own = derived
                .get_arguments()
                .find(|a| a.get_id() == flag.id)
                .and_then(|a| a.get_long_help().or_else(|| a.get_help()))
                .map(ToString::to_string)
                .unwrap_or_default();
            assert!(
                !own.to_lowercase().starts_with(&k.doc.to_lowercase()),
                "{}: the derive repeats {:?}",
                k.key,
                k.doc
            );
        }
    }

    /// Every flag of the key registry exists with its long name, and `--help` names its
    /// environment variable; no other flag's help claims an environment variable.
    #[test]
    fn help_and_key_registry_agree() {
        // No wrapping, so that each `[env: NAME]` stays on one line.
        let mut cmd = command().term_width(10_000);
        cmd.build();
        let help = cmd.render_help().to_string();
        let long_help = cmd.render_long_help().to_string();
        let mut claimed = Vec::new();
        for k in keys::KEYS {
            let Some(flag) = k.flag else { continue };
            let arg = cmd
                .get_arguments()
                .find(|a| a.get_id() == flag.id)
                .unwrap_or_else(|| panic!("{}: no flag with id {}", k.key, flag.id));
            assert_eq!(
                arg.get_long().map(|l| format!("--{l}")).as_deref(),
                Some(flag.long),
                "{}",
                k.key
            );
            let arg_help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            if let Some(env) = k.env {
                assert!(
                    arg_help.ends_with(&format!("[env: {env}]")),
                    "{}: {arg_help}",
                    k.key
                );
                assert!(
                    help.contains(&format!("[env: {env}]")),
                    "--help lacks {env}"
                );
                assert!(
                    long_help.contains(&format!("[env: {env}]")),
                    "long help lacks {env}"
                );
                claimed.push(env);
            } else {
                assert!(!arg_help.contains("[env:"), "{}: {arg_help}", k.key);
            }
        }
        for (id, long, env) in keys::FILE_INPUTS {
            let arg = cmd.get_arguments().find(|a| a.get_id() == *id).unwrap();
            assert_eq!(
                arg.get_long().map(|l| format!("--{l}")).as_deref(),
                Some(*long)
            );
            assert!(
                help.contains(&format!("[env: {env}]")),
                "--help lacks {env}"
            );
            claimed.push(env);
        }
        assert_eq!(
            long_help.matches("[env: ").count(),
            claimed.len(),
            "long help names an environment variable the registry does not know"
        );
        assert_eq!(
            help.matches("[env: ").count(),
            claimed.len(),
            "--help names an environment variable the registry does not know:\n{help}"
        );
    }
}
