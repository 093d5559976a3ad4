//! Transports for every protocol variant, built in one place from the broker address: TCP,
//! TLS (rustls with the `ring` provider and the system's roots), and WebSocket (not yet).

use std::sync::Once;

use rumqttc::Transport as RTransport;

use crate::config::{BrokerAddr, Transport};
use crate::queue::QueueError;

/// The rumqttc transport for an address.
pub(super) fn build(addr: &BrokerAddr) -> Result<RTransport, QueueError> {
    match addr.transport {
        Transport::Tcp => Ok(RTransport::Tcp),
        Transport::Tls => {
            install_crypto();
            Ok(RTransport::tls_with_default_config())
        }
        Transport::Ws | Transport::Wss => Err(QueueError::Unsupported {
            broker: addr.uri(),
            what: "WebSocket transport",
        }),
    }
}

/// Installs the `ring` provider as rustls's process default, once.
fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another provider may already be installed by the embedding program: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
