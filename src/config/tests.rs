//! Table tests of config resolution: shapes, precedence, URIs, aliases, errors, render.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use super::*;

/// A temporary YAML file holding `text`.
fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".yml")
        .tempfile()
        .expect("temp file");
    f.write_all(text.as_bytes()).expect("write temp file");
    f
}

fn flag(key: &str, value: &str, name: &str) -> FlagValue {
    FlagValue {
        key: key.into(),
        value: value.into(),
        flag: name.into(),
    }
}

fn inputs(path: Option<&Path>, env: &[(&str, &str)], flags: &[FlagValue]) -> ConfigInputs {
    ConfigInputs {
        config_file: path.map(Path::to_path_buf),
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
        flags: flags.to_vec(),
        ..ConfigInputs::default()
    }
}

fn ok(inputs: &ConfigInputs) -> Resolved {
    match resolve(inputs) {
        Ok(r) => r,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// The error line a user sees: the core's message, then the edge's hint naming flags.
fn err(inputs: &ConfigInputs) -> String {
    match resolve(inputs) {
        Ok(r) => panic!("expected an error, got {:?}", r.config),
        Err(e) => {
            let e = anyhow::Error::from(e);
            match crate::error::hint(&e) {
                Some(h) => format!("{e}; {h}"),
                None => e.to_string(),
            }
        }
    }
}

/// All options as one value: qos, retain, serialize_envelope, autosubscribe, retry_connect,
/// the connect/reconnect/keepalive timeouts in ms, and the envelope version.
type Options = (u8, bool, bool, bool, bool, [u128; 3], EnvelopeVersion);

fn options(o: &QueueOptions) -> Options {
    (
        o.qos,
        o.retain,
        o.serialize_envelope,
        o.autosubscribe,
        o.retry_connect,
        [o.connect_timeout, o.reconnect_timeout, o.keepalive_timeout].map(|d| d.as_millis()),
        o.envelope_version,
    )
}

fn uris(r: &Resolved) -> Vec<String> {
    r.config.connections.iter().map(BrokerAddr::uri).collect()
}

fn file_src(f: &tempfile::NamedTempFile) -> Source {
    Source::File(f.path().to_path_buf())
}

fn env_src(v: &str) -> Source {
    Source::Env(v.into())
}

fn flag_src(v: &str) -> Source {
    Source::Flag(v.into())
}

#[test]
fn defaults_without_any_input() {
    let r = ok(&ConfigInputs::default());
    let c = &r.config;
    assert_eq!(uris(&r), ["mqtt://localhost:1883"]);
    assert_eq!(
        (
            c.name.as_deref(),
            c.topic.as_deref(),
            c.client_id.as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(c.credential, None);
    assert_eq!(
        options(&c.options),
        (
            1,
            false,
            true,
            false,
            true,
            [30_000, 1_000, 60_000],
            EnvelopeVersion::V3
        )
    );
    assert!(r.warnings.is_empty());
    for key in [
        "name",
        "topic",
        "client_id",
        "connections.0.uri",
        "credential.username",
        "credential.password",
        "options.qos",
        "options.retain",
        "options.serialize_envelope",
        "options.autosubscribe",
        "options.retry_connect",
        "options.connect_timeout",
        "options.reconnect_timeout",
        "options.keepalive_timeout",
        "options.envelope_version",
        "options.protocol_version",
        "options.session_expiry",
    ] {
        assert_eq!(r.sources.get(key), Some(&Source::Default), "{key}");
    }
}

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
fn tls_flag_upgrades_every_address() {
    for (uri, want) in [
        ("mqtt://h", "mqtts://h:8883"),
        ("mqtt://h:1883", "mqtts://h:1883"),
        ("ws://h:8080/ws", "wss://h:8080/ws"),
        ("mqtts://h", "mqtts://h:8883"),
    ] {
        let r = ok(&inputs(
            None,
            &[("MQQ_URI", uri)],
            &[flag("options.tls", "true", "--tls")],
        ));
        assert_eq!(uris(&r), [want], "{uri}");
    }
    let r = ok(&inputs(
        None,
        &[("MQQ_TLS", "yes"), ("MQQ_ALPN", "a,,b ")],
        &[flag("options.tls_alpn", "x-amzn-mqtt-ca", "--alpn")],
    ));
    assert_eq!(uris(&r), ["mqtts://localhost:8883"]);
    assert_eq!(r.config.tls.alpn, ["x-amzn-mqtt-ca"]);
    let r = ok(&inputs(None, &[("MQQ_ALPN", "a,,b ")], &[]));
    assert_eq!(r.config.tls.alpn, ["a", "b"]);
    assert_eq!(
        r.shown.get("options.tls_alpn").map(String::as_str),
        Some("\"a,b\"")
    );
}

#[test]
fn shape_a_connections_list_is_a_failover_list() {
    let f = file(
        "connections:\n  - { uri: 'mqtt://a:1883' }\n  - { host: b, port: 1884 }\n\
         \x20 - { protocol: wss, host: c }\n",
    );
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    assert_eq!(
        uris(&r),
        ["mqtt://a:1883", "mqtt://b:1884", "wss://c:443/mqtt"]
    );
    assert_eq!(r.sources.get("connections.2.uri"), Some(&file_src(&f)));
}

const PROFILES: &str = "queues:\n  orders:\n    topic: shop/orders\n    options: { qos: 2 }\n\
                        \x20 audit:\n    connection: { uri: 'ws://h:9001/mqtt' }\n";

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

const CONTAINER: &str = r#"
- descriptor: "pip-services:context-info:default:default:1.0"
  name: my-service
- descriptor: "pip-services:discovery:memory:default:1.0"
  broker1: { protocol: mqtt, host: "{{MQTT_HOST}}", port: 1883 }
  broker2: "protocol=mqtts;ip={{{MQTT_HOST2}}};port=8884"
- descriptor: "pip-services:credential-store:memory:default:1.0"
  mqtt_cred: { username: "{{ MQTT_USER }}", password: "{{MQTT_PASS}}" }
- descriptor: "pip-services:message-queue:mqtt:orders:1.0"
  topic: orders
  connections:
    - { discovery_key: broker1, host: overridden-by-discovery }
    - { discovery_key: broker2 }
  credential: { store_key: mqtt_cred, username: overridden-by-store }
  options: { serialize_envelope: true, autosubscribe: true, qos: 1 }
- descriptor: "pip-services:message-queue:mqtt:events:1.0"
  connection: { uri: "mqtt://{{MQTT_HOST}}:1999" }
"#;

const CONTAINER_ENV: [(&str, &str); 4] = [
    ("MQTT_HOST", "10.0.0.5"),
    ("MQTT_HOST2", "backup.example"),
    ("MQTT_USER", "svc"),
    ("MQTT_PASS", "Pa55-container"),
];

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

/// Env, flags, then the expected (key, value, source) rows.
type PrecedenceCase<'a> = (
    &'a [(&'a str, &'a str)],
    &'a [FlagValue],
    [(&'a str, &'a str, Source); 4],
);

#[test]
fn precedence_default_file_env_flag() {
    let f = file(
        "topic: t-file\nclient_id: c-file\ncredential: { username: u-file }\noptions: { qos: 1 }\n",
    );
    let env = [
        ("MQQ_CLIENT_ID", "c-env"),
        ("MQQ_USERNAME", "u-env"),
        ("MQQ_QOS", "2"),
    ];
    let flags = [
        flag("credential.username", "u-flag", "--username"),
        flag("options.qos", "0", "--qos"),
    ];
    let cases: [PrecedenceCase; 3] = [
        (
            &[],
            &[],
            [
                ("topic", "t-file", file_src(&f)),
                ("client_id", "c-file", file_src(&f)),
                ("credential.username", "u-file", file_src(&f)),
                ("options.qos", "1", file_src(&f)),
            ],
        ),
        (
            &env,
            &[],
            [
                ("topic", "t-file", file_src(&f)),
                ("client_id", "c-env", env_src("MQQ_CLIENT_ID")),
                ("credential.username", "u-env", env_src("MQQ_USERNAME")),
                ("options.qos", "2", env_src("MQQ_QOS")),
            ],
        ),
        (
            &env,
            &flags,
            [
                ("topic", "t-file", file_src(&f)),
                ("client_id", "c-env", env_src("MQQ_CLIENT_ID")),
                ("credential.username", "u-flag", flag_src("--username")),
                ("options.qos", "0", flag_src("--qos")),
            ],
        ),
    ];
    for (env, flags, expect) in cases {
        let r = ok(&inputs(Some(f.path()), env, flags));
        let c = &r.config;
        let value = |key: &str| match key {
            "topic" => c.topic.clone().unwrap_or_default(),
            "client_id" => c.client_id.clone().unwrap_or_default(),
            "credential.username" => c
                .credential
                .as_ref()
                .map(|c| c.username.clone())
                .unwrap_or_default(),
            "options.qos" => c.options.qos.to_string(),
            _ => unreachable!(),
        };
        for (key, v, src) in expect {
            assert_eq!(value(key), v, "{key}");
            assert_eq!(r.sources.get(key), Some(&src), "{key}");
        }
    }
}

#[test]
fn later_flags_win_and_queue_flag_beats_env_and_file_name() {
    let f = file("name: from-file\n");
    let flags = [
        flag("options.qos", "1", "--set"),
        flag("options.qos", "2", "--qos"),
    ];
    let i = ConfigInputs {
        queue: Some("from-flag".into()),
        ..inputs(Some(f.path()), &[("MQQ_QUEUE", "from-env")], &flags)
    };
    let r = ok(&i);
    assert_eq!(r.config.options.qos, 2);
    assert_eq!(r.sources.get("options.qos"), Some(&flag_src("--qos")));
    assert_eq!(r.config.name.as_deref(), Some("from-flag"));
    assert_eq!(r.config.topic.as_deref(), Some("from-flag"));
}

#[test]
fn config_file_from_env_and_empty_env_is_unset() {
    let f = file("topic: via-env\n");
    let path = f.path().to_string_lossy().into_owned();
    let r = ok(&inputs(
        None,
        &[("MQQ_CONFIG", &path), ("MQQ_HOST", "")],
        &[],
    ));
    assert_eq!(r.config.topic.as_deref(), Some("via-env"));
    assert_eq!(r.sources.get("topic"), Some(&file_src(&f)));
    assert_eq!(uris(&r), ["mqtt://localhost:1883"]);
}

#[test]
fn uri_and_host_port_layering() {
    type Case<'a> = (
        &'a str,
        &'a [(&'a str, &'a str)],
        &'a [FlagValue],
        &'a str,
        Source,
    );
    let f_uri = "connection: { uri: 'mqtt://b:1883', host: ignored, port: 1 }\n";
    let f_host = "connection: { host: a, port: 1884, protocol: ssl }\n";
    let port_flag = [flag("connection.port", "1885", "--port")];
    let proto_flag = [flag("connection.protocol", "ws", "--protocol")];
    let uri_flag = [flag("connection.uri", "tcp://z", "--uri")];
    let host_flag = [flag("connection.host", "[::1]", "--host")];
    let cases: [Case; 9] = [
        (f_uri, &[], &[], "mqtt://b:1883", Source::Default),
        (f_uri, &[], &port_flag, "mqtt://b:1885", flag_src("--port")),
        (
            f_uri,
            &[("MQQ_HOST", "e")],
            &[],
            "mqtt://e:1883",
            env_src("MQQ_HOST"),
        ),
        (f_host, &[], &[], "mqtts://a:1884", Source::Default),
        (
            f_host,
            &[("MQQ_URI", "mqtt://c")],
            &[],
            "mqtt://c:1883",
            env_src("MQQ_URI"),
        ),
        (
            f_host,
            &[("MQQ_URI", "wss://c/ws")],
            &port_flag,
            "wss://c:1885/ws",
            flag_src("--port"),
        ),
        (
            f_host,
            &[("MQQ_URI", "mqtts://c")],
            &proto_flag,
            "ws://c:80/mqtt",
            flag_src("--protocol"),
        ),
        (
            f_host,
            &[("MQQ_PORT", "1999")],
            &uri_flag,
            "mqtt://z:1883",
            flag_src("--uri"),
        ),
        (
            f_host,
            &[],
            &host_flag,
            "mqtts://[::1]:1884",
            flag_src("--host"),
        ),
    ];
    for (yaml, env, flags, want, want_src) in cases {
        let f = file(yaml);
        let r = ok(&inputs(Some(f.path()), env, flags));
        assert_eq!(uris(&r), [want], "{yaml} {env:?} {flags:?}");
        let want_src = if want_src == Source::Default {
            file_src(&f)
        } else {
            want_src
        };
        assert_eq!(
            r.sources.get("connections.0.uri"),
            Some(&want_src),
            "{want}"
        );
    }
}

#[test]
fn uri_schemes_and_default_ports() {
    let cases = [
        ("mqtt://h", Transport::Tcp, 1883, "/"),
        ("tcp://h", Transport::Tcp, 1883, "/"),
        ("mqtts://h", Transport::Tls, 8883, "/"),
        ("ssl://h", Transport::Tls, 8883, "/"),
        ("tls://h:1", Transport::Tls, 1, "/"),
        ("ws://h", Transport::Ws, 80, "/mqtt"),
        ("ws://h/", Transport::Ws, 80, "/mqtt"),
        ("ws://h/ws", Transport::Ws, 80, "/ws"),
        ("wss://h", Transport::Wss, 443, "/mqtt"),
        ("WSS://h:8443/mqtt?x=1", Transport::Wss, 8443, "/mqtt?x=1"),
    ];
    for (uri, transport, port, path) in cases {
        let r = ok(&inputs(None, &[("MQQ_URI", uri)], &[]));
        let a = &r.config.connections[0];
        assert_eq!(
            (a.transport, a.host.as_str(), a.port, a.path.as_str()),
            (transport, "h", port, path),
            "{uri}"
        );
    }
    let r = ok(&inputs(
        None,
        &[("MQQ_PROTOCOL", "WS"), ("MQQ_HOST", "h")],
        &[],
    ));
    assert_eq!(uris(&r), ["ws://h:80/mqtt"]);
}

#[test]
fn uri_userinfo_fills_the_credential() {
    let env = [("MQQ_URI", "mqtt://bob:p%40ss%3Aword@h")];
    let r = ok(&inputs(None, &env, &[]));
    let cred = r.config.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("bob", "p@ss:word")
    );
    assert_eq!(
        r.sources.get("credential.password"),
        Some(&env_src("MQQ_URI"))
    );
    assert_eq!(uris(&r), ["mqtt://h:1883"]);

    // A higher layer's username wins; the URI still gives the password.
    let r = ok(&inputs(
        None,
        &env,
        &[flag("credential.username", "carol", "--username")],
    ));
    let cred = r.config.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("carol", "p@ss:word")
    );
    assert_eq!(
        r.sources.get("credential.username"),
        Some(&flag_src("--username"))
    );

    // A lower layer's credential yields to the URI; the same layer's wins over it.
    let f = file("credential: { username: file-user, password: file-pass }\n");
    let r = ok(&inputs(Some(f.path()), &env, &[]));
    assert_eq!(
        r.config.credential.as_ref().map(|c| c.username.as_str()),
        Some("bob")
    );
    let f = file("connection: { uri: 'mqtt://bob:pw@h' }\ncredential: { username: file-user }\n");
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    let cred = r.config.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("file-user", "pw")
    );
}

#[test]
fn failover_list_collapses_under_env_or_flags() {
    let f = file("connections:\n  - { host: a }\n  - { host: b, port: 1884 }\n");
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    assert_eq!(uris(&r), ["mqtt://a:1883", "mqtt://b:1884"]);
    let r = ok(&inputs(Some(f.path()), &[("MQQ_PORT", "1999")], &[]));
    assert_eq!(uris(&r), ["mqtt://a:1999"]);
    // Addressing the second connection keeps the list up to it.
    let r = ok(&inputs(
        Some(f.path()),
        &[],
        &[flag("connections.1.port", "2000", "--set")],
    ));
    assert_eq!(uris(&r), ["mqtt://a:1883", "mqtt://b:2000"]);
    assert_eq!(r.sources.get("connections.0.uri"), Some(&file_src(&f)));
    assert_eq!(r.sources.get("connections.1.uri"), Some(&flag_src("--set")));
}

#[test]
fn aliases() {
    let cases = [
        "connection: { ip: h1 }\ncredential: { user: u1, pass: p1 }\n",
        "connections: [ { ip: h1 } ]\ncredentials: [ { user: u1, pass: p1 } ]\n",
        "connection: { host: h1, ip: other }\n\
         credential: { username: u1, user: x, password: p1, pass: y }\n",
        "connection: { ip: other, host: h1 }\n\
         credential: { pass: y, password: p1, user: x, username: u1 }\n",
        "connection: { host: other }\nconnections: { 0: { host: h1 } }\ncredential: { user: x }\n\
         credentials: { 0: { user: u1, pass: p1 } }\n",
        "connection: 'ip=h1'\ncredentials: [ 'user=u1;pass=p1' ]\n",
    ];
    for yaml in cases {
        let f = file(yaml);
        let r = ok(&inputs(Some(f.path()), &[], &[]));
        assert_eq!(uris(&r), ["mqtt://h1:1883"], "{yaml}");
        let cred = r.config.credential.as_ref().expect("credential");
        assert_eq!(
            (cred.username.as_str(), cred.password.expose()),
            ("u1", "p1"),
            "{yaml}"
        );
    }
    let flags = [
        flag("connection.ip", "h2", "--set"),
        flag("credential.user", "u2", "--set"),
        flag("credentials.0.pass", "p2", "--set"),
    ];
    let r = ok(&inputs(None, &[], &flags));
    assert_eq!(uris(&r), ["mqtt://h2:1883"]);
    let cred = r.config.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("u2", "p2")
    );
}

#[test]
fn boolean_spellings() {
    let cases = [
        ("true", true),
        ("TRUE", true),
        ("1", true),
        ("yes", true),
        ("Y", true),
        ("t", true),
        ("false", false),
        ("False", false),
        ("0", false),
        ("no", false),
        ("n", false),
        ("F", false),
    ];
    for (text, want) in cases {
        let r = ok(&inputs(None, &[], &[flag("options.retain", text, "--set")]));
        assert_eq!(r.config.options.retain, want, "{text}");
        // Also as YAML (unquoted: YAML's own booleans and numbers become strings first).
        let f = file(&format!("options:\n  retain: {text}\n"));
        assert_eq!(
            ok(&inputs(Some(f.path()), &[], &[])).config.options.retain,
            want,
            "{text}"
        );
    }
    let e = err(&inputs(
        None,
        &[],
        &[flag("options.retain", "maybe", "--set")],
    ));
    assert_eq!(
        e,
        "options.retain: \"maybe\" (flag --set) is not a boolean; use true or false \
         (also 1/0, yes/no, y/n, t/f)"
    );
}

#[test]
fn timeouts_and_envelope_versions() {
    let cases = [
        ("5000", 5000),
        ("5s", 5000),
        ("500ms", 500),
        ("1m 30s", 90_000),
        (" 7 ", 7),
    ];
    for (text, ms) in cases {
        let r = ok(&inputs(
            None,
            &[],
            &[flag("options.connect_timeout", text, "--set")],
        ));
        assert_eq!(
            r.config.options.connect_timeout,
            Duration::from_millis(ms),
            "{text}"
        );
    }
    let cases = [
        ("3", EnvelopeVersion::V3),
        ("v3", EnvelopeVersion::V3),
        ("4", EnvelopeVersion::V4),
        ("V4", EnvelopeVersion::V4),
        ("both", EnvelopeVersion::Both),
    ];
    for (text, want) in cases {
        let r = ok(&inputs(None, &[("MQQ_ENVELOPE_VERSION", text)], &[]));
        assert_eq!(r.config.options.envelope_version, want, "{text}");
    }
}

#[test]
fn names_topics_and_client_ids() {
    let r = ok(&inputs(
        None,
        &[("MQQ_QUEUE", "q")],
        &[flag("client_id", "", "--client-id")],
    ));
    assert_eq!(r.config.topic.as_deref(), Some("q"));
    assert_eq!(r.config.client_id, None);
    assert_eq!(r.sources.get("client_id"), Some(&flag_src("--client-id")));
    let r = ok(&inputs(
        None,
        &[("MQQ_TOPIC", "a/+/c"), ("MQQ_CLIENT_ID", "cid")],
        &[],
    ));
    assert_eq!(
        (r.config.name.as_deref(), r.config.topic.as_deref()),
        (None, Some("a/+/c"))
    );
    assert_eq!(r.config.client_id.as_deref(), Some("cid"));
}

#[test]
fn password_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("secret\n", "secret"),
        ("secret\r\n", "secret"),
        ("a b\n\n", "a b\n"),
        ("x", "x"),
    ];
    for (content, want) in cases {
        let path = dir.path().join("pw");
        std::fs::write(&path, content).expect("write");
        let i = ConfigInputs {
            password_file: Some(path.clone()),
            ..inputs(None, &[], &[])
        };
        let r = ok(&i);
        assert_eq!(
            r.config.credential.as_ref().map(|c| c.password.expose()),
            Some(want)
        );
        assert_eq!(
            r.sources.get("credential.password"),
            Some(&flag_src("--password-file"))
        );
        let path = path.to_string_lossy().into_owned();
        let r = ok(&inputs(
            None,
            &[("MQQ_PASSWORD", "no"), ("MQQ_PASSWORD_FILE", &path)],
            &[],
        ));
        assert_eq!(
            r.config.credential.as_ref().map(|c| c.password.expose()),
            Some(want)
        );
        assert_eq!(
            r.sources.get("credential.password"),
            Some(&env_src("MQQ_PASSWORD_FILE"))
        );
    }
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

/// Asserts that resolving `i` fails with one line containing every part of `want`.
fn check_err(i: &ConfigInputs, want: &[&str]) {
    let e = err(i);
    assert!(!e.contains('\n'), "{e}");
    assert!(!e.contains("Sup3rS3cret"), "{e}");
    for w in want {
        assert!(e.contains(w), "error {e:?}\nshould contain {w:?}");
    }
}

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
fn unknown_keys_warn_with_the_nearest_key() {
    let f = file(
        "topic: t\ntopik: x\nname: n\ndescriptor: ignored\nconnection: { host: h, prot: mqtt }\n\
         options: { keepalive_timout: 5000, qos: 1 }\ncredentials: [ { user: a }, { user: b } ]\n\
         qoss: 2\n",
    );
    let p = f.path().display().to_string();
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    let w = r.warnings.join("\n");
    let expected = [
        format!(
            "unknown key \"options.keepalive_timout\" (file {p}) ignored; did you mean \
             options.keepalive_timeout?"
        ),
        format!("unknown key \"topik\" (file {p}) ignored; did you mean topic?"),
        format!("unknown key \"qoss\" (file {p}) ignored; did you mean options.qos?"),
        format!("unknown key \"connection.prot\" (file {p}) ignored; connection keys:"),
        format!(
            "key \"credentials.1.user\" (file {p}) ignored: mqq uses only the first credential"
        ),
    ];
    for e in expected {
        assert!(w.contains(&e), "warnings {w}\nshould contain {e}");
    }
    assert_eq!(r.warnings.len(), 5, "{w}");
    assert_eq!(r.config.options.qos, 1);
}

#[test]
fn an_unknown_key_on_the_command_line_is_an_error() {
    for (key, want) in [
        (
            "options.bogus",
            "unknown key \"options.bogus\" (flag --set); known options: qos,",
        ),
        (
            "qos",
            "unknown key \"qos\" (flag --set); did you mean options.qos?",
        ),
        (
            "topik",
            "unknown key \"topik\" (flag --set); did you mean topic?",
        ),
        (
            "host",
            "unknown key \"host\" (flag --set); did you mean connection.host?",
        ),
        (
            "options.keepalive_timout",
            "did you mean options.keepalive_timeout?",
        ),
        ("connection.ports", "did you mean connection.port?"),
    ] {
        check_err(&inputs(None, &[], &[flag(key, "1", "--set")]), &[want]);
    }
    // Known keys still resolve.
    let r = ok(&inputs(None, &[], &[flag("options.qos", "2", "--set")]));
    assert_eq!(r.config.options.qos, 2);
}

#[test]
fn render_masks_the_password_and_shows_sources() {
    let f = file(CONTAINER);
    let mut env = CONTAINER_ENV.to_vec();
    env.push(("MQQ_CLIENT_ID", "worker-7"));
    let i = ConfigInputs {
        queue: Some("orders".into()),
        ..inputs(Some(f.path()), &env, &[flag("options.qos", "2", "--qos")])
    };
    let r = ok(&i);
    let text = render(&r);
    let p = f.path().display();
    assert!(!text.contains("Pa55-container"), "{text}");
    let want = format!(
        "# resolved queue config; after each value: where it came from\n\
         name: orders  # flag --queue\n\
         topic: orders  # file {p}\n\
         client_id: worker-7  # env MQQ_CLIENT_ID\n\
         connections:\n\
         \x20 - uri: mqtt://10.0.0.5:1883  # file {p}\n\
         \x20 - uri: mqtts://backup.example:8884  # file {p}\n\
         credential:\n\
         \x20 username: svc  # file {p}\n\
         \x20 password: '***'  # file {p}\n\
         \x20 ssl_ca_file: ~  # default\n\
         \x20 ssl_crt_file: ~  # default\n\
         \x20 ssl_key_file: ~  # default\n\
         options:\n\
         \x20 qos: 2  # flag --qos\n\
         \x20 retain: false  # default\n\
         \x20 serialize_envelope: true  # file {p}\n\
         \x20 autosubscribe: true  # file {p}\n\
         \x20 retry_connect: true  # default\n\
         \x20 connect_timeout: 30000  # default\n\
         \x20 reconnect_timeout: 1000  # default\n\
         \x20 keepalive_timeout: 60000  # default\n\
         \x20 group: ~  # default\n\
         \x20 tls: false  # default\n\
         \x20 tls_ca_path: ~  # default\n\
         \x20 tls_insecure: false  # default\n\
         \x20 tls_server_name: ~  # default\n\
         \x20 tls_alpn: ~  # default\n\
         \x20 envelope_version: 3  # default\n\
         \x20 protocol_version: auto  # default\n\
         \x20 session_expiry: never  # default\n"
    );
    assert_eq!(text, want);

    // A password from the URI is masked too, and the URI is shown without userinfo.
    let r = ok(&inputs(
        None,
        &[("MQQ_URI", "wss://u:Zz9-uri-secret@h/mqtt")],
        &[],
    ));
    let text = render(&r);
    assert!(!text.contains("Zz9-uri-secret"), "{text}");
    assert!(
        text.contains("  - uri: wss://h:443/mqtt  # env MQQ_URI\n"),
        "{text}"
    );
    assert!(
        text.contains("  password: '***'  # env MQQ_URI\n"),
        "{text}"
    );
    assert!(text.contains("name: ~  # default\n"), "{text}");
}

#[test]
fn render_is_valid_yaml_that_reads_back() {
    let flags = [
        flag("topic", "a/#", "--topic"),
        flag("client_id", "id: with: colons", "--client-id"),
        flag("options.reconnect_timeout", "1500us", "--set"),
        flag("connection.host", "::1", "--host"),
    ];
    let r = ok(&inputs(None, &[("MQQ_QUEUE", "true")], &flags));
    let text = render(&r);
    let v: serde_norway::Value = serde_norway::from_str(&text).expect("valid YAML");
    assert_eq!(v["name"], serde_norway::Value::String("true".into()));
    assert_eq!(v["topic"], serde_norway::Value::String("a/#".into()));
    assert_eq!(
        v["client_id"],
        serde_norway::Value::String("id: with: colons".into())
    );
    assert_eq!(
        v["connections"][0]["uri"],
        serde_norway::Value::String("mqtt://[::1]:1883".into())
    );
    assert_eq!(v["credential"]["password"], serde_norway::Value::Null);
    assert_eq!(
        v["options"]["reconnect_timeout"],
        serde_norway::Value::String("1ms 500us".into())
    );
    assert_eq!(v["options"]["qos"], serde_norway::Value::Number(1.into()));
}

#[test]
fn mask_userinfo_hides_everything_before_the_last_at() {
    let cases = [
        ("mqtt://u:p@h", "mqtt://***@h"),
        ("mqtt://u:p/x@y@h:1", "mqtt://***@h:1"),
        ("u:p@h", "***@h"),
        ("mqtt://h:1", "mqtt://h:1"),
    ];
    for (text, want) in cases {
        assert_eq!(uri::mask_userinfo(text), want);
    }
}

#[test]
fn protocol_version_and_session_expiry() {
    let r = ok(&inputs(None, &[("MQQ_PROTOCOL_VERSION", "3.1.1")], &[]));
    assert_eq!(r.config.options.protocol_version, ProtocolVersion::V311);
    assert_eq!(r.config.options.session_expiry, None);
    let r = ok(&inputs(
        None,
        &[],
        &[
            flag("options.protocol_version", "5", "-V"),
            flag("options.session_expiry", "3600000", "--set"),
        ],
    ));
    assert_eq!(r.config.options.protocol_version, ProtocolVersion::V5);
    assert_eq!(
        r.config.options.session_expiry,
        Some(Duration::from_secs(3600))
    );
    for bad in ["0", "0s", "soon", "-1"] {
        let e = err(&inputs(
            None,
            &[],
            &[flag("options.session_expiry", bad, "--set")],
        ));
        assert!(
            e.contains("use never, or a duration above zero"),
            "{bad}: {e}"
        );
    }
    let e = err(&inputs(None, &[("MQQ_PROTOCOL_VERSION", "3.1")], &[]));
    assert!(e.contains("use 3.1.1, 5 or auto"), "{e}");
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

#[test]
fn oversized_files_and_passwords_are_refused_naming_the_limit() {
    let dev_zero = Path::new("/dev/zero");
    check_err(
        &inputs(Some(dev_zero), &[], &[]),
        &["config file \"/dev/zero\": it holds more than 1048576 bytes"],
    );
    let i = ConfigInputs {
        password_file: Some(dev_zero.into()),
        ..inputs(None, &[], &[])
    };
    check_err(
        &i,
        &["password file \"/dev/zero\": it holds more than 65535 bytes"],
    );
    let long = "p".repeat(70_000);
    check_err(
        &inputs(
            None,
            &[],
            &[flag("credential.password", &long, "--password")],
        ),
        &["the password (flag --password) is 70000 bytes long; MQTT carries at most 65535"],
    );
    check_err(
        &inputs(None, &[("MQQ_PASSWORD", &long)], &[]),
        &["the password (env MQQ_PASSWORD) is 70000 bytes long"],
    );
    // At the limit, with its line break, is fine.
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(format!("{}\n", "p".repeat(65_535)).as_bytes())
        .expect("write");
    let i = ConfigInputs {
        password_file: Some(f.path().into()),
        ..inputs(None, &[], &[])
    };
    let r = ok(&i);
    let c = r.config.credential.expect("a credential");
    assert_eq!(c.password.expose().len(), 65_535);
}

#[test]
fn bad_connection_values_are_named_even_when_the_uri_wins() {
    let uri = |v: &str| flag("connection.uri", v, "--uri");
    check_err(
        &inputs(None, &[], &[uri(",,")]),
        &["connection.uri: \",,\" (flag --uri)", "no address"],
    );
    check_err(
        &inputs(
            None,
            &[],
            &[uri("mqtt://h:1883"), flag("connection.port", "0", "--port")],
        ),
        &["connection.port: \"0\" (flag --port) is not a port"],
    );
    check_err(
        &inputs(
            None,
            &[],
            &[
                uri("mqtt://h:1883"),
                flag("connection.host", "a b", "--host"),
            ],
        ),
        &["connection.host: \"a b\" (flag --host) is not a host"],
    );
    check_err(
        &inputs(None, &[], &[uri("mqtt://a%ffb:Sup3rS3cret@h")]),
        &["mqtt://***@h", "user name is not UTF-8"],
    );
    check_err(
        &inputs(None, &[], &[uri("mqtt://a:Sup3rS3cret%ff@h")]),
        &["mqtt://***@h", "password is not UTF-8"],
    );
    let r = ok(&inputs(None, &[], &[uri("mqtt://b%C3%A9b:p%2Fw@h")]));
    let c = r.config.credential.expect("a credential");
    assert_eq!((c.username.as_str(), c.password.expose()), ("béb", "p/w"));
}

#[test]
fn the_path_of_an_mqtt_uri_is_the_topic_unless_one_is_given() {
    let uri = |v: &str| flag("connection.uri", v, "--uri");
    let r = ok(&inputs(None, &[], &[uri("mqtt://h:1883/sensors/#")]));
    assert_eq!(r.config.topic.as_deref(), Some("sensors/#"));
    assert_eq!(r.sources.get("topic"), Some(&flag_src("--uri")));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let r = ok(&inputs(
        None,
        &[],
        &[uri("mqtts://u:p%2Fw@h/a/b"), flag("topic", "t", "--topic")],
    ));
    assert_eq!(r.config.topic.as_deref(), Some("t"));
    assert_eq!(
        r.warnings,
        [
            "the path \"a/b\" of the connection URI (flag --uri) is not used as the topic: the \
          topic \"t\" (flag --topic) is given"
        ]
    );
    // A WebSocket path is the endpoint, not a topic; `/` alone is no topic.
    for u in ["ws://h:80/mqtt", "mqtt://h:1883/", "mqtt://h"] {
        let r = ok(&inputs(None, &[], &[uri(u)]));
        assert_eq!(r.config.topic, None, "{u}");
    }
}
