//! Errors name what is wrong and what to write instead: a file that cannot be read or used,
//! and a value, with the key and where it came from.

use crate::config::tests::{check_err, file, flag, inputs, CONTAINER, CONTAINER_ENV, PROFILES};
use crate::config::*;

#[test]
fn file_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.yml");
    let path_of = |f: &tempfile::NamedTempFile| f.path().display().to_string();
    let with_queue = |f: &tempfile::NamedTempFile, env: &[(&str, &str)], q: &str| ConfigInputs {
        queue: Some(q.into()),
        ..inputs(Some(f.path()), env, &[])
    };

    let bad_yaml = file("topic: t\nconnection:\n  host: a\n    port: 1\n");
    let want = format!(
        "config file \"{}\": invalid YAML at line 4, column 9: ",
        path_of(&bad_yaml)
    );
    check_err(&inputs(Some(bad_yaml.path()), &[], &[]), &[&want]);

    let want = format!(
        "config file \"{}\": No such file or directory",
        missing.display()
    );
    check_err(
        &inputs(Some(&missing), &[], &[]),
        &[&want, "give a readable file to --config"],
    );
    let env = [("MQQ_CONFIG", missing.to_str().unwrap_or_default())];
    check_err(
        &inputs(None, &env, &[]),
        &["give a readable file to MQQ_CONFIG"],
    );

    let profiles = file(PROFILES);
    let want = format!(
        "unknown queue \"foo\" in \"{}\"; queues defined there: orders, audit",
        path_of(&profiles)
    );
    check_err(&with_queue(&profiles, &[], "foo"), &[&want]);
    check_err(
        &inputs(Some(profiles.path()), &[], &[]),
        &["defines several queues (orders, audit); choose one with --queue or MQQ_QUEUE"],
    );

    let unset = file("topic: {{NOPE}}\n");
    let want = format!(
        "{{{{NOPE}}}} in \"{}\" is not set in the environment; export it or remove it",
        path_of(&unset)
    );
    check_err(&inputs(Some(unset.path()), &[], &[]), &[&want]);
    let container = file(CONTAINER);
    check_err(
        &with_queue(&container, &CONTAINER_ENV[1..], "orders"),
        &["{{MQTT_HOST}} in"],
    );

    let no_disc = file("connection: { discovery_key: broker9 }\n");
    check_err(
        &inputs(Some(no_disc.path()), &[], &[]),
        &[
            "connection.discovery_key: discovery key \"broker9\" is not defined in",
            "has no pip-services:discovery:memory component",
        ],
    );
    let no_store = file(
        "- descriptor: 'pip-services:credential-store:memory:default:1.0'\n  a: 'user=x;pass=y'\n\
         - descriptor: 'pip-services:message-queue:mqtt:q:1.0'\n  credential: { store_key: zz }\n",
    );
    check_err(
        &inputs(Some(no_store.path()), &[], &[]),
        &[
            "credential.store_key: store key \"zz\" is not defined in",
            "keys defined there: a",
        ],
    );

    let bad_desc = file("- descriptor: 'pip-services:message-queue:mqtt'\n");
    check_err(
        &inputs(Some(bad_desc.path()), &[], &[]),
        &["descriptor \"pip-services:message-queue:mqtt\" in"],
    );
    let scalar = file("just a string\n");
    check_err(
        &inputs(Some(scalar.path()), &[], &[]),
        &["the top level is a single value"],
    );

    let nope = dir.path().join("nope.txt");
    let want = format!(
        "password file \"{}\": No such file or directory; give a readable file to --password-file",
        nope.display()
    );
    check_err(
        &ConfigInputs {
            password_file: Some(nope),
            ..ConfigInputs::default()
        },
        &[&want],
    );
    check_err(
        &inputs(None, &[("MQQ_PASSWORD_FILE", "/nonexistent/pw")], &[]),
        &["give a readable file to MQQ_PASSWORD_FILE"],
    );
}

#[test]
fn value_errors() {
    // (env, or flag key/value/name) → expected parts of the message.
    let by_env: [(&str, &str, &[&str]); 5] = [
        (
            "MQQ_URI",
            "mqtt://user:Sup3rS3cret@h:abc",
            &[
                "connection.uri: \"mqtt://***@h:abc\" (env MQQ_URI) is not a valid URI: \
               invalid port number; use scheme://host:port, e.g. mqtt://localhost:1883",
            ],
        ),
        (
            "MQQ_PROTOCOL",
            "amqp",
            &["connection.protocol: \"amqp\" (env MQQ_PROTOCOL) is not a"],
        ),
        (
            "MQQ_PORT",
            "70000",
            &["connection.port: \"70000\" (env MQQ_PORT) is not a port"],
        ),
        (
            "MQQ_QOS",
            "3",
            &["options.qos: \"3\" (env MQQ_QOS) is not a QoS level; use 0, 1 or 2"],
        ),
        (
            "MQQ_ENVELOPE_VERSION",
            "5",
            &["options.envelope_version: \"5\" (env MQQ_ENVELOPE_VERSION) is not an envelope"],
        ),
    ];
    for (var, value, want) in by_env {
        check_err(&inputs(None, &[(var, value)], &[]), want);
    }
    let by_flag: [(&str, &str, &str, &[&str]); 10] = [
        (
            "connection.uri",
            "mqtt://h:0",
            "--uri",
            &["(flag --uri) is not a valid URI: port 0"],
        ),
        (
            "connection.uri",
            "localhost:1883",
            "--uri",
            &["is not a valid URI: it has no scheme"],
        ),
        (
            "connection.uri",
            "mqtt:///x",
            "--uri",
            &["is not a valid URI: it has no host"],
        ),
        (
            "connection.uri",
            "mqtt://u:Sup3rS3cret@h h",
            "--uri",
            &["\"mqtt://***@h h\""],
        ),
        (
            "connection.uri",
            "http://h",
            "--uri",
            &[
                "connection.uri: \"http\" (flag --uri) is not a supported protocol; \
               use mqtt, tcp, mqtts, ssl, tls, ws or wss",
            ],
        ),
        (
            "connection.port",
            "0",
            "--port",
            &["connection.port: \"0\" (flag --port) is not a port; use a number from 1 to 65535"],
        ),
        (
            "connections.0.port",
            "abc",
            "--set",
            &["connections.0.port: \"abc\" (flag --set)"],
        ),
        (
            "connection.host",
            " ",
            "--host",
            &["\" \" (flag --host) is not a host: it is empty"],
        ),
        (
            "connection.host",
            "mqtt://h",
            "--host",
            &["is not a host: it looks like a URI"],
        ),
        (
            "options.keepalive_timeout",
            "soon",
            "--set",
            &[
                "options.keepalive_timeout: \"soon\" (flag --set) is not a duration; \
               use milliseconds (5000) or a duration like 5s or 500ms",
            ],
        ),
    ];
    for (key, value, name, want) in by_flag {
        check_err(&inputs(None, &[], &[flag(key, value, name)]), want);
    }
}
