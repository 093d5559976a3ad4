//! MQTT 3.1.1 by hand, for what mqq itself refuses to send (a topic with control characters)
//! and for a fake server whose misbehaviour is the case (a broker that never answers a
//! SUBSCRIBE). A few packets only; everything else goes through real clients.

use std::io::{Read, Write};
use std::net::TcpStream;

/// A packet: fixed header byte, then the remaining length, then `body`.
fn packet(header: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![header];
    let mut n = body.len();
    loop {
        let mut byte = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&u16::try_from(s.len()).unwrap().to_be_bytes());
    out.extend_from_slice(s);
}

/// Reads one packet: its fixed header byte and body.
pub fn read_packet(s: &mut TcpStream) -> std::io::Result<(u8, Vec<u8>)> {
    let mut h = [0u8; 1];
    s.read_exact(&mut h)?;
    let (mut len, mut shift) = (0usize, 0);
    loop {
        let mut b = [0u8; 1];
        s.read_exact(&mut b)?;
        len |= usize::from(b[0] & 0x7f) << shift;
        shift += 7;
        if b[0] & 0x80 == 0 {
            break;
        }
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body)?;
    Ok((h[0], body))
}

/// Publishes `payload` to `topic` at QoS 0 on the broker at `port` over MQTT 3.1.1, topic
/// bytes as they are, and disconnects once the broker has answered a PINGREQ (so it has
/// read the PUBLISH).
pub fn publish(port: u16, topic: &[u8], payload: &[u8]) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut connect = Vec::new();
    string(&mut connect, b"MQTT");
    connect.extend_from_slice(&[4, 0x02, 0, 60]);
    string(&mut connect, b"mqq-test-raw");
    s.write_all(&packet(0x10, &connect)).unwrap();
    let (h, _) = read_packet(&mut s).unwrap();
    assert_eq!(h, 0x20, "CONNACK expected");
    let mut publish = Vec::new();
    string(&mut publish, topic);
    publish.extend_from_slice(payload);
    s.write_all(&packet(0x30, &publish)).unwrap();
    s.write_all(&packet(0xC0, &[])).unwrap();
    let (h, _) = read_packet(&mut s).unwrap();
    assert_eq!(h, 0xD0, "PINGRESP expected");
    s.write_all(&packet(0xE0, &[])).unwrap();
}

/// A server that accepts MQTT connections, answers CONNECT with a CONNACK (session not
/// present) and PINGREQ with PINGRESP, and never answers a SUBSCRIBE: a broker fault.
pub struct NoSuback {
    /// Its port.
    pub port: u16,
}

impl NoSuback {
    /// Starts it on a free loopback port.
    pub fn start() -> NoSuback {
        let port = super::server::fake(|mut s| {
            while let Ok((h, _)) = read_packet(&mut s) {
                let answer = match h >> 4 {
                    1 => packet(0x20, &[0, 0]),
                    12 => packet(0xD0, &[]),
                    14 => return,
                    _ => continue,
                };
                if s.write_all(&answer).is_err() {
                    return;
                }
            }
        });
        NoSuback { port }
    }
}
