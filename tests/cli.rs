//! Integration tests: the `mqq` binary against a real broker over real sockets.
//! Each test starts its own broker on a free loopback port: an embedded rumqttd by default,
//! a spawned mosquitto with `MQQ_TEST_BROKER=mosquitto`.

// Short names (b: broker, t: topic, q: run) keep the cases readable as scripts.
#![allow(clippy::many_single_char_names, clippy::format_collect)]

mod cases;
mod support;
