//! The config file's shapes, templating and the errors that name a place in the file.

use crate::config::tests::{
    check_err, env_src, err, file, file_src, flag_src, inputs, ok, options, uris, CONTAINER,
    CONTAINER_ENV, PROFILES,
};
use crate::config::*;
use crate::envelope::EnvelopeVersion;

#[test]
fn shape_a_single_queue() {
    let f = file(
        "name: orders\ntopic: orders/in\nclient_id: worker-1\n\
         connection: { protocol: mqtts, host: broker, port: 8884 }\n\
         credential: { username: alice, password: s3cr3t, ssl_ca_file: ca.pem,\n\
         \x20 ssl_crt_file: c.pem, ssl_key_file: c.key }\n\
         options: { qos: 1, retain: true, serialize_envelope: false, autosubscribe: yes,\n\
         \x20 retry_connect: n, connect_timeout: 5000, reconnect_timeout: 2s,\n\
         \x20 keepalive_timeout: 500ms, envelope_version: v4, protocol_version: mqttv5,\n\
         \x20 session_expiry: 1d, group: g1, tls: false, tls_ca_path: /etc/ca,\n\
         \x20 tls_insecure: false, tls_server_name: b.example, tls_alpn: 'mqtt, x-amzn-mqtt-ca' }\n",
    );
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    assert_eq!(r.config.options.protocol_version, ProtocolVersion::V5);
    assert_eq!(
        r.config.options.session_expiry,
        Some(std::time::Duration::from_secs(86_400))
    );
    let c = &r.config;
    assert_eq!(c.name.as_deref(), Some("orders"));
    assert_eq!(c.topic.as_deref(), Some("orders/in"));
    assert_eq!(c.client_id.as_deref(), Some("worker-1"));
    assert_eq!(uris(&r), ["mqtts://broker:8884"]);
    let cred = c.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("alice", "s3cr3t")
    );
    assert_eq!(
        options(&c.options),
        (
            1,
            true,
            false,
            true,
            false,
            [5_000, 2_000, 500],
            EnvelopeVersion::V4
        )
    );
    assert_eq!(
        c.tls,
        TlsConfig {
            ca_file: Some("ca.pem".into()),
            ca_path: Some("/etc/ca".into()),
            cert_file: Some("c.pem".into()),
            key_file: Some("c.key".into()),
            insecure: false,
            server_name: Some("b.example".into()),
            alpn: vec!["mqtt".into(), "x-amzn-mqtt-ca".into()],
        }
    );
    assert_eq!(c.options.group.as_deref(), Some("g1"));
    for (key, src) in r.sources {
        assert_eq!(src, file_src(&f), "{key}");
    }
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn shape_b_named_queues() {
    let f = file(PROFILES);
    let by_flag = ConfigInputs {
        queue: Some("orders".into()),
        ..inputs(Some(f.path()), &[], &[])
    };
    let r = ok(&by_flag);
    assert_eq!(r.config.name.as_deref(), Some("orders"));
    assert_eq!(r.sources.get("name"), Some(&flag_src("--queue")));
    assert_eq!(r.config.topic.as_deref(), Some("shop/orders"));
    assert_eq!(r.config.options.qos, 2);

    let r = ok(&inputs(Some(f.path()), &[("MQQ_QUEUE", "audit")], &[]));
    assert_eq!(r.config.name.as_deref(), Some("audit"));
    assert_eq!(r.sources.get("name"), Some(&env_src("MQQ_QUEUE")));
    // No topic: the queue name is the topic.
    assert_eq!(r.config.topic.as_deref(), Some("audit"));
    assert_eq!(r.sources.get("topic"), Some(&env_src("MQQ_QUEUE")));
    assert_eq!(uris(&r), ["ws://h:9001/mqtt"]);
    assert_eq!(r.config.connections[0].path, "/mqtt");

    // A single queue is chosen without a name.
    let f = file("queues:\n  only: { topic: t }\n");
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    assert_eq!(r.config.name.as_deref(), Some("only"));
    assert_eq!(r.sources.get("name"), Some(&file_src(&f)));
}

#[test]
fn shape_c_container_config() {
    let f = file(CONTAINER);
    let base = inputs(Some(f.path()), &CONTAINER_ENV, &[]);
    let r = ok(&ConfigInputs {
        queue: Some("orders".into()),
        ..base.clone()
    });
    let c = &r.config;
    assert_eq!(c.name.as_deref(), Some("orders"));
    assert_eq!(c.topic.as_deref(), Some("orders"));
    assert_eq!(
        uris(&r),
        ["mqtt://10.0.0.5:1883", "mqtts://backup.example:8884"]
    );
    let cred = c.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("svc", "Pa55-container")
    );
    assert_eq!((c.options.qos, c.options.autosubscribe), (1, true));
    assert_eq!(r.sources.get("connections.1.uri"), Some(&file_src(&f)));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);

    let r = ok(&ConfigInputs {
        queue: Some("events".into()),
        ..base.clone()
    });
    assert_eq!(uris(&r), ["mqtt://10.0.0.5:1999"]);
    assert_eq!(r.config.credential, None);

    let e = err(&base);
    assert!(e.contains("defines several queues (orders, events)"), "{e}");
}

#[test]
fn templating() {
    let env = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    };
    let p = Path::new("x.yml");
    let e = env(&[("A", "1"), ("B", "two")]);
    let cases = [
        ("{{A}}", "1"),
        ("{{ A }}-{{{B}}}-{{&B}}", "1-two-two"),
        (
            "{{}} {{#x}} {{ not a var }} {{A",
            "{{}} {{#x}} {{ not a var }} {{A",
        ),
        ("x: {a: {{A}}}", "x: {a: 1}"),
    ];
    for (text, want) in cases {
        assert_eq!(
            yaml::template(text, &e, p).expect("template"),
            want,
            "{text}"
        );
    }
}

#[test]
fn file_errors_in_file_values_name_the_file() {
    let f = file("options: { qos: 5 }\n");
    let e = err(&inputs(Some(f.path()), &[], &[]));
    assert_eq!(
        e,
        format!(
            "options.qos: \"5\" (file {}) is not a QoS level; use 0, 1 or 2",
            f.path().display()
        )
    );
    let f = file(
        "- descriptor: 'pip-services:discovery:memory:default:1.0'\n\
         \x20 b1: 'host=h;port=99999'\n\
         - descriptor: 'pip-services:message-queue:mqtt:q:1.0'\n\
         \x20 connection: { discovery_key: b1 }\n",
    );
    let e = err(&inputs(Some(f.path()), &[], &[]));
    assert!(e.starts_with("b1.port: \"99999\" (file "), "{e}");
}

#[test]
fn values_of_the_wrong_shape_are_errors_naming_the_key() {
    for (text, want) in [
        (
            "topic: [a, b]\n",
            "`topic` is a list; write one topic as a string",
        ),
        ("topic: { a: 1 }\n", "`topic` is a mapping; write one topic"),
        ("client_id: [x]\n", "`client_id` is a list; write a string"),
        ("options: 5\n", "`options` is a number; write a mapping"),
        ("options: [1]\n", "`options` is a list; write a mapping"),
        (
            "options: { qos: [1] }\n",
            "`options.qos` is a list; write a single value",
        ),
        (
            "connection: 5\n",
            "`connection` is a number; write a mapping",
        ),
        (
            "connection: { host: { a: b } }\n",
            "`connection.host` is a mapping",
        ),
        (
            "connections: 5\n",
            "`connections` is a number; write a list of sections",
        ),
        (
            "connections: [ { port: [1] } ]\n",
            "`connections.0.port` is a list",
        ),
        ("credential: [a]\n", "`credential` is a list"),
        ("topic: \"a\\0b\"\n", "`topic` holds U+0000 (NUL)"),
        ("queues: { q: { options: 5 } }\n", "`options` is a number"),
        (
            "- descriptor: 'pip-services:message-queue:mqtt:q:1.0'\n  topic: [a]\n",
            "`topic` is a list",
        ),
    ] {
        let f = file(text);
        check_err(&inputs(Some(f.path()), &[], &[]), &[want]);
    }
    // The connection-string form and nulls stay valid.
    let f = file("topic: t\nconnection: \"host=h;port=1884\"\noptions: ~\ncredential:\n");
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    assert_eq!(uris(&r), ["mqtt://h:1884"]);
}

#[test]
fn a_template_value_cannot_add_keys() {
    let f = file(
        "topic: {{T}}\nclient_id: \"{{C}}\"\nconnection: { host: {{H}}, port: {{P}} }\n\
         options: { qos: {{Q}} }\n",
    );
    let evil = "x\nclient_id: evil\noptions: { qos: 0 }";
    let env = [
        ("T", evil),
        ("C", "c\"\nname: n"),
        ("H", "h"),
        ("P", "1884"),
        ("Q", "2"),
    ];
    let r = ok(&inputs(Some(f.path()), &env, &[]));
    assert_eq!(r.config.topic.as_deref(), Some(evil));
    assert_eq!(r.config.client_id.as_deref(), Some("c\"\nname: n"));
    assert_eq!(r.config.name, None);
    assert_eq!(r.config.options.qos, 2);
    assert_eq!(uris(&r), ["mqtt://h:1884"]);
    // An empty value is unset, as before; a value with braces stays text.
    let env = [("T", "{a: 1}"), ("C", ""), ("H", "h"), ("P", ""), ("Q", "")];
    let r = ok(&inputs(Some(f.path()), &env, &[]));
    assert_eq!(r.config.topic.as_deref(), Some("{a: 1}"));
    assert_eq!(r.config.client_id, None);
    assert_eq!(r.config.options.qos, 1);
    assert_eq!(uris(&r), ["mqtt://h:1883"]);
    // A value with a newline where a key was expected cannot become keys either.
    let f = file("topic: t\n{{K}}: 1\n");
    let r = ok(&inputs(
        Some(f.path()),
        &[("K", "options:\n  qos: 0\nx")],
        &[],
    ));
    assert_eq!(r.config.options.qos, 1);
}
