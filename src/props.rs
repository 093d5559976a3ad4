//! Property tests: the parsers and decoders that take outside input never panic, whatever
//! the input, and round-trip where a round trip exists. Run with the unit tests; case counts
//! are set per property (`PROPTEST_CASES` overrides them all).

use std::collections::BTreeMap;

use proptest::prelude::*;

use crate::config::{resolve, values, ConfigInputs, FlagValue};
use crate::envelope::{self, Envelope, EnvelopeVersion};
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
