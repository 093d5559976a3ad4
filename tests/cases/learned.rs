//! What `mqq check` learned of a broker, asked by the other verbs (docs/DESIGN.md §6):
//! `count` and `peek` take the window it measured, `--group` warns where it found no
//! sharing, and `-V auto` skips MQTT 5 where it found MQTT 5 refused.

use super::{durable_queue_at, numbers, requeue_wait};
use crate::support::fake::{self, Behaviour};
use crate::support::{caps, mqq, once, topic, Broker, Mqq, Window};

/// `mqq` against `b`, keeping its state (check's record among it) in `state`.
fn remembering(b: &Broker, state: &tempfile::TempDir) -> Mqq {
    b.mqq()
        .env("XDG_STATE_HOME", state.path().to_str().unwrap())
}

/// A check quick enough for a test: few probes, small payloads; `-v` says where it kept
/// what it measured.
fn check(at: Mqq) {
    at.topic(&topic("learn"))
        .args(["-v", "check", "-n", "5", "--max-size", "4K"])
        .run()
        .expect_code(0)
        .stderr_has("kept what count, peek, --group and -V auto use of mqtt://127.0.0.1:");
}

/// `stderr` holds `{before}AGE)` where AGE is how `mqq` words a record made during this
/// case ("just now", "1 second ago", "12 seconds ago"): the case cannot say which, for a
/// loaded machine may take a second or more between check and the command that reads it.
fn has_recent(stderr: &str, before: &str) {
    let Some((age, _)) = stderr
        .split_once(before)
        .and_then(|(_, rest)| rest.split_once(')'))
    else {
        panic!("expected {before:?}AGE) on stderr:\n{stderr}")
    };
    let fresh = age == "just now"
        || age == "1 second ago"
        || age
            .strip_suffix(" seconds ago")
            .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n < 60));
    assert!(
        fresh,
        "{age:?}: not a record made during this case\n{stderr}"
    );
}

/// The window of a resumed MQTT 3.1.1 session on the suite's broker (`None`: all at once),
/// as `check_reports_what_the_suite_broker_supports` finds it.
fn window() -> Option<usize> {
    match caps().window() {
        Window::Of(n) => Some(n),
        Window::Unbounded => None,
        Window::NotSpoken => unreachable!("the cases that ask it speak MQTT 3.1.1"),
    }
}

/// Without `--window`, an MQTT 3.1.1 `count` assumes a window of 10 (it prints `30+` for 30
/// pending on rumqttd, whose window is 100); after a check it takes the measured one: exact
/// below it, `N+` at it, and `-v` says where the window came from. `peek` too.
#[test]
fn count_and_peek_take_the_window_check_measured() {
    const PENDING: usize = 30;
    // The window measured is MQTT 3.1.1's: a broker without it has none to learn.
    if !caps().speaks_v311() {
        return;
    }
    let b = Broker::start();
    let state = tempfile::tempdir().unwrap();
    let at = || remembering(&b, &state).args(["-V", "3.1.1"]);
    let (t, id) = durable_queue_at(at(), "learned-window");
    at().topic(&t)
        .args(["--quiet", "send", "-q", "1", "-l"])
        .stdin(numbers(PENDING))
        .run()
        .expect_code(0);
    let seen = window().map_or(PENDING, |w| w.min(PENDING));
    // Before any check: the assumed 10.
    let before = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["-V", "3.1.1", "-v", "count", "--wait", "1s"])
        .run();
    before
        .expect(0, &format!("{seen}+\n"))
        .stderr_has("window: 10, assumed");
    check(at());
    let o = at()
        .topic(&t)
        .id(&id)
        .args(["-v", "count", "--wait", requeue_wait()])
        .run();
    o.expect_code(0);
    match window() {
        Some(w) if w <= PENDING => {
            o.expect(0, &format!("{w}+\n"))
                .stderr_has(&format!("window: {w} (measured by mqq check, "))
                .stderr_has("(MQTT 3.1.1, measured by mqq check, ");
        }
        Some(w) => {
            o.expect(0, &format!("{PENDING}\n"))
                .stderr_has(&format!("window: {w} (measured by mqq check, "));
        }
        None => {
            o.expect(0, &format!("{PENDING}\n"))
                .stderr_has("window: none (mqq check, ");
        }
    }
    let o = at()
        .topic(&t)
        .id(&id)
        .args(["peek", "-n", "50", "--wait", requeue_wait()])
        .run();
    o.expect_code(0);
    assert_eq!(o.text().lines().count(), seen, "{}", o.stderr);
    assert_eq!(
        o.stderr.contains("more may be pending"),
        seen < PENDING,
        "{}",
        o.stderr
    );
}

/// `--group` where check found how the broker shares: no warning where it splits (the
/// general MQTT 3.1.1 warning goes), one naming check's finding where it does not. And `-V
/// auto` connects with MQTT 3.1.1 at once where check found MQTT 5 refused; a record that
/// says MQTT 5 works changes nothing.
#[test]
fn group_warns_from_what_check_found() {
    // It ends with an MQTT 3.1.1 `--group`: a broker without 3.1.1 cannot answer it.
    if !caps().speaks_v311() {
        return;
    }
    let b = Broker::start();
    let state = tempfile::tempdir().unwrap();
    check(remembering(&b, &state));
    let o = remembering(&b, &state)
        .topic(&topic("learned-group"))
        .args(["-v", "--group", "g", "receive", "-W", "300ms"])
        .run();
    o.expect_code(1);
    if caps().shares() {
        assert!(!o.stderr.contains("warning: --group"), "{}", o.stderr);
    } else {
        has_recent(&o.stderr, "(shared subscriptions: none, mqq check, ");
        o.stderr_has("split the work by topic instead");
    }
    assert_eq!(
        o.stderr
            .contains("-V auto: MQTT 3.1.1 at once, as mqq check found that"),
        !caps().speaks_v5(),
        "{}",
        o.stderr
    );
    // Without a place to keep state, nothing was learned: the general warning.
    b.mqq()
        .topic(&topic("learned-group"))
        .args(["-V", "3.1.1", "--group", "g", "receive", "-W", "300ms"])
        .run()
        .expect_code(1)
        .stderr_has("--group with MQTT 3.1.1: ");
}

/// A broker that leaves an MQTT 5 CONNECT unanswered (amqtt 0.12): `-V auto` waits 3 s for
/// it before trying 3.1.1, unless check found MQTT 5 refused there.
#[test]
fn auto_skips_mqtt_5_where_check_found_it_refused() {
    // A fake front of its own: the suite's broker plays no part.
    if !once() {
        return;
    }
    let b = Broker::start();
    let port = fake::front(b.port, Behaviour::IgnoreV5);
    let uri = format!("mqtt://127.0.0.1:{port}");
    let state = tempfile::tempdir().unwrap();
    let at = || {
        mqq()
            .uri(&uri)
            .env("XDG_STATE_HOME", state.path().to_str().unwrap())
    };
    let o = at()
        .topic(&topic("learn"))
        .args([
            "-V",
            "3.1.1",
            "--set",
            "options.connect_timeout=2s",
            "check",
            "-n",
            "5",
            "--max-size",
            "4K",
            "-F",
            "json",
        ])
        .run();
    o.expect_code(0);
    let caps = &o.json()["capabilities"];
    assert_eq!(caps["mqtt5"]["status"], "not supported", "{caps}");
    assert_eq!(caps["mqtt311"]["status"], "supported", "{caps}");
    let (t, id) = (
        topic("learned-auto"),
        crate::support::client_id("learned-auto"),
    );
    let o = at()
        .topic(&t)
        .id(&id)
        .args(["-v", "count", "--wait", "200ms"])
        .run();
    o.expect(0, "0\n");
    has_recent(
        &o.stderr,
        &format!("-V auto: MQTT 3.1.1 at once, as mqq check found that {uri} refuses MQTT 5 ("),
    );
    // No MQTT 5 attempt was made: `-v` names the fallback when one is (as
    // `link::auto_falls_back_when_an_mqtt5_connect_goes_unanswered` checks).
    assert!(!o.stderr.contains("trying MQTT 3.1.1"), "{}", o.stderr);
}
