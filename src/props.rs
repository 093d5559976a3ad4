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

proptest! {
    #![proptest_config(cases(3000))]

    #[test]
    fn envelope_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = envelope::decode(&bytes);
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
        let reference = envelope::encode_reference(&env, version);
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
