//! Integration tests: the `mqq` binary against a real broker over real sockets.
//! Each test starts its own broker on a free loopback port: an embedded rumqttd by default,
//! a spawned mosquitto with `MQQ_TEST_BROKER=mosquitto`.

// Test inputs are built as `(0..n).map(|i| format!(..)).collect()`: clear, and cheap enough.
#![allow(clippy::format_collect)]

mod cases;
mod support;
