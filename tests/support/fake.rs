//! Misbehaving MQTT servers for the cases where the broker's misbehaviour is the thing under
//! test: a front on a free loopback port that reads each connection's CONNECT and then
//! either answers nothing, hangs up, or forwards the connection (CONNECT included) to a real
//! broker; and a gated front, a broker slow to answer for as long as the test holds the gate.
//! Runs until the test process ends.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// What the front does with a connection once it has read its CONNECT.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// An MQTT 5 CONNECT gets no answer at all (the connection stays open); any other is
    /// forwarded (amqtt 0.12 ignores MQTT 5 CONNECTs).
    IgnoreV5,
    /// The first `n` connections are closed right after their CONNECT, the rest forwarded
    /// (a NATS cluster electing leaders refuses CONNECTs for a few seconds).
    CloseFirst(usize),
    /// Forwarded, but when the broker closes (after DISCONNECT) the client's connection is
    /// kept open until the client closes it.
    HoldOpen,
}

/// A front for `backend` on a free port; returns the port.
pub fn front(backend: u16, behaviour: Behaviour) -> u16 {
    let seen = AtomicUsize::new(0);
    super::server::fake(move |conn| serve(conn, backend, behaviour, &seen))
}

/// A gate a test holds shut, then opens: see [`gated`].
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    /// Opens it: everything held goes through, and from now on nothing is held.
    pub fn open(&self) {
        *self.0 .0.lock().unwrap() = true;
        self.0 .1.notify_all();
    }

    /// Waits until it is open.
    fn wait(&self) {
        let mut open = self.0 .0.lock().unwrap();
        while !*open {
            open = self.0 .1.wait(open).unwrap();
        }
    }
}

/// A front for `backend` on a free port that forwards every connection, but holds what the
/// broker sends after its CONNACK (acknowledgements, deliveries) until the test opens the
/// gate: a command runs for as long as the test needs (to see its progress display). A
/// connection the broker closes at CONNECT is closed at once. Returns the port and the gate.
pub fn gated(backend: u16) -> (u16, Gate) {
    let gate = Gate::default();
    let held = gate.clone();
    let port = super::server::fake(move |mut conn| {
        let Ok(mut back) = TcpStream::connect(("127.0.0.1", backend)) else {
            return;
        };
        let (Ok(mut conn2), Ok(mut back2)) = (conn.try_clone(), back.try_clone()) else {
            return;
        };
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut conn2, &mut back2);
            let _ = back2.shutdown(Shutdown::Write);
        });
        match read_packet(&mut back) {
            Some(connack) if conn.write_all(&connack).is_ok() => {
                held.wait();
                let _ = std::io::copy(&mut back, &mut conn);
            }
            _ => {}
        }
        let _ = conn.shutdown(Shutdown::Write);
    });
    (port, gate)
}

/// Reads one whole MQTT packet: its bytes, or `None` if the connection ended first.
fn read_packet(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut packet = vec![0u8; 1];
    conn.read_exact(&mut packet).ok()?;
    let (mut len, mut shift) = (0usize, 0);
    loop {
        let mut b = [0u8; 1];
        conn.read_exact(&mut b).ok()?;
        packet.push(b[0]);
        len |= usize::from(b[0] & 0x7F) << shift;
        shift += 7;
        if b[0] & 0x80 == 0 {
            break;
        }
    }
    let start = packet.len();
    packet.resize(start + len, 0);
    conn.read_exact(&mut packet[start..]).ok()?;
    Some(packet)
}

fn serve(mut conn: TcpStream, backend: u16, behaviour: Behaviour, seen: &AtomicUsize) {
    let Some(connect) = read_packet(&mut conn) else {
        return;
    };
    let nth = seen.fetch_add(1, Ordering::SeqCst);
    // The variable header: protocol name (2-byte length + "MQTT"), then the level.
    let header = connect[1..].iter().position(|b| b & 0x80 == 0).unwrap_or(0) + 2;
    let level = connect.get(header + 6).copied().unwrap_or(0);
    match behaviour {
        Behaviour::IgnoreV5 if level == 5 => {
            // Hold the connection open, reading and answering nothing, until the client goes.
            let _ = std::io::copy(&mut conn, &mut std::io::sink());
            return;
        }
        Behaviour::CloseFirst(n) if nth < n => {
            let _ = conn.shutdown(Shutdown::Both);
            return;
        }
        _ => {}
    }
    let Ok(mut back) = TcpStream::connect(("127.0.0.1", backend)) else {
        return;
    };
    if back.write_all(&connect).is_err() {
        return;
    }
    let (Ok(mut conn2), Ok(mut back2)) = (conn.try_clone(), back.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut conn2, &mut back2);
        let _ = back2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut back, &mut conn);
    if matches!(behaviour, Behaviour::HoldOpen) {
        let _ = up.join();
        let _ = std::io::copy(&mut conn, &mut std::io::sink());
        return;
    }
    let _ = conn.shutdown(Shutdown::Write);
    let _ = up.join();
}
