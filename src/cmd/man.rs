//! `mqq man`: the manual pages, mqq(1) and one mqq-VERB(1) per verb, rendered by clap_mangen
//! from the clap definitions (`cli::command()`), so a flag's page is its `--help`. The
//! sections clap has no notion of (EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES, SEE ALSO) are
//! written here, from the same sources: the exit-code table of `--help`, the key registry's
//! environment variables, and the examples of each verb's help (its indented `mqq …` lines).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap_mangen::roff::{bold, italic, roman, Roff};
use clap_mangen::Man;

use crate::cli::ManArgs;
use crate::config::keys;
use crate::error::{Code, UsageError};
use crate::output::Output;

/// Variables mqq reads that are not a key's: `(name, meaning)`.
const OTHER_ENV: &[(&str, &str)] = &[
    (
        "MQQ_LOG",
        "A tracing filter for the log on stderr, e.g. MQQ_LOG=debug (-vv is debug, -vvv \
         trace)",
    ),
    (
        "NO_COLOR",
        "When set and not empty, log lines are not coloured (they are only when stderr is a \
         terminal)",
    ),
    (
        "XDG_STATE_HOME, HOME",
        "Where the state file lives (see FILES); without either, nothing is remembered",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "The system's root certificates, trusted for TLS unless --cafile or --capath is given",
    ),
];

/// The pages each verb's SEE ALSO names besides mqq(1).
fn related(verb: &str) -> &'static [&'static str] {
    match verb {
        "send" => &["receive", "listen", "work"],
        "receive" => &["send", "peek", "count", "listen"],
        "listen" => &["receive", "work"],
        "peek" => &["count", "receive"],
        "count" => &["peek", "receive", "clear"],
        "clear" => &["count"],
        "config" => &["check", "count"],
        "check" => &["broker", "config"],
        "work" => &["receive", "move"],
        "move" => &["peek", "work"],
        "broker" => &["check"],
        "completions" => &["man"],
        "man" => &["completions"],
        _ => &[],
    }
}

/// `mqq man [VERB]` prints a page; `mqq man --dir DIR` writes them all.
pub fn run(args: &ManArgs, out: &mut Output) -> anyhow::Result<ExitCode> {
    if let Some(dir) = &args.dir {
        write_all(dir)?;
        return Ok(Code::Ok.into());
    }
    out.stdout().write_all(&page(args.verb.as_deref()))?;
    out.flush_stdout()?;
    Ok(Code::Ok.into())
}

/// Writes every page into `dir`, creating it.
fn write_all(dir: &Path) -> anyhow::Result<()> {
    let fail = |what: &str, e: std::io::Error| {
        UsageError(format!("--dir {}: could not {what}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail("create it", e))?;
    for (file, text) in pages() {
        std::fs::write(dir.join(&file), text).map_err(|e| fail(&format!("write {file}"), e))?;
    }
    Ok(())
}

/// Every page: `(file name, roff)`, mqq.1 first.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    std::iter::once(None)
        .chain(verbs().into_iter().map(Some))
        .map(|verb| {
            let file = verb
                .as_ref()
                .map_or_else(|| "mqq.1".to_string(), |v| format!("mqq-{v}.1"));
            (file, page(verb.as_deref()))
        })
        .collect()
}

/// The verbs that have a page, in the order of `--help`.
pub fn verbs() -> Vec<String> {
    crate::cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_string())
        .collect()
}

/// One page: mqq(1) for `None`, else the verb's (a verb clap does not know renders mqq(1);
/// the parser only lets known ones through).
pub fn page(verb: Option<&str>) -> Vec<u8> {
    let mut root = crate::cli::command();
    root.build();
    let cmd = match verb.and_then(|v| root.find_subcommand(v)) {
        Some(sub) => sub.clone(),
        None => root.clone(),
    };
    let is_root = cmd.get_name() == root.get_name();
    // A verb's own flags under OPTIONS, the flags every verb takes after them.
    let cmd = if is_root {
        cmd
    } else {
        cmd.mut_args(|a| {
            if a.is_global_set() && a.get_help_heading().is_none() {
                a.help_heading("Global options")
            } else {
                a
            }
        })
    };
    let long_about = cmd
        .get_long_about()
        .or_else(|| cmd.get_about())
        .map(ToString::to_string)
        .unwrap_or_default();
    let (description, examples) = split_examples(&long_about);

    let mut buf = Vec::new();
    head(&mut buf, &cmd, &description, is_root);
    Man::new(cmd.clone())
        .render_options_section(&mut buf)
        .expect("into memory");
    let mut r = Roff::new();
    if is_root {
        verbs_section(&mut r, &root);
    }
    exit_status(&mut r, &root);
    environment(&mut r, is_root);
    files(&mut r);
    if !examples.is_empty() {
        r.control("SH", ["EXAMPLES"]);
        r.control("PP", []);
        r.control("nf", []);
        for line in &examples {
            r.text([roman(line.clone())]);
        }
        r.control("fi", []);
    }
    see_also(&mut r, (!is_root).then(|| cmd.get_name()));
    r.to_writer(&mut buf).expect("into memory");
    one_preamble(&buf)
}

/// The page's title line, NAME, SYNOPSIS and DESCRIPTION (`description`: the help's
/// paragraphs after its first); a verb's page points to mqq(1) for the rest.
fn head(buf: &mut Vec<u8>, cmd: &clap::Command, description: &[String], is_root: bool) {
    let name = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string();
    // By hand: clap_mangen drops an empty date, which shifts the footer's fields.
    writeln!(
        buf,
        ".TH {} 1 \"\" \"mqq {}\" \"mqq manual\"",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION")
    )
    .expect("into memory");

    let mut r = Roff::new();
    r.control("SH", ["NAME"]);
    let about = cmd.get_about().map(ToString::to_string).unwrap_or_default();
    let about = about.strip_prefix("mqq: ").unwrap_or(&about);
    r.text([roman(format!("{name} - {}", about.trim_end_matches('.')))]);

    r.control("SH", ["SYNOPSIS"]);
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    let bin = cmd.get_bin_name().unwrap_or("mqq").to_string();
    match usage.strip_prefix(bin.as_str()) {
        Some(rest) => r.text([bold(bin.clone()), roman(rest.to_string())]),
        None => r.text([roman(usage.to_string())]),
    };

    r.control("SH", ["DESCRIPTION"]);
    paragraphs(&mut r, description);
    if !is_root {
        r.control("PP", []);
        r.text([
            roman("The global options (connection, queue, TLS, config) go before or after the verb; see "),
            bold("mqq"),
            roman("(1) for the queue model and the configuration."),
        ]);
    }
    r.to_writer(buf).expect("into memory");
}

/// VERBS of mqq(1): each verb's page and its one line.
fn verbs_section(r: &mut Roff, root: &clap::Command) {
    r.control("SH", ["VERBS"]);
    for sub in root
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        r.control("TP", []);
        r.text([bold(format!("mqq-{}", sub.get_name())), roman("(1)")]);
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        r.text([roman(about)]);
    }
}

/// SEE ALSO: on mqq(1) every verb's page; on a verb's, mqq(1) and the related verbs'.
fn see_also(r: &mut Roff, verb: Option<&str>) {
    r.control("SH", ["SEE ALSO"]);
    let also: Vec<String> = match verb {
        None => verbs().iter().map(|v| format!("mqq-{v}")).collect(),
        Some(verb) => std::iter::once("mqq".to_string())
            .chain(related(verb).iter().map(|v| format!("mqq-{v}")))
            .collect(),
    };
    let mut line = Vec::new();
    for (i, page) in also.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(page.clone()));
        line.push(roman("(1)"));
    }
    r.text(line);
}

/// The roff text with the apostrophe preamble that each rendered part starts with once, at
/// the top.
fn one_preamble(buf: &[u8]) -> Vec<u8> {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = String::from_utf8_lossy(buf).replace(PREAMBLE, "");
    format!("{PREAMBLE}{text}").into_bytes()
}

/// The help text's paragraphs, and its examples: the indented lines, de-indented.
fn split_examples(text: &str) -> (Vec<String>, Vec<String>) {
    let (mut description, mut examples) = (Vec::new(), Vec::new());
    let mut lines = text.lines().peekable();
    // The first paragraph is the NAME line's.
    while lines.next_if(|l| !l.trim().is_empty()).is_some() {}
    for line in lines {
        if line.starts_with("  ") {
            examples.push(line.trim_start().to_string());
        } else {
            description.push(line.to_string());
        }
    }
    while description.last().is_some_and(|l| l.trim().is_empty()) {
        description.pop();
    }
    (description, examples)
}

/// Text lines as roff paragraphs: an empty line starts a new one.
fn paragraphs(r: &mut Roff, lines: &[String]) {
    let mut open = false;
    for line in lines {
        if line.trim().is_empty() {
            open = false;
        } else {
            if !open {
                r.control("PP", []);
                open = true;
            }
            r.text([roman(line.clone())]);
        }
    }
}

/// EXIT STATUS, from the exit-code table that ends `mqq --help`.
fn exit_status(r: &mut Roff, root: &clap::Command) {
    r.control("SH", ["EXIT STATUS"]);
    let table = root
        .get_after_help()
        .map(ToString::to_string)
        .unwrap_or_default();
    // "  0  success …" starts an entry; deeper-indented lines continue it.
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in table
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes"))
        .skip(1)
    {
        let trimmed = line.trim();
        match trimmed.split_once("  ") {
            Some((code, text)) if code.parse::<u8>().is_ok() => {
                entries.push((code.to_string(), text.trim().to_string()));
            }
            _ => {
                if let Some((_, text)) = entries.last_mut() {
                    text.push(' ');
                    text.push_str(trimmed);
                }
            }
        }
    }
    for (code, text) in entries {
        r.control("TP", []);
        r.text([bold(code)]);
        r.text([roman(text)]);
    }
}

/// ENVIRONMENT: every key's variable on mqq(1); a verb's page points there.
fn environment(r: &mut Roff, full: bool) {
    r.control("SH", ["ENVIRONMENT"]);
    r.text([roman(
        "Each option's variable is named in its description ([env: ...]); a flag overrides \
         its variable, which overrides the config file.",
    )]);
    if !full {
        r.control("PP", []);
        r.text([
            roman("MQQ_CONFIG names the config file; MQQ_LOG, NO_COLOR and the others are in "),
            bold("mqq"),
            roman("(1)."),
        ]);
        return;
    }
    let vars = keys::KEYS
        .iter()
        .filter_map(|k| Some((k.env?, format!("{}; config key {}", k.doc, k.key))))
        .chain(
            keys::FILE_INPUTS
                .iter()
                .map(|(_, flag, env)| (*env, format!("The file of {flag}"))),
        );
    for (var, doc) in vars {
        r.control("TP", []);
        r.text([bold(var)]);
        r.text([roman(doc)]);
    }
    for (var, doc) in OTHER_ENV {
        r.control("TP", []);
        r.text([bold(*var)]);
        r.text([roman(*doc)]);
    }
}

/// FILES: what mqq reads and writes besides its flags.
fn files(r: &mut Roff) {
    r.control("SH", ["FILES"]);
    r.control("TP", []);
    r.text([italic("FILE"), roman(" of --config or MQQ_CONFIG")]);
    r.text([roman(
        "The YAML config: one queue in pip-services' shape, named queues under queues:, or a \
         pip-services container config. No file is read unless one is named.",
    )]);
    r.control("TP", []);
    r.text([
        italic("$XDG_STATE_HOME/mqq/unacked.json"),
        roman(" (else ~/.local/state/mqq/)"),
    ]);
    r.text([roman(
        "What the last peek or count left unacknowledged, per broker and client id, so that a \
         count on a broker that holds such messages back (NATS, until ack_wait) prints N+ \
         rather than a wrong number. Entries go after an hour.",
    )]);
    r.control("TP", []);
    r.text([italic("/etc/ssl/certs")]);
    r.text([roman(
        "The system's root certificates (or SSL_CERT_FILE, SSL_CERT_DIR), trusted for TLS \
         unless --cafile or --capath replaces them.",
    )]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(verb: Option<&str>) -> String {
        String::from_utf8(page(verb)).unwrap()
    }

    #[test]
    fn every_page_has_the_sections_and_names_only_pages_that_exist() {
        let files: Vec<String> = pages().into_iter().map(|(f, _)| f).collect();
        assert!(files.len() >= 14, "{files:?}");
        for (file, roff) in pages() {
            let t = String::from_utf8(roff).unwrap();
            for section in [
                "NAME",
                "SYNOPSIS",
                "DESCRIPTION",
                "EXIT STATUS",
                "ENVIRONMENT",
                "FILES",
                "SEE ALSO",
            ] {
                assert!(
                    t.contains(&format!(".SH {section}"))
                        || t.contains(&format!(".SH \"{section}\"")),
                    "{file} lacks {section}"
                );
            }
            let also = t.split("SEE ALSO").nth(1).unwrap();
            for name in also.split("\\fB").skip(1) {
                let page = name.split("\\fR").next().unwrap().replace("\\-", "-");
                assert!(
                    files.contains(&format!("{page}.1")),
                    "{file} names {page}(1), which is not generated"
                );
            }
        }
    }

    #[test]
    fn the_name_line_says_what_it_is_once() {
        let root = text(None);
        let name = root
            .split(".SH NAME\n")
            .nth(1)
            .unwrap()
            .lines()
            .next()
            .unwrap();
        assert!(!name.contains("mqq:"), "{name}");
        assert!(name.starts_with("mqq \\- "), "{name}");
        let send = text(Some("send"));
        let name = send
            .split(".SH NAME\n")
            .nth(1)
            .unwrap()
            .lines()
            .next()
            .unwrap();
        assert!(name.starts_with("mqq\\-send \\- "), "{name}");
    }

    #[test]
    fn a_verb_page_has_its_own_flags_and_examples() {
        let send = text(Some("send"));
        for flag in ["\\-\\-lines", "\\-\\-retain", "\\-\\-topic", "\\-\\-ndjson"] {
            assert!(send.contains(flag), "mqq-send(1) lacks {flag}");
        }
        let examples = send.split(".SH EXAMPLES").nth(1).unwrap();
        assert!(examples.contains("send \\-l"), "{examples}");
        let exit = send.split(".SH \"EXIT STATUS\"").nth(1).unwrap();
        assert!(exit.contains("\\fB5\\fR"), "{exit}");
    }

    #[test]
    fn mqq_1_lists_the_exit_codes_and_the_environment() {
        let root = text(None);
        for code in 0..=5 {
            assert!(
                root.contains(&format!(".TP\n\\fB{code}\\fR")),
                "exit {code} missing"
            );
        }
        for var in [
            "MQQ_URI",
            "MQQ_PASSWORD",
            "MQQ_CONFIG",
            "MQQ_LOG",
            "NO_COLOR",
        ] {
            assert!(root.contains(var), "mqq(1) lacks {var}");
        }
        assert!(
            !root.contains("EXTRA"),
            "the exit codes belong under EXIT STATUS"
        );
    }
}
