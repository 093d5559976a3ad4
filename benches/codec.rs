//! The envelope codec (pip-services v3): encode and decode of a 64-byte and a 4 KiB message.
//! `cargo bench --bench codec`; a regression guard, compared by criterion with the last run.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mqq::envelope::{decode, encode, Envelope, EnvelopeVersion};

/// An envelope as `send` makes one: a message id, a type, a correlation id, a sent time.
fn envelope(size: usize) -> Envelope {
    Envelope {
        message_id: Some("0f8fad5bd9cb469fa16570867728950e".into()),
        correlation_id: Some("c0ffee".into()),
        message_type: Some("order.created".into()),
        sent_time: chrono::DateTime::from_timestamp(1_700_000_000, 123_000_000),
        message: (0..size).map(|i| b'a' + (i % 26) as u8).collect(),
    }
}

fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("envelope");
    for (name, size) in [("64B", 64), ("4KiB", 4096)] {
        let env = envelope(size);
        let wire = encode(&env, EnvelopeVersion::V3);
        assert_eq!(decode(&wire).as_ref(), Some(&env), "the codec round-trips");
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::new("encode_v3", name), &env, |b, env| {
            b.iter(|| encode(black_box(env), EnvelopeVersion::V3));
        });
        g.bench_with_input(BenchmarkId::new("decode_v3", name), &wire, |b, wire| {
            b.iter(|| decode(black_box(wire)));
        });
    }
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
