//! `mqq move --to TOPIC`: a queue drained into another topic, acknowledged at the source
//! only after the destination has each batch.

use super::durable_queue;
use crate::support::Broker;

#[test]
fn move_drains_a_queue_into_another_topic_byte_for_byte() {
    let b = Broker::start();
    let (src, src_id) = durable_queue(&b, "move-src");
    let (dst, dst_id) = durable_queue(&b, "move-dst");
    let lines: String = (1..=1000).map(|i| format!("job {i}\n")).collect();
    b.mqq()
        .topic(&src)
        .args(["--quiet", "send", "-l"])
        .stdin(lines.clone())
        .run()
        .expect_code(0);
    // --dry-run shows and moves nothing.
    let o = b
        .mqq()
        .topic(&src)
        .id(&src_id)
        .args(["move", "--to", &dst, "--dry-run", "-n", "3"])
        .run();
    o.expect(0, "job 1\njob 2\njob 3\n")
        .stderr_has("dry run: 3 messages would move");
    b.mqq()
        .topic(&src)
        .id(&src_id)
        .args(["move", "--to", &dst])
        .run()
        .expect_code(0)
        .stderr_has("moved 1000 messages");
    // All at the destination, envelopes intact (the bodies decode), none left at the source.
    b.mqq()
        .topic(&dst)
        .id(&dst_id)
        .args(["receive", "-n", "1000", "-W", "20s"])
        .run()
        .expect(0, &lines);
    b.mqq()
        .topic(&src)
        .id(&src_id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
    // Moving a queue onto itself is refused.
    b.mqq()
        .topic(&src)
        .id(&src_id)
        .args(["move", "--to", &src])
        .run()
        .expect_code(2)
        .stderr_has("the queue's own topic");
}
