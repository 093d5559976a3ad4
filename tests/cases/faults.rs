//! Faults: what a crash costs. A consumer SIGKILLed mid-drain delivers again at most about
//! one batch (acknowledgements are written before the next batch is read).

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use super::{durable_queue, numbers};
use crate::support::Broker;

#[test]
fn a_consumer_killed_early_in_a_drain_redelivers_at_most_about_a_batch() {
    consumer_killed_after(20_000 / 10);
}

#[test]
fn a_consumer_killed_mid_drain_redelivers_at_most_about_a_batch() {
    consumer_killed_after(20_000 / 4);
}

#[test]
fn a_consumer_killed_late_in_a_drain_redelivers_at_most_about_a_batch() {
    consumer_killed_after(20_000 * 3 / 4);
}

/// A `receive` of 20,000 pending, SIGKILLed once it has written `after` lines.
fn consumer_killed_after(after: usize) {
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
    // Kill it once it has written `after` lines: synchronised on its output, not on time.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut written = std::collections::HashSet::new();
    let mut line = String::new();
    while written.len() < after && out.read_line(&mut line).unwrap() > 0 {
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
        "killed after {after}: written {} before SIGKILL, {} delivered after: {duplicates} duplicates",
        written.len(),
        remaining.len()
    );
    // One batch is 512. Acknowledgements written to the socket but still unread by a busy
    // broker die with the killed connection, so under load a few batches more: the bound
    // allows four. Without waiting for the acknowledgements to be written, mosquitto
    // redelivered ~5,000 of the 5,000 written. The bound needs a broker that reads the
    // acknowledgements while it sends: mosquitto 2.0.11 writes a resumed session's whole
    // backlog first, so a consumer killed within that flush sees nearly everything it wrote
    // again (2,306 of 2,318 in CI; docs/PERFORMANCE.md §6). There only the loss is asserted.
    if b.bounds_redelivery() {
        assert!(duplicates <= 2048, "{duplicates} duplicates");
    }
}

/// A persistent mosquitto (any `MQQ_TEST_BROKER`: the embedded broker cannot restart),
/// saving its state every second and at SIGTERM; for `Down::Kill` on every change instead,
/// so that even a SIGKILL loses nothing it acknowledged: these tests measure mqq, not the
/// broker's last second. That is slow (a save per message), so the SIGKILL cases stream
/// fewer messages.
pub(super) fn persistent_mosquitto_for(how: Down) -> Option<Broker> {
    Broker::mosquitto_with(&crate::support::BrokerOpts {
        persistent: true,
        conf: match how {
            Down::Term => vec![],
            Down::Kill => vec!["autosave_on_changes true".into()],
        },
        ..crate::support::BrokerOpts::default()
    })
}

/// How the broker goes away.
#[derive(Clone, Copy, Debug)]
pub(super) enum Down {
    /// SIGTERM: it saves its state and closes connections.
    Term,
    /// SIGKILL: gone at once, connections reset.
    Kill,
}

/// How long a final drain waits for quiet: a broker saving on every change is slow.
pub(super) fn idle(how: Down) -> &'static str {
    match how {
        Down::Term => "2s",
        Down::Kill => "5s",
    }
}

/// Stops the broker (as `how` says) and starts it again on the same port.
pub(super) fn bounce(b: &mut Broker, how: Down) {
    match how {
        Down::Term => b.terminate(),
        Down::Kill => b.stop(),
    }
    b.restart();
}

/// Starts `send -l -v` and returns once it is connected, with its stdin and a thread
/// collecting its stderr.
pub(super) fn streaming_send(
    cmd: crate::support::Mqq,
) -> (
    std::process::Child,
    std::process::ChildStdin,
    std::thread::JoinHandle<String>,
) {
    let mut child = cmd
        .args(["-v", "send", "-l"])
        .command()
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "send ended before connecting: {seen}"
        );
        seen.push_str(&line);
        if line.contains("connected to") {
            break;
        }
    }
    let rest = std::thread::spawn(move || {
        let mut all = seen;
        let _ = std::io::Read::read_to_string(&mut err, &mut all);
        all
    });
    (child, stdin, rest)
}

/// The K of "resume with `tail -n +K`" in send's stderr.
pub(super) fn resume_point(stderr: &str) -> usize {
    stderr
        .split("resume with `tail -n +")
        .nth(1)
        .and_then(|r| r.split('`').next())
        .and_then(|k| k.parse().ok())
        .unwrap_or_else(|| panic!("no resume point in: {stderr}"))
}

/// Every number of `1..=n` in `lines`, and how many came twice.
pub(super) fn account(lines: &str, n: usize) -> (usize, usize) {
    let mut seen = std::collections::HashSet::new();
    let mut twice = 0;
    for l in lines.lines() {
        if !seen.insert(l.to_string()) {
            twice += 1;
        }
    }
    let missing = (1..=n).filter(|i| !seen.contains(&i.to_string())).count();
    (missing, twice)
}

#[test]
fn send_goes_on_through_a_broker_restart() {
    send_through_a_restart(Down::Term);
}

#[test]
fn send_goes_on_through_a_broker_killed_and_restarted() {
    send_through_a_restart(Down::Kill);
}

fn send_through_a_restart(how: Down) {
    use std::io::Write as _;
    // A broker saving on every change rewrites its whole store per message: keep it small.
    let n: usize = match how {
        Down::Term => 20_000,
        Down::Kill => 400,
    };
    let Some(mut b) = persistent_mosquitto_for(how) else {
        return;
    };
    let (t, id) = durable_queue(&b, "send-restart");
    let (mut send, mut stdin, stderr) = streaming_send(b.mqq().topic(&t).arg("--raw"));
    let all = numbers(n);
    let (first, second) = all.split_at(all.find(&format!("\n{}\n", n / 2 + 1)).unwrap() + 1);
    stdin.write_all(first.as_bytes()).unwrap();
    // The broker goes away and comes back while send is streaming; then the rest.
    bounce(&mut b, how);
    // Send may have stopped already (below), and then the pipe is closed.
    let _ = stdin.write_all(second.as_bytes());
    drop(stdin);
    let status = send.wait().unwrap();
    let stderr = stderr.join().unwrap();
    match status.code() {
        // It went on: every line acknowledged.
        Some(0) => assert!(
            stderr.contains(&format!("sent {n}, acknowledged {n}")),
            "{stderr}"
        ),
        // Send may stop instead (exit 1) and say where to resume: after a SIGKILL the broker
        // can come back without the sender's session; and twice in CI a restarted mosquitto
        // 2.0.11 never acknowledged part of what was resent (19 of 400 after a SIGKILL; 39 of
        // 20,000 after a SIGTERM, with 4,117 in flight at the restart; not seen in local
        // runs, cause not found: the broker, or rumqttc's handling of packet-id collisions on
        // resend). What is asserted of mqq here is that it then says so with an exact resume
        // point and never claims success.
        Some(1) => {
            let k = resume_point(&stderr);
            assert!(
                (1..=n + 1).contains(&k),
                "resume point {k} out of range: {stderr}"
            );
            eprintln!("send, broker {how:?}: stopped, resume at line {k}; send said: {stderr}");
            return;
        }
        _ => panic!("send failed: {stderr}"),
    }
    let got = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "listen", "--idle-timeout", idle(how)])
        .run();
    let (missing, twice) = account(&String::from_utf8_lossy(&got.stdout), n);
    eprintln!("send, broker {how:?}: {missing} missing, {twice} twice; send said: {stderr}");
    assert_eq!(missing, 0, "{stderr}");
}

#[test]
fn send_to_a_broker_that_stays_away_says_where_to_resume() {
    send_to_a_broker_gone(Down::Term);
}

#[test]
fn send_to_a_broker_killed_for_good_says_where_to_resume() {
    send_to_a_broker_gone(Down::Kill);
}

fn send_to_a_broker_gone(how: Down) {
    use std::io::Write as _;
    let n: usize = match how {
        Down::Term => 5_000,
        Down::Kill => 500,
    };
    let Some(mut b) = persistent_mosquitto_for(how) else {
        return;
    };
    let (t, id) = durable_queue(&b, "send-gone");
    let (mut send, mut stdin, stderr) =
        streaming_send(
            b.mqq()
                .topic(&t)
                .args(["--raw", "--set", "options.connect_timeout=1500"]),
        );
    let all = numbers(n);
    let (first, second) = all.split_at(all.find(&format!("\n{}\n", n * 2 / 5 + 1)).unwrap() + 1);
    stdin.write_all(first.as_bytes()).unwrap();
    match how {
        Down::Term => b.terminate(),
        Down::Kill => b.stop(),
    }
    // The rest may or may not be read before send gives up.
    let _ = stdin.write_all(second.as_bytes());
    drop(stdin);
    let status = send.wait().unwrap();
    let stderr = stderr.join().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    let k = resume_point(&stderr);
    // Resume from there once the broker is back: every line arrives.
    b.restart();
    b.mqq()
        .topic(&t)
        .args(["--raw", "send", "-l"])
        .stdin(
            all.lines()
                .skip(k - 1)
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        )
        .run()
        .expect_code(0);
    let got = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "listen", "--idle-timeout", idle(how)])
        .run();
    let (missing, twice) = account(&String::from_utf8_lossy(&got.stdout), n);
    eprintln!("resumed at line {k}: {missing} missing, {twice} twice");
    assert_eq!(missing, 0, "{stderr}");
}

/// A QoS 0 flood into a `listen` whose stdout nobody reads: the link stops reading the
/// socket once the core holds its budget (a few MB), so memory stays bounded however much
/// the broker has to send, and nothing is read that cannot be written. Once stdout is read
/// again, the rest follows (both brokers queue it for a connected subscriber).
#[test]
fn a_qos0_flood_into_a_blocked_stdout_keeps_memory_bounded() {
    const N: usize = 1_500;
    const SIZE: usize = 64 * 1024;
    let b = Broker::start();
    let t = super::topic("flood");
    let mut bg = b
        .mqq()
        .topic(&t)
        .args(["-q", "0", "--raw", "listen", "-n", &N.to_string()])
        .spawn_unread();
    let line = "x".repeat(SIZE - 1) + "\n";
    b.mqq()
        .topic(&t)
        .args(["-q", "0", "--raw", "--quiet", "send", "-l"])
        .stdin(line.repeat(N))
        .run()
        .expect_code(0);
    // ~96 MiB went out; the listener paused once its budget was spent.
    bg.wait_stderr("reading paused");
    let peak = bg.peak_rss();
    assert!(
        peak < 32 << 20,
        "listen's peak RSS was {} MiB with stdout blocked",
        peak >> 20
    );
    bg.read_stdout();
    if b.drops_qos0_when_slow() {
        // NATS drops QoS 0 messages for a subscriber that does not keep up: what arrives is
        // whole messages, fewer than were sent.
        bg.terminate();
        let out = bg.finish();
        out.expect_code(0);
        assert!(out.stdout.len() % SIZE == 0 && out.stdout.len() < N * SIZE);
        return;
    }
    let out = bg.finish();
    out.expect_code(0);
    assert_eq!(
        out.stdout.len(),
        N * SIZE,
        "every message arrived once stdout was read"
    );
}

#[test]
fn a_durable_listen_goes_on_through_a_broker_restart() {
    listen_through_a_restart(Down::Term);
}

#[test]
fn a_durable_listen_goes_on_through_a_broker_killed_and_restarted() {
    listen_through_a_restart(Down::Kill);
}

/// A durable `listen`; half the messages; the broker stopped and started again; the rest.
/// Every message id arrives (duplicates counted), and the queue is empty after.
fn listen_through_a_restart(how: Down) {
    let n: usize = match how {
        Down::Term => 2_000,
        Down::Kill => 600,
    };
    let Some(mut b) = persistent_mosquitto_for(how) else {
        return;
    };
    let (t, id) = durable_queue(&b, "listen-restart");
    let mut bg = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["--raw", "--set", "options.reconnect_timeout=100", "listen"])
        .spawn();
    let all = numbers(n);
    let (first, second) = all.split_at(all.find(&format!("\n{}\n", n / 2 + 1)).unwrap() + 1);
    b.mqq()
        .topic(&t)
        .args(["--raw", "--quiet", "send", "-l"])
        .stdin(first)
        .run()
        .expect_code(0);
    bg.wait_stderr_times("bytes=", n / 2);
    bounce(&mut b, how);
    bg.wait_stderr("reconnected to");
    b.mqq()
        .topic(&t)
        .args(["--raw", "--quiet", "send", "-l"])
        .stdin(second)
        .run()
        .expect_code(0);
    bg.wait_stderr_times("bytes=", n);
    bg.terminate();
    let out = bg.finish();
    out.expect_code(0).stderr_has("session resumed");
    let (missing, twice) = account(&out.text(), n);
    eprintln!("listen, broker {how:?}: {missing} missing, {twice} twice");
    assert_eq!(missing, 0, "{}", out.stderr);
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
}
