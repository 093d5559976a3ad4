//! Property tests: the parsers and decoders that take outside input never panic, whatever
//! the input, and round-trip where a round trip exists. Run with the unit tests; case counts
//! are set per property (`PROPTEST_CASES` overrides them all).

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::capture;
use crate::config::{resolve, values, ConfigInputs, FlagValue};
use crate::envelope::{self, Envelope, EnvelopeVersion};
use crate::queue::{topic, Delivery, Message, Properties};
use crate::template::Template;

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(n),
    )
}

/// Text that looks like what the parsers see: JSON-ish, YAML-ish, URIs, durations.
fn texty() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\\n]{0,200}",
        "[{}\\[\\]\":,0-9a-z_\\-. ]{0,120}",
        "[0-9.e+\\-]{0,30}(ns|us|ms|s|m|h|d|y)?",
        "(mqtt|mqtts|ws|wss|tcp|ssl|bogus)://[a-z0-9:@%\\[\\].\\-/]{0,60}",
    ]
}

/// A JSON value of the kinds an envelope's keys carry, and a few they never should.
fn json_value() -> impl Strategy<Value = String> {
    let text = prop_oneof![
        any::<String>(),
        "[A-Za-z0-9+/]{0,12}={0,2}",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-][01][0-9]:?[0-5][0-9])?",
    ];
    prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        text.prop_map(|t| serde_json::to_string(&t).unwrap_or_default()),
        Just("[1,{\"a\":[]}]".to_string()),
        Just("{\"message_id\":\"x\"}".to_string()),
    ]
}

/// An object key: the envelope's own (one of them escaped), and others.
fn json_key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"message_id\"".to_string()),
        Just("\"message\\u005fid\"".to_string()),
        Just("\"correlation_id\"".to_string()),
        Just("\"trace_id\"".to_string()),
        Just("\"message_type\"".to_string()),
        Just("\"sent_time\"".to_string()),
        Just("\"message\"".to_string()),
        "[a-z_]{0,12}".prop_map(|k| format!("\"{k}\"")),
    ]
}

proptest! {
    #![proptest_config(cases(3000))]

    #[test]
    fn simd_base64_is_as_strict_as_the_base64_crate(
        text in prop_oneof![
            "[A-Za-z0-9+/]{0,40}={0,3}",
            "[A-Za-z0-9+/=\\-_ \n]{0,40}",
            proptest::collection::vec(any::<u8>(), 0..60)
                .prop_map(|b| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b)),
            any::<String>(),
        ]
    ) {
        let crate_says = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &text).ok();
        prop_assert_eq!(base64_simd::STANDARD.decode_to_vec(&text).ok(), crate_says, "{:?}", text);
    }

    #[test]
    fn envelope_decode_equals_the_value_tree_decode(
        fields in proptest::collection::vec((json_key(), json_value()), 0..9),
        space in "[ \t\n]{0,2}",
    ) {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}:{space}{v}")).collect();
        let json = format!("{{{}}}", body.join(","));
        prop_assert_eq!(
            envelope::decode(json.as_bytes()),
            envelope::reference::decode(json.as_bytes()),
            "{}", json
        );
    }
}

proptest! {
    #![proptest_config(cases(3000))]

    #[test]
    fn envelope_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        prop_assert_eq!(envelope::decode(&bytes), envelope::reference::decode(&bytes));
    }

    #[test]
    fn envelope_decode_of_json_text_never_panics(text in texty()) {
        let _ = envelope::decode(text.as_bytes());
    }

    #[test]
    fn envelope_encoding_is_serde_jsons_byte_for_byte(
        message in proptest::collection::vec(any::<u8>(), 0..300),
        id in proptest::option::of(any::<String>()),
        correlation in proptest::option::of(any::<String>()),
        kind in proptest::option::of("[ -~\\x00-\\x1f\"\\\\é€😀]{0,40}"),
        millis in 0i64..4_102_444_800_000,
        version in prop_oneof![Just(EnvelopeVersion::V3), Just(EnvelopeVersion::V4), Just(EnvelopeVersion::Both)],
    ) {
        let env = Envelope {
            message_id: id,
            correlation_id: correlation,
            message_type: kind,
            sent_time: chrono::DateTime::from_timestamp_millis(millis),
            message,
        };
        let fast = envelope::encode(&env, version);
        let reference = envelope::reference::encode(&env, version);
        prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&reference));
    }

    #[test]
    fn envelope_round_trips(
        message in proptest::collection::vec(any::<u8>(), 0..300),
        id in proptest::option::of("[0-9a-f]{32}"),
        correlation in proptest::option::of(any::<String>()),
        kind in proptest::option::of(any::<String>()),
        version in prop_oneof![Just(EnvelopeVersion::V3), Just(EnvelopeVersion::V4), Just(EnvelopeVersion::Both)],
    ) {
        let env = Envelope {
            message_id: id,
            correlation_id: correlation,
            message_type: kind,
            sent_time: None,
            message,
        };
        let back = envelope::decode(&envelope::encode(&env, version));
        let back = back.expect("an encoded envelope decodes");
        // An empty string field reads as absent, as the pip-services ports treat it.
        let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
        prop_assert_eq!(back.message, env.message);
        prop_assert_eq!(back.message_id, nonempty(env.message_id));
        prop_assert_eq!(back.correlation_id, nonempty(env.correlation_id));
        prop_assert_eq!(back.message_type, nonempty(env.message_type));
    }

    #[test]
    fn durations_never_panic(text in texty()) {
        let _ = values::flag_duration(&text);
        let _ = values::option_duration(&text);
        let _ = values::parse_bool(&text);
    }

    #[test]
    fn templates_never_panic_and_render(text in texty()) {
        if let Ok(t) = Template::parse(&text) {
            let mut out = Vec::new();
            t.render(&mut out, |_, w| w.write_all(b"x")).unwrap();
        }
    }
}

/// A topic a message can be published to (the reader refuses any other).
fn publish_topic() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9/_ .é日$-]{1,40}", any::<String>()]
        .prop_filter("a topic to publish to", |t| {
            topic::validate_publish(t).is_ok()
        })
}

/// Bytes that are text, or that are not.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "[ -~\\n\\t\"é😀]{0,60}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

/// MQTT 5 properties as a broker delivers them (an expiry in whole seconds, 1 or more).
fn properties() -> impl Strategy<Value = Properties> {
    (
        proptest::collection::vec((any::<String>(), any::<String>()), 0..3),
        proptest::option::of(any::<String>()),
        proptest::option::of(1..=u32::MAX),
        proptest::option::of(publish_topic()),
        proptest::option::of(payload()),
    )
        .prop_map(
            |(user, content_type, expiry, response_topic, data)| Properties {
                user,
                content_type,
                expiry: expiry.map(|s| std::time::Duration::from_secs(u64::from(s))),
                response_topic,
                correlation_data: data.map(bytes::Bytes::from),
            },
        )
}

/// An envelope's fields as a received one has them (`sent_time` in milliseconds, as sent).
fn envelope_fields() -> impl Strategy<Value = Envelope> {
    (
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<String>()),
        proptest::option::of(any::<String>()),
        proptest::option::of(0i64..4_102_444_800_000),
    )
        .prop_map(
            |(message_id, correlation_id, message_type, millis)| Envelope {
                message_id,
                correlation_id,
                message_type,
                sent_time: millis.and_then(chrono::DateTime::from_timestamp_millis),
                message: Vec::new(),
            },
        )
}

proptest! {
    #![proptest_config(cases(2000))]

    /// Any message `-F json` writes, `send --ndjson` reads back as the same message: one line,
    /// and the topic, payload, retain flag, envelope fields and properties all equal.
    #[test]
    fn a_json_line_reads_back_as_the_message(
        topic in publish_topic(),
        body in payload(),
        qos in 0u8..=2,
        retain in any::<bool>(),
        dup in any::<bool>(),
        properties in properties(),
        envelope in proptest::option::of(envelope_fields()),
    ) {
        let mut delivery = Delivery::detached(topic.clone(), body.clone().into(), qos);
        delivery.retain = retain;
        delivery.dup = dup;
        delivery.properties = properties.clone();
        let envelope = envelope.map(|e| Envelope { message: body.clone(), ..e });
        let msg = Message { delivery, envelope: envelope.clone() };
        let json = capture::to_json(&msg);
        let line = json.to_string();
        prop_assert!(!line.contains('\n'), "{}", line);
        prop_assert_eq!(&json["qos"], &serde_json::json!(qos));
        prop_assert_eq!(&json["dup"], &serde_json::json!(dup));
        let back = capture::from_line(line.as_bytes());
        let back = back.map_err(|why| TestCaseError::fail(format!("{why}: {line}")))?;
        prop_assert_eq!(back.topic, Some(topic));
        prop_assert_eq!(&back.payload[..], &body[..]);
        prop_assert_eq!(back.retain, Some(retain));
        prop_assert_eq!(back.properties, properties);
        prop_assert_eq!(back.bare, envelope.is_none());
        let e = envelope.unwrap_or_default();
        prop_assert_eq!(back.message_id, e.message_id);
        prop_assert_eq!(back.correlation_id, e.correlation_id);
        prop_assert_eq!(back.message_type, e.message_type);
        prop_assert_eq!(back.sent_time, e.sent_time);
    }
}

proptest! {
    #![proptest_config(cases(1000))]

    /// Any `--set KEY=VALUE`, `MQQ_*` environment and URI: a config or an error, never a
    /// panic, and never the password in an error.
    #[test]
    fn config_resolution_never_panics(
        key in prop_oneof![
            Just("connection.uri".to_string()),
            Just("connections.3.host".to_string()),
            Just("options.qos".to_string()),
            Just("options.connect_timeout".to_string()),
            Just("options.tls_alpn".to_string()),
            Just("credential.password".to_string()),
            "[a-z_.0-9]{0,40}",
        ],
        value in texty(),
        uri in texty(),
        port in texty(),
    ) {
        let mut env = BTreeMap::new();
        env.insert("MQQ_URI".to_string(), uri);
        env.insert("MQQ_PORT".to_string(), port);
        env.insert("MQQ_PASSWORD".to_string(), "Pr0pS3cret".to_string());
        let inputs = ConfigInputs {
            flags: vec![FlagValue { key, value, flag: "--set".into() }],
            env,
            ..ConfigInputs::default()
        };
        if let Err(e) = resolve(&inputs) {
            prop_assert!(!e.to_string().contains("Pr0pS3cret"), "{}", e);
        }
    }

    /// Any YAML text as a config file: a config or an error, never a panic or a hang.
    #[test]
    fn yaml_configs_never_panic(text in prop_oneof![
        texty(),
        "(topic|client_id|connection|connections|options|queues|credential|- |  |: |\\{|\\}|\\[|\\]|\\n|uri|host|port|qos|[a-z]{1,5}|[0-9]{1,4}|\"|'|&a|\\*a|!!str ){0,60}",
    ]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.yml");
        std::fs::write(&path, text).unwrap();
        let inputs = ConfigInputs {
            config_file: Some(path),
            ..ConfigInputs::default()
        };
        let _ = resolve(&inputs);
    }
}
