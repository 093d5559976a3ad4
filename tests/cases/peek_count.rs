//! `peek` and `count` consume nothing: the durable queue's story, one process a step.

use super::durable_queue;
use crate::support::{client_id, topic, Broker};

#[test]
fn durable_story_each_step_a_process() {
    let b = Broker::start();
    let (t, id) = (topic("durable"), client_id("durable"));
    let queue = || b.mqq().topic(&t).id(&id);
    let count = |expect: &str| {
        queue()
            .args(["count", "--wait", "1s"])
            .run()
            .expect(0, &format!("{expect}\n"));
    };
    count("0");
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "one", "two", "three"])
        .run()
        .expect_code(0);
    count("3");
    queue()
        .args(["peek", "-n", "2"])
        .run()
        .expect(0, "one\ntwo\n");
    count("3");
    queue()
        .args(["receive", "-n", "2"])
        .run()
        .expect(0, "one\ntwo\n");
    count("1");
    queue().arg("receive").run().expect(0, "three\n");
    count("0");
}

#[test]
fn count_never_gives_a_wrong_exact_number_past_the_window() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "window");
    let lines: String = (0..50).map(|i| format!("m{i}\n")).collect();
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "-l"])
        .stdin(&lines)
        .run()
        .expect_code(0);
    let o = b
        .mqq()
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "1s"])
        .run();
    o.expect_code(0);
    let text = o.text();
    let text = text.trim_end();
    if text != "50" {
        let n: usize = text
            .strip_suffix('+')
            .unwrap_or_else(|| o.fail(&format!("wrong exact count {text}")))
            .parse()
            .unwrap();
        assert!((10..=50).contains(&n), "{text}");
        o.stderr_has("at least");
    }
    // Nothing was consumed: all 50 are still there, in order.
    b.mqq()
        .topic(&t)
        .id(&id)
        .args(["receive", "-n", "50", "-W", "20s"])
        .run()
        .expect(0, &lines);
}
