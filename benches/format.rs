//! The output formatter: one received message written as text, json and a template into an
//! in-memory stdout, through [`Output`] as the consume loop drives it (`Sink::write`, the
//! buffer flushed as it fills). `cargo bench --bench format`.

use std::hint::black_box;
use std::io::{self, Write};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mqq::envelope::{encode, Envelope, EnvelopeVersion};
use mqq::output::{Diag, Format, Output, Style, Verbosity};
use mqq::queue::{Delivery, Message, Sink as _};
use mqq::template::Template;

/// Stdout in memory: a Vec that is emptied when it passes 1 MiB, so memory stays flat.
struct VecSink(Vec<u8>);

impl Write for VecSink {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.0.len() > 1 << 20 {
            self.0.clear();
        }
        self.0.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A 64-byte message as it arrives in envelope mode (decoded), at QoS 1.
fn message() -> Message {
    let env = Envelope {
        message_id: Some("0f8fad5bd9cb469fa16570867728950e".into()),
        correlation_id: Some("c0ffee".into()),
        message_type: Some("order.created".into()),
        sent_time: chrono::DateTime::from_timestamp(1_700_000_000, 123_000_000),
        message: format!("{:08}", 42)
            .into_bytes()
            .into_iter()
            .chain([b'x'; 56])
            .collect(),
    };
    let payload = encode(&env, EnvelopeVersion::V3);
    Message {
        envelope: mqq::envelope::decode(&payload),
        delivery: Delivery::detached("orders/eu".into(), payload.into(), 1),
    }
}

fn output(format: Format) -> Output {
    let mut out = Output::new(
        Box::new(VecSink(Vec::with_capacity(2 << 20))),
        Diag::new(Box::new(io::sink()), Verbosity::default()),
    );
    out.set_style(Style {
        format,
        pretty: false,
        eol: true,
    });
    out
}

fn format(c: &mut Criterion) {
    let msg = message();
    let mut g = c.benchmark_group("format");
    g.throughput(Throughput::Elements(1));
    let template = Template::parse("%t %i %T %p").expect("a valid template");
    for (name, f) in [
        ("text", Format::Text),
        ("json", Format::Json),
        ("template", Format::Template(template)),
    ] {
        let mut out = output(f);
        g.bench_function(BenchmarkId::new("write", name), |b| {
            b.iter(|| out.write(black_box(&msg)).expect("in memory"));
        });
    }
    g.finish();
}

criterion_group!(benches, format);
criterion_main!(benches);
