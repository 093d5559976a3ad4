//! Faults: what a crash costs. A consumer SIGKILLed mid-drain delivers again at most about
//! one batch (acknowledgements are written before the next batch is read).

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use super::durable_queue;
use crate::support::Broker;

/// Lines of `seq 1 n`.
fn numbers(n: usize) -> String {
    (1..=n).map(|i| format!("{i}\n")).collect()
}

#[test]
fn a_consumer_killed_mid_drain_redelivers_at_most_about_a_batch() {
    const N: usize = 20_000;
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "kill-drain");
    b.mqq()
        .topic(&t)
        .args(["--raw", "--quiet", "send", "-l"])
        .stdin(numbers(N))
        .run()
        .expect_code(0);
    let mut child = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "receive", "-n", &N.to_string(), "-W", "60s"])
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has written a quarter: synchronised on its output, not on time.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut written = std::collections::HashSet::new();
    let mut line = String::new();
    while written.len() < N / 4 && out.read_line(&mut line).unwrap() > 0 {
        written.insert(line.trim().to_string());
        line.clear();
    }
    child.kill().unwrap();
    // What it had written but not yet read by us still counts as written.
    while out.read_line(&mut line).unwrap() > 0 {
        written.insert(line.trim().to_string());
        line.clear();
    }
    child.wait().unwrap();
    let rest = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "listen", "--idle-timeout", "1s"])
        .run();
    let rest_text = String::from_utf8_lossy(&rest.stdout).into_owned();
    let remaining: Vec<&str> = rest_text.lines().collect();
    // Nothing lost: every number was written before the kill or comes now.
    let mut all: std::collections::HashSet<&str> = remaining.iter().copied().collect();
    all.extend(written.iter().map(String::as_str));
    assert_eq!(all.len(), N, "lost {} messages", N - all.len());
    let duplicates = written.len() + remaining.len() - N;
    eprintln!(
        "written {} before SIGKILL, {} delivered again after: {duplicates} duplicates",
        written.len(),
        remaining.len()
    );
    // One batch is 512 (measured on mosquitto: 512 again and again). Acknowledgements written
    // to the socket but still unread by a busy broker die with the killed connection, so
    // under load a few batches more: the bound allows four. Without waiting for the
    // acknowledgements to be written, mosquitto redelivered ~5,000 of the 5,000 written.
    assert!(duplicates <= 2048, "{duplicates} duplicates");
}
