//! One run of `work`'s command for one message: the body on its stdin, the metadata in its
//! environment (mqq's secrets kept out unless `--pass-secrets`), its stderr relayed line by
//! line, and how it ended as an [`Outcome`]: exit 0 completes the message, anything else
//! (another exit, a signal, `--timeout`) abandons it.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

use crate::cli::WorkArgs;
use crate::output::Diag;
use crate::queue::Message;

/// How long, after the command exited, mqq still reads its stderr: what it wrote before
/// exiting is in the pipe already; only a child it left running (`sleep 60 &`) keeps the
/// pipe open longer, and that must not hold the message.
const STRAY_DRAIN: Duration = Duration::from_millis(200);

/// How one run of the command ended.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Exit 0.
    Done,
    /// Anything else, with what to report.
    Failed {
        /// `exit 3`, `signal 9`, `timed out after 5s`, `could not start: …`.
        why: String,
        /// The exit code, when there was one.
        code: Option<i32>,
        /// The last line the command wrote to stderr.
        last_stderr: String,
    },
}

impl Outcome {
    /// A failure without an exit code or stderr to report.
    fn failed(why: String) -> Outcome {
        Outcome::Failed {
            why,
            code: None,
            last_stderr: String::new(),
        }
    }
}

/// Runs the command once for a message, its `attempt`th run; its stderr goes to `diag`.
pub(super) async fn run(args: &WorkArgs, m: &Message, attempt: u32, diag: Diag) -> Outcome {
    let mut cmd = tokio::process::Command::new(&args.command[0]);
    cmd.args(&args.command[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if !args.pass_secrets {
        for var in SECRET_VARS {
            cmd.env_remove(var);
        }
        if std::env::var("MQQ_URI").is_ok_and(|u| holds_password(&u)) {
            cmd.env_remove("MQQ_URI");
        }
    }
    for (k, v) in environment(m, attempt) {
        cmd.env(k, v);
    }
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::failed(format!("could not start {}: {e}", args.command[0])),
    };
    let ended = wait(child, m.body().to_vec(), diag);
    let (last_stderr, status) = match args.timeout {
        Some(t) => match tokio::time::timeout(t, ended).await {
            Ok(r) => r,
            Err(_) => {
                return Outcome::failed(format!(
                    "timed out after {} (killed)",
                    humantime::format_duration(t)
                ))
            }
        },
        None => ended.await,
    };
    match status {
        Ok(s) if s.success() => Outcome::Done,
        Ok(s) => {
            #[cfg(unix)]
            let signal = std::os::unix::process::ExitStatusExt::signal(&s);
            #[cfg(not(unix))]
            let signal: Option<i32> = None;
            Outcome::Failed {
                why: match (s.code(), signal) {
                    (Some(c), _) => format!("exit {c}"),
                    (None, Some(sig)) => format!("killed by signal {sig}"),
                    (None, None) => "ended abnormally".into(),
                },
                code: s.code(),
                last_stderr,
            }
        }
        Err(e) => Outcome::Failed {
            why: format!("could not wait for the command: {e}"),
            code: None,
            last_stderr,
        },
    }
}

/// Feeds `body` to the child's stdin and relays its stderr to `diag` while waiting for it to
/// exit; returns the last line it wrote to stderr and how it exited. The exit decides: a
/// child it left running may hold its stdin or stderr open for as long as it lives, so after
/// the exit what is left on stderr is read for at most [`STRAY_DRAIN`], and stdin is no
/// longer fed. Dropping the future kills the child (`kill_on_drop`).
async fn wait(
    mut child: tokio::process::Child,
    body: Vec<u8>,
    diag: Diag,
) -> (String, std::io::Result<std::process::ExitStatus>) {
    let mut stdin = child.stdin.take();
    let feed = async move {
        if let Some(s) = stdin.as_mut() {
            // A command that does not read its stdin is fine.
            let _ = s.write_all(&body).await;
            let _ = s.shutdown().await;
        }
        drop(stdin);
    };
    let stderr = child.stderr.take();
    let relay = async move {
        let mut last = String::new();
        if let Some(e) = stderr {
            let mut lines = BufReader::new(e).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                diag.raw(format!("{line}\n").as_bytes());
                if !line.trim().is_empty() {
                    last = line;
                }
            }
        }
        last
    };
    tokio::pin!(feed);
    tokio::pin!(relay);
    let mut fed = false;
    let mut relayed: Option<String> = None;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            () = &mut feed, if !fed => fed = true,
            last = &mut relay, if relayed.is_none() => relayed = Some(last),
        }
    };
    let last = match relayed {
        Some(last) => last,
        None => tokio::time::timeout(STRAY_DRAIN, &mut relay)
            .await
            .unwrap_or_default(),
    };
    (last, status)
}

/// Variables that hold a secret of mqq's, kept from the command unless `--pass-secrets`:
/// a command that logs its environment, or runs code of the message's sender, must not
/// learn the broker's password.
const SECRET_VARS: [&str; 2] = ["MQQ_PASSWORD", "MQQ_PASSWORD_FILE"];

/// Whether a URI (or comma-separated list) carries `user:password@`.
fn holds_password(uri: &str) -> bool {
    uri.split(',').any(|u| {
        // A password may hold `/`: look before the last `@` (a false alarm on a path with
        // `@` only withholds MQQ_URI).
        let rest = u.split_once("://").map_or(u, |(_, r)| r);
        rest.rsplit_once('@')
            .is_some_and(|(info, _)| info.contains(':'))
    })
}

/// The environment a command runs with.
fn environment(m: &Message, attempt: u32) -> Vec<(String, String)> {
    let d = &m.delivery;
    let env = m.envelope.as_ref();
    let mut v = vec![
        ("MQQ_TOPIC".to_string(), d.topic.clone()),
        ("MQQ_QOS".into(), d.qos.to_string()),
        ("MQQ_RETAIN".into(), u8::from(d.retain).to_string()),
        (
            "MQQ_REDELIVERED".into(),
            u8::from(d.dup || attempt > 1).to_string(),
        ),
        ("MQQ_ATTEMPT".into(), attempt.to_string()),
    ];
    let mut opt = |k: &str, val: Option<String>| {
        if let Some(val) = val {
            v.push((k.to_string(), val));
        }
    };
    opt("MQQ_MESSAGE_ID", env.and_then(|e| e.message_id.clone()));
    opt(
        "MQQ_CORRELATION_ID",
        env.and_then(|e| e.correlation_id.clone()),
    );
    opt("MQQ_MESSAGE_TYPE", env.and_then(|e| e.message_type.clone()));
    opt(
        "MQQ_SENT_TIME",
        env.and_then(|e| e.sent_time)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
    );
    opt("MQQ_CONTENT_TYPE", d.properties.content_type.clone());
    opt("MQQ_RESPONSE_TOPIC", d.properties.response_topic.clone());
    for (k, val) in &d.properties.user {
        let name: String = k
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        v.push((format!("MQQ_PROP_{name}"), val.clone()));
    }
    v
}
