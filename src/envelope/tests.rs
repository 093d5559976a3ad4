//! The envelope's unit tests: the golden lines of docs/WIRE.md §2 and §3, the tolerances of
//! §5, the exact bytes `encode` writes, and `EnvelopeVersion`'s spellings.

use super::*;
use chrono::{DateTime, TimeZone as _, Utc};
use serde_json::Value;

const ID: &str = "3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b";

const PYTHON: &str = r#"{"message_id": "3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b", "correlation_id": "123", "message_type": "Test", "sent_time": "2024-05-01T10:20:30.123456", "message": "VGVzdCBtZXNzYWdl"}"#;
const NODE: &str = r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","message_type":"Test","sent_time":"2024-05-01T10:20:30.123Z","message":"VGVzdCBtZXNzYWdl"}"#;
const GO: &str = r#"{"correlation_id":"123","message":"VGVzdCBtZXNzYWdl","message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","message_type":"Test","sent_time":"2024-05-01T10:20:30.123456789Z"}"#;
const DART: &str = r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","message_type":"Test","sent_time":"2024-05-01T10:20:30.123456","message":"Test message"}"#;

pub(super) fn at(nanos: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 1, 10, 20, 30)
        .single()
        .unwrap()
        + chrono::Duration::nanoseconds(i64::from(nanos))
}

/// Decodes a golden line as v3 and as v4 (`trace_id`), checking every field both times.
fn check_golden(line: &str, nanos: u32) {
    let v4 = line.replace("\"correlation_id\"", "\"trace_id\"");
    assert_ne!(line, v4);
    for json in [line, v4.as_str()] {
        let env = decode(json.as_bytes()).unwrap_or_else(|| panic!("not decoded: {json}"));
        assert_eq!(env.message_id.as_deref(), Some(ID), "{json}");
        assert_eq!(env.correlation_id.as_deref(), Some("123"), "{json}");
        assert_eq!(env.message_type.as_deref(), Some("Test"), "{json}");
        assert_eq!(env.sent_time, Some(at(nanos)), "{json}");
        assert_eq!(env.message, b"Test message", "{json}");
    }
}

fn decode_str(json: &str) -> Envelope {
    decode(json.as_bytes()).unwrap_or_else(|| panic!("not decoded: {json}"))
}

fn fixed() -> Envelope {
    Envelope {
        message_id: Some(ID.to_owned()),
        correlation_id: Some("123".to_owned()),
        message_type: Some("Test".to_owned()),
        sent_time: Some(
            Utc.with_ymd_and_hms(2026, 11, 21, 19, 24, 25)
                .single()
                .unwrap()
                + chrono::Duration::milliseconds(123),
        ),
        message: b"Test message".to_vec(),
    }
}

fn encode_str(env: &Envelope, version: EnvelopeVersion) -> String {
    String::from_utf8(encode(env, version)).unwrap()
}

// --- golden lines of docs/WIRE.md §2 and §3 ---

#[test]
fn golden_python() {
    check_golden(PYTHON, 123_456_000);
}

#[test]
fn golden_node() {
    check_golden(NODE, 123_000_000);
}

#[test]
fn golden_go() {
    check_golden(GO, 123_456_789);
}

#[test]
fn golden_dart() {
    check_golden(DART, 123_456_000);
}

// --- tolerances of docs/WIRE.md §5 ---

#[test]
fn correlation_from_correlation_id_only() {
    let env = decode_str(r#"{"message_id":"a","correlation_id":"c","message":null}"#);
    assert_eq!(env.correlation_id.as_deref(), Some("c"));
}

#[test]
fn correlation_from_trace_id_only() {
    let env = decode_str(r#"{"message_id":"a","trace_id":"t","message":null}"#);
    assert_eq!(env.correlation_id.as_deref(), Some("t"));
}

#[test]
fn correlation_id_preferred_when_both_differ() {
    let env =
        decode_str(r#"{"message_id":"a","trace_id":"t","correlation_id":"c","message":null}"#);
    assert_eq!(env.correlation_id.as_deref(), Some("c"));
}

#[test]
fn trace_id_used_when_correlation_id_empty() {
    let env = decode_str(r#"{"message_id":"a","correlation_id":"","trace_id":"t","message":null}"#);
    assert_eq!(env.correlation_id.as_deref(), Some("t"));
}

#[test]
fn correlation_absent_when_neither_key() {
    let env = decode_str(r#"{"message_id":"a","message":null}"#);
    assert_eq!(env.correlation_id, None);
}

#[test]
fn missing_keys_are_null() {
    let env = decode_str(r#"{"message_id":"a","message":"eA=="}"#);
    assert_eq!(
        env,
        Envelope {
            message_id: Some("a".to_owned()),
            message: b"x".to_vec(),
            ..Envelope::default()
        }
    );
}

#[test]
fn explicit_nulls_are_null() {
    let env = decode_str(
        r#"{"message_id":null,"correlation_id":null,"message_type":null,"sent_time":null,"message":null}"#,
    );
    assert_eq!(env, Envelope::default());
}

#[test]
fn empty_strings_are_null_go_style() {
    let env = decode_str(
        r#"{"correlation_id":"","message":"","message_id":"","message_type":"","sent_time":""}"#,
    );
    assert_eq!(env, Envelope::default());
}

#[test]
fn numeric_ids_are_stringified() {
    let env =
        decode_str(r#"{"message_id":42,"correlation_id":123,"message_type":7.5,"message":null}"#);
    assert_eq!(env.message_id.as_deref(), Some("42"));
    assert_eq!(env.correlation_id.as_deref(), Some("123"));
    assert_eq!(env.message_type.as_deref(), Some("7.5"));
}

#[test]
fn numeric_trace_id_is_stringified() {
    let env = decode_str(r#"{"message_id":"a","trace_id":-9,"message":null}"#);
    assert_eq!(env.correlation_id.as_deref(), Some("-9"));
}

#[test]
fn structured_ids_are_ignored() {
    let env = decode_str(r#"{"message_id":{"x":1},"message_type":[1],"message":null}"#);
    assert_eq!(env.message_id, None);
    assert_eq!(env.message_type, None);
}

#[test]
fn message_valid_base64_is_decoded() {
    let env = decode_str(r#"{"message_id":"a","message":"AP8Aew=="}"#);
    assert_eq!(env.message, [0x00, 0xff, 0x00, 0x7b]);
}

#[test]
fn message_invalid_base64_is_raw_text() {
    // Dart: the text itself; not base64 because of the space.
    let env = decode_str(r#"{"message_id":"a","message":"Test message"}"#);
    assert_eq!(env.message, b"Test message");
}

#[test]
fn message_unpadded_base64_is_raw_text() {
    // Strict decoding: "abc" is not canonical base64, so it is Dart text.
    let env = decode_str(r#"{"message_id":"a","message":"abc"}"#);
    assert_eq!(env.message, b"abc");
}

#[test]
fn message_text_that_is_valid_base64_is_decoded() {
    // The inherent ambiguity: Dart's "abcd" is read as base64.
    let env = decode_str(r#"{"message_id":"a","message":"abcd"}"#);
    assert_eq!(env.message, [0x69, 0xb7, 0x1d]);
}

#[test]
fn message_unicode_text_is_utf8_bytes() {
    let env = decode_str(r#"{"message_id":"a","message":"héllo {\"k\":1}"}"#);
    assert_eq!(env.message, "héllo {\"k\":1}".as_bytes());
}

#[test]
fn message_null_is_empty() {
    let env = decode_str(r#"{"message_id":"a","message":null}"#);
    assert!(env.message.is_empty());
}

#[test]
fn message_empty_string_is_empty() {
    // Node writes "" for an empty message.
    let env = decode_str(r#"{"message_id":"a","message":""}"#);
    assert!(env.message.is_empty());
}

#[test]
fn message_not_a_string_is_raw() {
    assert_eq!(decode(br#"{"message_id":"a","message":{"k":1}}"#), None);
    assert_eq!(decode(br#"{"message_id":"a","message":5}"#), None);
}

#[test]
fn sent_time_rfc3339_with_offset() {
    let env = decode_str(
        r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T14:20:30.123456789+04:00"}"#,
    );
    assert_eq!(env.sent_time, Some(at(123_456_789)));
}

#[test]
fn sent_time_rfc3339_without_fraction() {
    let env = decode_str(r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T10:20:30Z"}"#);
    assert_eq!(env.sent_time, Some(at(0)));
}

#[test]
fn sent_time_rfc3339_one_fraction_digit_negative_offset() {
    let env = decode_str(
        r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T07:50:30.5-02:30"}"#,
    );
    assert_eq!(env.sent_time, Some(at(500_000_000)));
}

#[test]
fn sent_time_offset_without_colon() {
    let env = decode_str(
        r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T12:20:30.123+0200"}"#,
    );
    assert_eq!(env.sent_time, Some(at(123_000_000)));
}

#[test]
fn sent_time_zoneless_with_fraction_is_utc() {
    let env =
        decode_str(r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T10:20:30.123456"}"#);
    assert_eq!(env.sent_time, Some(at(123_456_000)));
}

#[test]
fn sent_time_zoneless_without_fraction_is_utc() {
    let env = decode_str(r#"{"message_id":"a","message":null,"sent_time":"2024-05-01T10:20:30"}"#);
    assert_eq!(env.sent_time, Some(at(0)));
}

#[test]
fn sent_time_zoneless_space_separator() {
    let env =
        decode_str(r#"{"message_id":"a","message":null,"sent_time":"2024-05-01 10:20:30.1"}"#);
    assert_eq!(env.sent_time, Some(at(100_000_000)));
}

#[test]
fn sent_time_number_is_epoch_millis() {
    let ms = at(123_000_000).timestamp_millis();
    let env = decode_str(&format!(
        r#"{{"message_id":"a","message":null,"sent_time":{ms}}}"#
    ));
    assert_eq!(env.sent_time, Some(at(123_000_000)));
}

#[test]
fn sent_time_fractional_number_is_epoch_millis() {
    let ms = at(0).timestamp_millis();
    let env = decode_str(&format!(
        r#"{{"message_id":"a","message":null,"sent_time":{ms}.5}}"#
    ));
    assert_eq!(env.sent_time, Some(at(500_000)));
}

#[test]
fn sent_time_unparseable_is_none_but_delivered() {
    for bad in [
        r#""yesterday""#,
        r#""2024-13-01T10:20:30Z""#,
        "true",
        "[1]",
        "1e300",
    ] {
        let json = format!(r#"{{"message_id":"a","message":"eA==","sent_time":{bad}}}"#);
        let env = decode_str(&json);
        assert_eq!(env.sent_time, None, "{json}");
        assert_eq!(env.message, b"x", "{json}");
    }
}

#[test]
fn sent_time_huge_integer_is_none() {
    let env = decode_str(r#"{"message_id":"a","message":null,"sent_time":9223372036854775807}"#);
    assert_eq!(env.sent_time, None);
}

// --- not an envelope: a raw message ---

#[test]
fn invalid_json_is_raw() {
    assert_eq!(decode(b"{\"message_id\":\"a\",\"message\":"), None);
    assert_eq!(decode(b"Test message"), None);
}

#[test]
fn json_array_is_raw() {
    assert_eq!(decode(br#"[{"message_id":"a","message":null}]"#), None);
}

#[test]
fn json_scalars_are_raw() {
    assert_eq!(decode(br#""VGVzdCBtZXNzYWdl""#), None);
    assert_eq!(decode(b"42"), None);
    assert_eq!(decode(b"null"), None);
}

#[test]
fn object_without_message_id_is_raw() {
    assert_eq!(decode(br#"{"correlation_id":"1","message":"eA=="}"#), None);
}

#[test]
fn object_without_message_is_raw() {
    assert_eq!(decode(br#"{"message_id":"a","correlation_id":"1"}"#), None);
}

#[test]
fn invalid_utf8_is_raw() {
    assert_eq!(decode(b"{\"message_id\":\"\xff\",\"message\":null}"), None);
    assert_eq!(decode(&[0xff, 0xfe, 0x00]), None);
}

#[test]
fn empty_payload_is_raw() {
    assert_eq!(decode(b""), None);
    assert_eq!(decode(b"   "), None);
}

// --- encode ---

#[test]
fn encode_v3_exact() {
    assert_eq!(
        encode_str(&fixed(), EnvelopeVersion::V3),
        r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","message_type":"Test","sent_time":"2026-11-21T19:24:25.123Z","message":"VGVzdCBtZXNzYWdl"}"#
    );
}

#[test]
fn encode_v4_exact() {
    assert_eq!(
        encode_str(&fixed(), EnvelopeVersion::V4),
        r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","trace_id":"123","message_type":"Test","sent_time":"2026-11-21T19:24:25.123Z","message":"VGVzdCBtZXNzYWdl"}"#
    );
}

#[test]
fn encode_both_exact() {
    assert_eq!(
        encode_str(&fixed(), EnvelopeVersion::Both),
        r#"{"message_id":"3f2b9c0e5d6a4e0f9a1b2c3d4e5f6a7b","correlation_id":"123","trace_id":"123","message_type":"Test","sent_time":"2026-11-21T19:24:25.123Z","message":"VGVzdCBtZXNzYWdl"}"#
    );
}

#[test]
fn encode_empty_message_and_missing_fields_as_null() {
    let env = Envelope {
        sent_time: fixed().sent_time,
        ..Envelope::default()
    };
    assert_eq!(
        encode_str(&env, EnvelopeVersion::V3),
        r#"{"message_id":null,"correlation_id":null,"message_type":null,"sent_time":"2026-11-21T19:24:25.123Z","message":null}"#
    );
    assert_eq!(
        encode_str(&env, EnvelopeVersion::Both),
        r#"{"message_id":null,"correlation_id":null,"trace_id":null,"message_type":null,"sent_time":"2026-11-21T19:24:25.123Z","message":null}"#
    );
}

#[test]
fn encode_empty_strings_as_null() {
    let env = Envelope {
        message_id: Some(String::new()),
        correlation_id: Some(String::new()),
        message_type: Some(String::new()),
        ..fixed()
    };
    let json = encode_str(&env, EnvelopeVersion::V4);
    assert!(json.starts_with(r#"{"message_id":null,"trace_id":null,"message_type":null,"#));
}

#[test]
fn encode_truncates_sent_time_to_millis() {
    let env = Envelope {
        sent_time: Some(at(123_999_999)),
        ..fixed()
    };
    let json = encode_str(&env, EnvelopeVersion::V3);
    assert!(
        json.contains(r#""sent_time":"2024-05-01T10:20:30.123Z""#),
        "{json}"
    );
}

#[test]
fn encode_missing_sent_time_writes_now() {
    let before = Utc::now() - chrono::Duration::milliseconds(1);
    let env = Envelope {
        sent_time: None,
        ..fixed()
    };
    let sent = decode(&encode(&env, EnvelopeVersion::V3))
        .unwrap()
        .sent_time
        .unwrap();
    assert!(sent >= before && sent <= Utc::now(), "{sent}");
}

#[test]
fn encode_binary_round_trips() {
    let env = Envelope {
        message: vec![0x00, 0xff, 0x00, b'{', 0x80, 0xfe],
        ..fixed()
    };
    for version in [
        EnvelopeVersion::V3,
        EnvelopeVersion::V4,
        EnvelopeVersion::Both,
    ] {
        assert_eq!(decode(&encode(&env, version)), Some(env.clone()));
    }
}

#[test]
fn encode_decode_round_trip() {
    let payloads: [&[u8]; 7] = [
        b"",
        b"x",
        b"abcd",
        b"Test message",
        "h\u{e9}llo \u{1f600}".as_bytes(),
        br#"{"message_id":"nested","message":null}"#,
        &[0u8; 1000],
    ];
    for payload in payloads {
        let mut env = Envelope::new(payload.to_vec());
        env.correlation_id = Some("c-1".to_owned());
        env.message_type = Some("Order.Created".to_owned());
        // The wire keeps milliseconds.
        env.sent_time = fixed().sent_time;
        for version in [
            EnvelopeVersion::V3,
            EnvelopeVersion::V4,
            EnvelopeVersion::Both,
        ] {
            assert_eq!(
                decode(&encode(&env, version)),
                Some(env.clone()),
                "{payload:?}"
            );
        }
    }
}

#[test]
fn encode_writes_every_key_readers_require() {
    let keys = |version| -> Vec<String> {
        let bytes = encode(&Envelope::default(), version);
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&bytes) else {
            panic!("not a JSON object");
        };
        map.keys().cloned().collect()
    };
    let mut v3 = keys(EnvelopeVersion::V3);
    v3.sort();
    assert_eq!(
        v3,
        [
            "correlation_id",
            "message",
            "message_id",
            "message_type",
            "sent_time"
        ]
    );
    let mut v4 = keys(EnvelopeVersion::V4);
    v4.sort();
    assert_eq!(
        v4,
        [
            "message",
            "message_id",
            "message_type",
            "sent_time",
            "trace_id"
        ]
    );
    let mut both = keys(EnvelopeVersion::Both);
    both.sort();
    assert_eq!(
        both,
        [
            "correlation_id",
            "message",
            "message_id",
            "message_type",
            "sent_time",
            "trace_id"
        ]
    );
}

#[test]
fn encode_output_is_recognised_as_envelope() {
    for env in [Envelope::default(), Envelope::new(Vec::new()), fixed()] {
        for version in [
            EnvelopeVersion::V3,
            EnvelopeVersion::V4,
            EnvelopeVersion::Both,
        ] {
            assert!(decode(&encode(&env, version)).is_some());
        }
    }
}

#[test]
fn new_envelope_has_id_and_time() {
    let before = Utc::now();
    let env = Envelope::new(b"m".to_vec());
    assert!(env
        .sent_time
        .is_some_and(|t| t >= before && t <= Utc::now()));
    assert_eq!(env.message, b"m");
    assert_eq!(env.correlation_id, None);
    assert_eq!(env.message_type, None);
    assert!(env.message_id.is_some_and(|id| is_message_id(&id)));
}

fn is_message_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[test]
fn a_sent_envelope_gets_a_fresh_id_and_the_time_now() {
    let fields = Outgoing {
        message_id: MessageId::Fresh,
        correlation_id: Some("c"),
        message_type: None,
        sent_time: None,
        message: b"payload",
    };
    let before = Utc::now();
    let mut buf = bytes::BytesMut::new();
    encode_into(&mut buf, &fields, EnvelopeVersion::V3);
    let mut vec = Vec::new();
    encode_into(&mut vec, &fields, EnvelopeVersion::V3);
    let after = Utc::now();
    let (a, b) = (decode(&buf).unwrap(), decode(&vec).unwrap());
    let (ida, idb) = (a.message_id.unwrap(), b.message_id.unwrap());
    assert!(is_message_id(&ida) && is_message_id(&idb), "{ida} {idb}");
    assert_eq!(&ida[12..13], "4", "a UUIDv4");
    assert_ne!(ida, idb);
    assert_eq!(a.message, b"payload");
    assert_eq!(a.correlation_id.as_deref(), Some("c"));
    // Milliseconds on the wire: the time read back is `before` or later, truncated.
    let sent = a.sent_time.unwrap();
    assert!(
        sent >= before - chrono::Duration::milliseconds(1) && sent <= after,
        "{sent}"
    );
}

#[test]
fn message_id_is_32_lowercase_hex_and_unique() {
    let a = new_message_id();
    let b = new_message_id();
    assert!(is_message_id(&a), "{a}");
    assert!(is_message_id(&b), "{b}");
    assert_ne!(a, b);
    // A UUIDv4: version nibble 4.
    assert_eq!(&a[12..13], "4");
}
