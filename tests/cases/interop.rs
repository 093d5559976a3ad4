//! mosquitto's own clients and mqq exchange messages both ways.

use std::process::Command;

use crate::support::{client_id, mosquitto_clients, topic, Broker};

/// `mosquitto_pub` or `mosquitto_sub` connected to the broker as `id`, on topic `t`, at QoS 1
/// (over MQTT 5 where the broker speaks nothing else).
fn mosquitto(client: &str, b: &Broker, id: &str, t: &str) -> Command {
    let mut c = Command::new(client);
    c.args(["-h", "127.0.0.1", "-p", &b.port.to_string(), "-i", id])
        .args(["-t", t, "-q", "1"]);
    if !b.speaks_v311() {
        c.args(["-V", "mqttv5"]);
    }
    c
}

#[test]
fn mosquitto_clients_interoperate() {
    // Needs mosquitto_pub/mosquitto_sub; .ci/run installs them, and their absence is a
    // failure there.
    if !mosquitto_clients() {
        return;
    }
    let b = Broker::start();
    // mosquitto_pub → mqq (envelope mode: a plain payload is a raw message).
    let t = topic("interop-in");
    let bg = b
        .mqq()
        .topic(&t)
        .args(["listen", "-n", "1", "-F", "raw"])
        .spawn();
    let st = mosquitto("mosquitto_pub", &b, &client_id("pub"), &t)
        .args(["-m", "from mosquitto_pub"])
        .status()
        .unwrap();
    assert!(st.success());
    bg.finish().expect_bytes(0, b"from mosquitto_pub");
    // mqq → mosquitto_sub (raw mode: exact bytes), through a durable mosquitto_sub session:
    // the first run (-c -E) creates the session and exits once subscribed; the second
    // collects what mqq sent in between.
    let t = topic("interop-out");
    let sub_id = client_id("sub");
    let sub = |extra: &[&str]| {
        mosquitto("mosquitto_sub", &b, &sub_id, &t)
            .arg("-c")
            .args(extra)
            .output()
            .unwrap()
    };
    assert!(sub(&["-E"]).status.success());
    b.mqq()
        .topic(&t)
        .args(["send", "--raw", "-q", "1", "to mosquitto_sub"])
        .run()
        .expect_code(0);
    let got = sub(&["-C", "1", "-W", "10", "-N"]);
    assert!(got.status.success(), "{got:?}");
    assert_eq!(got.stdout, b"to mosquitto_sub");
}
