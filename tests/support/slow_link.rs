//! A slow network link in front of a broker, on a free loopback port: what a broker in
//! another region looks like to mqq. Each way delays every chunk by the one-way latency, and
//! the broker's way carries at most `window` bytes per round trip, as TCP's congestion window
//! does at the start of a connection: a burst larger than the window reaches the client in
//! flights, a round trip apart. The delays here are the link being emulated, not
//! synchronisation: nothing waits on them to know that something happened.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// The link; it stops carrying new connections when dropped (open connections end with the
/// test process).
pub struct SlowLink {
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl SlowLink {
    /// A link to `127.0.0.1:to` with `one_way` latency each way and at most `window` bytes
    /// from the broker per round trip.
    pub fn start(to: u16, one_way: Duration, window: usize) -> SlowLink {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let port = super::server::fake(move |client| {
            if stopped.load(Ordering::Relaxed) {
                return;
            }
            let Ok(broker) = TcpStream::connect(("127.0.0.1", to)) else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = broker.set_nodelay(true);
            let (c2, b2) = (client.try_clone().unwrap(), broker.try_clone().unwrap());
            thread::spawn(move || carry(b2, c2, one_way, Some(window)));
            carry(client, broker, one_way, None);
        });
        SlowLink { port, stop }
    }

    /// `mqtt://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }
}

impl Drop for SlowLink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Copies `from` to `to`, each chunk `one_way` late; with a window, at most that many bytes
/// a chunk and a further `one_way` (the acknowledgement's way back) before the next.
fn carry(mut from: TcpStream, mut to: TcpStream, one_way: Duration, window: Option<usize>) {
    let mut buf = vec![0u8; window.unwrap_or(64 * 1024)];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        thread::sleep(one_way);
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        if window.is_some() {
            thread::sleep(one_way);
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}
