//! Several brokers: the failover list (`-L` repeated, or a comma list) is tried in order on
//! connect and, after a node's loss, on reconnect, the next node first. On a real
//! distributed broker (a 3-node NATS cluster replicating MQTT sessions) a durable `listen`
//! survives the loss of its node with every message delivered.

use std::collections::BTreeSet;

use super::numbers;
use crate::support::nats::NatsCluster;
use crate::support::{free_port, Broker};

#[test]
fn the_first_address_down_the_second_is_used() {
    let b = Broker::start();
    let t = super::topic("failover-connect");
    let down = format!("mqtt://127.0.0.1:{}", free_port());
    // Repeated -L, and the comma list of pip-services Go.
    for args in [
        vec!["-L".to_string(), down.clone(), "-L".into(), b.uri()],
        vec!["-L".to_string(), format!("{down},{}", b.uri())],
    ] {
        crate::support::mqq()
            .topic(&t)
            .id(&crate::support::client_id("failover-connect"))
            .args(&args)
            .args(["count", "--wait", "100ms"])
            .run()
            .expect(0, "0\n");
    }
}

#[test]
fn listen_continues_on_the_next_broker_when_its_own_dies() {
    let (Some(mut a), Some(b)) = (Broker::mosquitto(), Broker::mosquitto()) else {
        return;
    };
    let t = super::topic("failover-listen");
    let mut bg = crate::support::mqq()
        .topic(&t)
        .args(["-L", &a.uri(), "-L", &b.uri(), "listen", "-n", "1"])
        .spawn();
    a.stop();
    // Synchronised on its own report, not on time.
    bg.wait_stderr(&format!("reconnected to {}", b.uri()));
    // It subscribed again on the new broker (a new session there): a message now arrives.
    bg.wait_stderr("subscribed again to");
    b.mqq()
        .topic(&t)
        .args(["send", "after the failover"])
        .run()
        .expect_code(0);
    bg.finish().expect(0, "after the failover\n");
}

/// A durable `listen` on node 0 of a 3-node NATS cluster; messages are published through
/// node 1; node 0 is killed half-way. mqq reconnects to the next node, resumes the same
/// (replicated) session there, and every message arrives.
#[test]
fn a_durable_listen_survives_the_loss_of_its_nats_node() {
    const N: usize = 1000;
    let Some(mut c) = NatsCluster::start(3) else {
        return;
    };
    let t = super::topic("cluster");
    let id = super::client_id("cluster");
    let all = format!("{},{},{}", c.uri(0), c.uri(1), c.uri(2));
    let node1 = c.uri(1);
    let via_node1 = || crate::support::mqq().uri(&node1).topic(&t);
    // Create the durable session (on node 0, replicated to all).
    crate::support::mqq()
        .uri(&all)
        .topic(&t)
        .id(&id)
        .args(["count", "--wait", "200ms"])
        .run()
        .expect(0, "0\n");
    let mut bg = crate::support::mqq()
        .uri(&all)
        .topic(&t)
        .id(&id)
        .args(["--raw", "listen", "-n", &N.to_string()])
        .spawn();
    let first: String = numbers(N)
        .lines()
        .take(N / 2)
        .map(|l| format!("{l}\n"))
        .collect();
    let rest: String = numbers(N)
        .lines()
        .skip(N / 2)
        .map(|l| format!("{l}\n"))
        .collect();
    via_node1()
        .args(["--raw", "--quiet", "send", "-l"])
        .stdin(first)
        .run()
        .expect_code(0);
    bg.wait_stderr_times("bytes=", N / 4);
    c.kill(0);
    // The cluster elects new JetStream leaders when it lost the node that led: until then
    // node 1 refuses MQTT connections. Each attempt is a real one, answered by the broker.
    let sent = (0..30).any(|_| {
        via_node1()
            .args(["--raw", "--quiet", "send", "-l"])
            .stdin(rest.clone())
            .run()
            .code
            == 0
    });
    assert!(sent, "node 1 never took the second half");
    bg.wait_stderr(&format!("reconnected to {}", c.uri(1)));
    let out = bg.finish();
    out.expect_code(0).stderr_has("session resumed");
    let got: Vec<usize> = out.text().lines().map(|l| l.parse().unwrap()).collect();
    let unique: BTreeSet<usize> = got.iter().copied().collect();
    assert_eq!(
        unique,
        (1..=N).collect(),
        "every message id arrives ({} lines)",
        got.len()
    );
}

/// A durable `listen` connected to node 1 of a 3-node RabbitMQ cluster whose session queue
/// lives on node 0; node 0 stops. Node 1 then closes the connection, and closes every new one
/// at its SUBSCRIBE while the queue's node is away: that is a lost node, not another consumer
/// (it stopped with exit 5, "another consumer holds this client id"). `listen` rides it out
/// and resumes the session once node 0 is back; nothing is lost.
#[test]
fn a_durable_listen_rides_out_the_loss_of_its_queues_rabbitmq_node() {
    let Some(c) = crate::support::rabbitmq::RabbitCluster::start(3) else {
        return;
    };
    let t = super::topic("rmq-cluster");
    let id = super::client_id("rmq-cluster");
    let node0 = || crate::support::mqq().uri(&c.uri(0)).topic(&t);
    // The session, and so its queue, on node 0.
    node0()
        .id(&id)
        .args(["count", "--wait", "300ms"])
        .run()
        .expect(0, "0\n");
    node0()
        .args(["-q", "1", "send", "-l"])
        .stdin(numbers(2))
        .run()
        .expect_code(0);
    let all = format!("{},{},{}", c.uri(1), c.uri(0), c.uri(2));
    let mut bg = crate::support::mqq()
        .uri(&all)
        .topic(&t)
        .id(&id)
        .args(["--set", "options.reconnect_timeout=200", "listen"])
        .spawn();
    bg.wait_stderr_times("bytes=", 2);
    c.ctl(0, &["stop_app"]);
    bg.wait_stderr("lost");
    c.ctl(0, &["start_app"]);
    node0().args(["-q", "1", "send", "3"]).run().expect_code(0);
    bg.wait_stderr_times("bytes=", 3);
    bg.terminate();
    let out = bg.finish();
    out.expect_code(0);
    let got: BTreeSet<String> = out.text().lines().map(String::from).collect();
    assert_eq!(
        got,
        ["1", "2", "3"].map(String::from).into(),
        "{}",
        out.stderr
    );
}
