//! `clear`: removes a durable queue's session and its pending messages.

use super::durable_queue;
use crate::support::Broker;

#[test]
fn clear_removes_the_session_and_its_messages() {
    let b = Broker::start();
    let (t, id) = durable_queue(&b, "clear");
    let queue = || b.mqq().topic(&t).id(&id);
    b.mqq()
        .topic(&t)
        .args(["send", "-q", "1", "x", "y"])
        .run()
        .expect_code(0);
    queue()
        .args(["count", "--wait", "1s"])
        .run()
        .expect(0, "2\n");
    queue().arg("clear").run().expect_code(0);
    queue()
        .args(["count", "--wait", "1s"])
        .run()
        .expect(0, "0\n");
    // An ephemeral queue has no session: a usage error.
    b.mqq().topic(&t).arg("clear").run().expect_code(2);
}
