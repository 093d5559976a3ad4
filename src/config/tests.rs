//! Table tests of config resolution as a whole: defaults, precedence, aliases, value
//! spellings, passwords, limits. The helpers and fixtures here serve the tests beside each
//! part too: `yaml/tests.rs`, `uri/tests.rs`, `error/tests.rs`, and the tests in `params.rs`
//! (unknown keys) and `render.rs`.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use super::*;
use crate::envelope::EnvelopeVersion;

/// A temporary YAML file holding `text`.
pub(super) fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".yml")
        .tempfile()
        .expect("temp file");
    f.write_all(text.as_bytes()).expect("write temp file");
    f
}

pub(super) fn flag(key: &str, value: &str, name: &str) -> FlagValue {
    FlagValue {
        key: key.into(),
        value: value.into(),
        flag: name.into(),
    }
}

pub(super) fn inputs(
    path: Option<&Path>,
    env: &[(&str, &str)],
    flags: &[FlagValue],
) -> ConfigInputs {
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

pub(super) fn ok(inputs: &ConfigInputs) -> Resolved {
    match resolve(inputs) {
        Ok(r) => r,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

/// The error line a user sees: the core's message, then the edge's hint naming flags.
pub(super) fn err(inputs: &ConfigInputs) -> String {
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
pub(super) type OptionsRow = (u8, bool, bool, bool, bool, [u128; 3], EnvelopeVersion);

pub(super) fn options(o: &QueueOptions) -> OptionsRow {
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

pub(super) fn uris(r: &Resolved) -> Vec<String> {
    r.config.connections.iter().map(BrokerAddr::uri).collect()
}

pub(super) fn file_src(f: &tempfile::NamedTempFile) -> Source {
    Source::File(f.path().to_path_buf())
}

pub(super) fn env_src(v: &str) -> Source {
    Source::Env(v.into())
}

pub(super) fn flag_src(v: &str) -> Source {
    Source::Flag(v.into())
}

/// Fixtures: a `queues:` file with two queues, a container config and the environment its
/// `{{VAR}}`s take.
pub(super) const PROFILES: &str =
    "queues:\n  orders:\n    topic: shop/orders\n    options: { qos: 2 }\n\
                        \x20 audit:\n    connection: { uri: 'ws://h:9001/mqtt' }\n";

pub(super) const CONTAINER: &str = r#"
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

pub(super) const CONTAINER_ENV: [(&str, &str); 4] = [
    ("MQTT_HOST", "10.0.0.5"),
    ("MQTT_HOST2", "backup.example"),
    ("MQTT_USER", "svc"),
    ("MQTT_PASS", "Pa55-container"),
];

/// Asserts that resolving `i` fails with one line containing every part of `want`.
pub(super) fn check_err(i: &ConfigInputs, want: &[&str]) {
    let e = err(i);
    assert!(!e.contains('\n'), "{e}");
    assert!(!e.contains("Sup3rS3cret"), "{e}");
    for w in want {
        assert!(e.contains(w), "error {e:?}\nshould contain {w:?}");
    }
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
