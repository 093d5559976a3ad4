//! Bad input is exit 2 before connecting, naming the field, line or limit (issue 24's
//! probe): the address is a port nothing listens on, so reaching the network would be 3.

use std::os::unix::ffi::OsStrExt as _;

use super::{durable_queue, numbers};
use crate::support::{free_port, mqq, once, Broker, Mqq};

/// mqq aimed at a port nothing listens on.
fn offline() -> Mqq {
    mqq().uri(&format!("mqtt://127.0.0.1:{}", free_port()))
}

#[test]
fn ndjson_lines_with_a_bad_topic_or_a_field_of_the_wrong_type_name_line_and_field() {
    let b = Broker::start();
    let ok = r#"{"topic":"a","payload":"x"}"#;
    for (line, want) in [
        (
            r#"{"topic":"a/#","payload":"x"}"#,
            "line 2: \"topic\": topic \"a/#\": it has a wildcard",
        ),
        (
            r#"{"topic":"","payload":"x"}"#,
            "line 2: \"topic\": topic \"\": it is empty",
        ),
        (
            r#"{"topic":"a\u0000b","payload":"x"}"#,
            "line 2: \"topic\": topic \"a\\0b\"",
        ),
        (
            r#"{"topic":"a\u001b[2J","payload":"x"}"#,
            "line 2: \"topic\": topic \"a\\u{1b}[2J\"",
        ),
        (
            r#"{"topic":"a","payload":"x","retain":"yes"}"#,
            "line 2: \"retain\" is \"yes\", not true or false",
        ),
        (
            r#"{"topic":"a","payload":"x","retain":1}"#,
            "line 2: \"retain\" is 1",
        ),
        (
            r#"{"topic":"a","payload":"x","retain":"true"}"#,
            "line 2: \"retain\" is \"true\"",
        ),
        (
            r#"{"topic":"a","payload":"x","properties":{"message_expiry":-1}}"#,
            "line 2: \"message_expiry\" is -1, not a number of seconds",
        ),
        (
            r#"{"topic":7,"payload":"x"}"#,
            "line 2: \"topic\" is not a string",
        ),
        (
            r#"{"topic":"a","payload":"x","message_type":[1]}"#,
            "line 2: \"message_type\" is not a string",
        ),
    ] {
        let t = crate::support::topic("ndjson-bad");
        b.mqq()
            .topic(&t)
            .args(["send", "--ndjson"])
            .stdin(format!("{ok}\n{line}\n{ok}\n"))
            .run()
            .expect_code(2)
            .stderr_has(want)
            .stderr_has("1 message before it was sent");
    }
}

#[test]
fn topics_with_control_characters_are_refused_before_connecting() {
    if !once() {
        return;
    }
    for t in [
        "a\u{1}b",
        "a\nmqq: error: forged",
        "a\u{1b}[2J",
        "a\u{ffff}",
    ] {
        offline()
            .topic(t)
            .args(["send", "x"])
            .run()
            .expect_code(2)
            .stderr_lines(1)
            .stderr_has("MQTT topics must not hold");
        offline()
            .topic(t)
            .args(["receive", "-W", "1"])
            .run()
            .expect_code(2)
            .stderr_lines(1);
        offline()
            .topic("a")
            .args(["--group", t, "receive", "-W", "1"])
            .run()
            .expect_code(2)
            .stderr_lines(1)
            .stderr_has("--group name");
    }
}

#[test]
fn mqqs_own_variables_that_are_not_utf8_are_named() {
    let bad = std::ffi::OsStr::from_bytes(b"mqtt://h\xff");
    for var in ["MQQ_URI", "MQQ_TOPIC", "MQQ_CLIENT_ID", "MQQ_PASSWORD"] {
        offline()
            .topic("a")
            .env_os(var, bad)
            .args(["send", "x"])
            .run()
            .expect_code(2)
            .stderr_has(&format!(
                "the environment variable {var} is not valid UTF-8"
            ));
    }
    // Someone else's variable that is not UTF-8 is none of mqq's business.
    let b = Broker::start();
    b.mqq()
        .topic("a")
        .env_os("OTHER_TOOL", bad)
        .args(["send", "x"])
        .run()
        .expect_code(0);
}

#[test]
fn oversized_passwords_and_messages_name_the_limit_before_connecting() {
    if !once() {
        return;
    }
    let long = "p".repeat(70_000);
    offline()
        .topic("a")
        .args(["-u", "u", "-P", &long, "send", "x"])
        .run()
        .expect_code(2)
        .stderr_has("is 70000 bytes long; MQTT carries at most 65535")
        .never_shows(&long[..100]);
    offline()
        .topic("a")
        .args(["-u", "u", "--password-file", "/dev/zero", "send", "x"])
        .run()
        .expect_code(2)
        .stderr_has("it holds more than 65535 bytes");
    offline()
        .topic("a")
        .args(["--config", "/dev/urandom", "send", "x"])
        .run()
        .expect_code(2)
        .stderr_has("it holds more than 1048576 bytes");
    // A file past MQTT's largest packet once enveloped, told by its size (a sparse file).
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(210_000_000)
        .unwrap();
    offline()
        .topic("a")
        .args(["send", "-f"])
        .arg(&big)
        .run()
        .expect_code(2)
        .stderr_has("holds more than 201326")
        .stderr_has("MQTT's largest packet (268435455 bytes)")
        .stderr_has("--raw sends up to 268435");
}

#[test]
fn work_keeps_the_password_from_its_command_unless_asked() {
    let b = Broker::start();
    if !b.takes_any_credentials() {
        // RabbitMQ refuses a user it does not know; the other brokers of the suite take any
        // credentials, which is all this case needs.
        return;
    }
    let (t, id) = durable_queue(&b, "work-secrets");
    b.mqq()
        .topic(&t)
        .args(["send", "-l"])
        .stdin(numbers(2))
        .run()
        .expect_code(0);
    let dump = "env | grep -E '^MQQ_(PASSWORD|PASSWORD_FILE|URI)=' | sort; true";
    let uri_with_password = format!("mqtt://u:Sup3rS3cret@127.0.0.1:{}", b.port);
    let work = |extra: &[&str]| {
        let mut args = vec!["work", "-n", "1"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "sh", "-c", dump]);
        mqq()
            .topic(&t)
            .id(&id)
            .env("MQQ_URI", &uri_with_password)
            .env("MQQ_PASSWORD", "Sup3rS3cret")
            .args(args)
            .run()
    };
    // The broker takes any credentials.
    let o = work(&[]);
    o.expect(0, "").never_shows("Sup3rS3cret");
    let o = work(&["--pass-secrets"]);
    o.expect_code(0)
        .stdout_has("MQQ_PASSWORD=Sup3rS3cret")
        .stdout_has(&format!("MQQ_URI={uri_with_password}"));
}
