//! The fast parse of the busiest verbs, and what makes clap's errors useful: the verb of a
//! command line found before clap parses it (so that only that verb is built), the verb's
//! own flags moved after it when they came first (`mqq -F json -t a listen`), and a tip for
//! what users of mosquitto's and NATS's clients type. It works on clap's own types
//! (`clap::Command`, `ArgMatches`): the derive types are the parent's, which hands them in.

use std::ffi::OsString;

/// The verb's own flags that may come before the verb, as connection flags may
/// (`mqq -t a -F json listen`): short, long, and whether they take a value.
const HOISTED: [(char, &str); 3] = [('F', "format"), ('n', "count"), ('W', "timeout")];

/// `argv` with the verb's flags that came before the verb (`-F`, `-n`, `-W`) moved to right
/// after it; `None` when there are none (or the words before the verb cannot be told apart:
/// an unknown flag, `--`). A flag the verb lacks is moved too, so clap's error names it.
/// `base` holds the global flags, which may come before the verb too.
pub(super) fn hoist(base: &clap::Command, argv: &[OsString]) -> Option<Vec<OsString>> {
    let words: Vec<&str> = argv.iter().map(|w| w.to_str()).collect::<Option<_>>()?;
    let is_verb = |w: &str| VERBS.contains(&w) && w != "help";
    let (mut kept, mut moved) = (vec![argv.first()?.clone()], Vec::new());
    let mut i = 1;
    while i < words.len() {
        let w = words[i];
        if is_verb(w) {
            if moved.is_empty() {
                return None;
            }
            kept.push(argv[i].clone());
            kept.extend(moved);
            kept.extend(argv[i + 1..].iter().cloned());
            return Some(kept);
        }
        let hoisted = HOISTED.iter().find(|(short, long)| {
            w == format!("-{short}")
                || w == format!("--{long}")
                || (w.starts_with(&format!("-{short}")) && w.len() > 2)
                || w.starts_with(&format!("--{long}="))
        });
        let takes_value = |a: &clap::Arg| a.get_action().takes_values();
        let span = if let Some((short, _)) = hoisted {
            let attached = w.len() > 2 && !w.starts_with("--") || w.contains('=');
            // `-n` before `send` is send's switch; anywhere else -n, -F and -W take a value.
            let switch = *short == 'n' && words.get(i + 1).is_some_and(|n| is_verb(n));
            let span = if attached || switch { 1 } else { 2 };
            moved.extend(argv[i..(i + span).min(argv.len())].iter().cloned());
            i += span;
            continue;
        } else if let Some(long) = w.strip_prefix("--") {
            let name = long.split_once('=').map_or(long, |(n, _)| n);
            let arg = base.get_arguments().find(|a| {
                a.get_long() == Some(name)
                    || a.get_visible_aliases().is_some_and(|v| v.contains(&name))
            })?;
            if takes_value(arg) && !long.contains('=') {
                2
            } else {
                1
            }
        } else if let Some(shorts) = w.strip_prefix('-').filter(|s| !s.is_empty()) {
            let mut span = 1;
            for (at, c) in shorts.char_indices() {
                let arg = base.get_arguments().find(|a| a.get_short() == Some(c))?;
                if takes_value(arg) {
                    if at + c.len_utf8() == shorts.len() {
                        span = 2;
                    }
                    break;
                }
            }
            span
        } else {
            return None;
        };
        kept.extend(argv[i..(i + span).min(argv.len())].iter().cloned());
        i += span;
    }
    None
}

/// clap's error with a tip for what users of mosquitto's and NATS's clients type: `pub`,
/// `sub`, a topic without `-t`, mosquitto's `-s`, `-d`, `-c`, `-k`.
pub(super) fn with_tip(mut e: clap::Error, argv: &[OsString]) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let word = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let verb = argv
        .iter()
        .skip(1)
        .filter_map(|w| w.to_str())
        .find(|w| VERBS.contains(w));
    let tip = match e.kind() {
        ErrorKind::InvalidSubcommand => match word(ContextKind::InvalidSubcommand).as_deref() {
            Some("pub" | "publish") => Some(
                "mqq publishes with send: mqq -t TOPIC send MESSAGE (each argument is a message)"
                    .to_string(),
            ),
            Some("sub" | "subscribe") => Some(
                "mqq subscribes with listen (stream until Ctrl-C) or receive (take N): mqq -t \
                 TOPIC listen"
                    .to_string(),
            ),
            _ => None,
        },
        ErrorKind::UnknownArgument => match word(ContextKind::InvalidArg).as_deref() {
            Some("-s") => Some(
                "-s (mosquitto_pub): mqq send with no message reads all of stdin as one message; \
                 -l sends each line"
                    .to_string(),
            ),
            Some("-d") => Some("-d (mosquitto's debug): use -vv, or -vvv for a trace".to_string()),
            Some("-c") => Some(
                "-c (mosquitto's persistent session): durable sessions come from -i ID; a client \
                 id makes the queue durable"
                    .to_string(),
            ),
            Some("-k") => {
                Some("-k (mosquitto's keepalive): --set options.keepalive_timeout=60s".to_string())
            }
            // clap's own tip here ("to pass '-F' as a value, use '-- -F'") misleads.
            Some(w) if w.starts_with('-') && e.get(ContextKind::Suggested).is_some() => {
                verb.map(|v| format!("{v} has no {w}: mqq {v} --help lists its options"))
            }
            Some(w) if !w.starts_with('-') && verb.is_some_and(|v| v != "send" && v != "work") => {
                Some(format!(
                    "the topic is a flag: mqq -t {w} {}",
                    verb.unwrap_or_default()
                ))
            }
            _ => None,
        },
        _ => None,
    };
    if let Some(tip) = tip {
        e.insert(
            ContextKind::Suggested,
            ContextValue::StyledStrs(vec![clap::builder::StyledStr::from(tip)]),
        );
    }
    e
}

/// The parse of `argv` with only its verb defined: `base` (the global flags) plus the verb
/// that `verb_alone` builds, or else the one `verbs` holds. `None` when that is not sure to
/// be the full command's parse.
pub(super) fn fast(
    base: clap::Command,
    verbs: impl FnOnce() -> clap::Command,
    verb_alone: impl FnOnce(&'static str) -> Option<clap::Command>,
    argv: &[OsString],
) -> Option<clap::ArgMatches> {
    let verb = verb_of(&base, argv)?;
    let sub = match verb_alone(verb) {
        Some(sub) => sub,
        None => verbs().find_subcommand(verb)?.clone(),
    };
    // As the derive sets up `Cli`, less the help texts (errors and help parse again).
    let trimmed = base
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(sub);
    let m = trimmed.try_get_matches_from(argv).ok()?;
    (m.subcommand_name() == Some(verb)).then_some(m)
}

/// The verbs' names, as clap knows them (checked by a test).
pub(super) const VERBS: [&str; 14] = [
    "send",
    "receive",
    "listen",
    "peek",
    "count",
    "clear",
    "config",
    "check",
    "work",
    "move",
    "broker",
    "completions",
    "man",
    "help",
];

/// The verb of `argv`: the first word that is not a flag or a flag's value, when every flag
/// before it is one of `cmd`'s and takes exactly no value or one. `None` when unsure (an
/// unknown flag, `--`, `help`): the caller then parses with the full command.
fn verb_of(cmd: &clap::Command, argv: &[OsString]) -> Option<&'static str> {
    let takes_value = |a: &clap::Arg| -> Option<bool> {
        match a.get_num_args() {
            Some(r) if r.min_values() != r.max_values() || r.max_values() > 1 => None,
            _ => Some(a.get_action().takes_values()),
        }
    };
    let mut words = argv.iter().skip(1);
    while let Some(word) = words.next() {
        let word = word.to_str()?;
        if let Some(long) = word.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, _)) => (n, true),
                None => (long, false),
            };
            let arg = cmd.get_arguments().find(|a| a.get_long() == Some(name))?;
            if takes_value(arg)? && !inline {
                words.next()?;
            }
        } else if let Some(shorts) = word.strip_prefix('-') {
            let mut chars = shorts.chars();
            while let Some(c) = chars.next() {
                let arg = cmd.get_arguments().find(|a| a.get_short() == Some(c))?;
                if takes_value(arg)? {
                    if chars.as_str().is_empty() {
                        words.next()?;
                    }
                    break;
                }
            }
            if shorts.is_empty() {
                return None;
            }
        } else {
            return VERBS.iter().copied().find(|v| *v == word && *v != "help");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{verb_of, VERBS};
    use crate::cli::command;
    use crate::cli::tests::argv;

    #[test]
    fn the_verb_list_is_clap_s() {
        let mut cmd = command();
        cmd.build();
        let mut names: Vec<&str> = cmd.get_subcommands().map(clap::Command::get_name).collect();
        names.sort_unstable();
        let mut verbs = VERBS.to_vec();
        verbs.sort_unstable();
        assert_eq!(names, verbs);
    }

    #[test]
    fn the_verb_is_found_past_flags_and_their_values() {
        let base = <crate::cli::Cli as clap::CommandFactory>::command();
        for (line, verb) in [
            ("-t send receive -n 3", Some("receive")),
            ("--topic send peek", Some("peek")),
            ("--topic=send count", Some("count")),
            ("-q1 -t x send hello", Some("send")),
            ("-vvq 1 -t x send", Some("send")),
            (
                "--raw --quiet -h 127.0.0.1 -p 1883 -t b/w1 send -l",
                Some("send"),
            ),
            ("-t x --set options.qos=1 listen", Some("listen")),
            ("-t x", None),
            ("--no-such-flag send", None),
            ("-t x -- send", None),
            ("help send", None),
            ("-t x sned", None),
        ] {
            assert_eq!(verb_of(&base, &argv(line)), verb, "{line}");
        }
    }
}
