//! Integration tests: the `mqq` binary against a real broker over real sockets.
//! Each test starts its own broker on a free loopback port: an embedded rumqttd by default,
//! or the one `MQQ_TEST_BROKER` names (`tests/support/caps.rs`: embedded-v5, mosquitto, nats,
//! rabbitmq, aedes).

// Test inputs are built as `(0..n).map(|i| format!(..)).collect()`: clear, and cheap enough.
#![allow(clippy::format_collect)]

mod cases;
mod support;
