//! The README is run: every `console` block against a fresh embedded broker (its `$`
//! commands in order, their stdout compared, `...` standing for lines that vary), and every
//! `mqq` command of the other shell blocks parsed by mqq's own command line.

use std::process::{Command, Stdio};
use std::time::Duration;

use mqq::broker::{BrokerOptions, EmbeddedBroker};

use crate::support::{once, within};

fn readme() -> String {
    std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The fenced blocks of a language: their lines.
fn blocks(text: &str, lang: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<String>> = None;
    for line in text.lines() {
        match &mut cur {
            None if line.trim_start() == format!("```{lang}") => cur = Some(Vec::new()),
            Some(b) if line.trim_start() == "```" => {
                out.push(std::mem::take(b));
                cur = None;
            }
            Some(b) => b.push(line.to_string()),
            None => {}
        }
    }
    out
}

/// Whether `got` matches `want`, where a `...` line matches any number of lines.
fn matches(want: &[String], got: &[&str]) -> bool {
    match want.split_first() {
        None => got.is_empty(),
        Some((w, rest)) if w == "..." => (0..=got.len()).any(|i| matches(rest, &got[i..])),
        Some((w, rest)) => got.first().is_some_and(|g| g == w) && matches(rest, &got[1..]),
    }
}

#[test]
fn every_console_block_of_the_readme_runs_as_shown() {
    if !once() {
        return;
    }
    let text = readme();
    let consoles = blocks(&text, "console");
    assert!(consoles.len() >= 2, "the README lost its console blocks");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_mqq"))
        .parent()
        .unwrap()
        .to_path_buf();
    let home = tempfile::tempdir().unwrap();
    for block in consoles {
        let broker = EmbeddedBroker::start(&BrokerOptions::default()).unwrap();
        let port = broker.addr().port().to_string();
        // The commands in order; each with the output lines that follow it.
        let mut steps: Vec<(String, Vec<String>)> = Vec::new();
        for line in &block {
            if let Some(cmd) = line.strip_prefix("$ ") {
                steps.push((cmd.to_string(), Vec::new()));
            } else if let Some((_, out)) = steps.last_mut() {
                // The README speaks of localhost:1883; the test's broker has a free port.
                out.push(line.replace(":1883", &format!(":{port}")));
            }
        }
        for (cmd, want) in steps {
            let o = within(Duration::from_secs(30), || {
                Command::new("bash")
                    .args(["-c", &format!("set -o pipefail; {cmd}")])
                    .env_clear()
                    .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
                    .env("HOME", home.path())
                    .env("MQQ_PORT", &port)
                    .current_dir(env!("CARGO_MANIFEST_DIR"))
                    .stdin(Stdio::null())
                    .output()
                    .unwrap()
            });
            let stdout = String::from_utf8_lossy(&o.stdout);
            let got: Vec<&str> = stdout.lines().collect();
            assert!(
                o.status.success() && matches(&want, &got),
                "README command `{cmd}`\n  exit: {:?}\n  expected stdout:\n{}\n  got:\n{stdout}\n  \
                 stderr:\n{}",
                o.status.code(),
                want.join("\n"),
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

/// The `mqq …` commands of a shell line: after pipes and `&&`, without redirections.
fn mqq_commands(line: &str) -> Vec<Vec<String>> {
    let Some(words) = shlex::split(line) else {
        panic!("README line does not split as shell: {line}");
    };
    let mut out = Vec::new();
    let mut cur: Option<Vec<String>> = None;
    for w in words {
        if w.starts_with('#') {
            break;
        }
        if ["|", "&&", ";", "&", "||"].contains(&w.as_str()) {
            out.extend(cur.take());
            continue;
        }
        if w.starts_with('>') || w.starts_with('<') || w == "2>/dev/null" {
            out.extend(cur.take());
            continue;
        }
        match &mut cur {
            Some(c) => c.push(w),
            None if w == "mqq" => cur = Some(vec![w]),
            None => {}
        }
    }
    out.extend(cur);
    out
}

#[test]
fn every_mqq_command_in_the_readme_parses() {
    if !once() {
        return;
    }
    let text = readme();
    let mut checked = 0;
    for block in blocks(&text, "sh") {
        // Join continuation lines.
        let joined = block.join("\n").replace("\\\n", " ");
        for line in joined.lines() {
            for cmd in mqq_commands(line) {
                let r = mqq::cli::command().try_get_matches_from(&cmd);
                if let Err(e) = r {
                    use clap::error::ErrorKind;
                    assert!(
                        matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion),
                        "README command does not parse: {}\n{e}",
                        cmd.join(" ")
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} mqq commands found in the README"
    );
}
