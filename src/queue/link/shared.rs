//! What the connection task shares with the [`super::Link`] handle, read without asking the
//! task: whether it is connected, how many bytes came in, and whether a packet (a PUBLISH,
//! and which) is still arriving, for the core's "quiet" (docs/DESIGN.md §2).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use super::transport::Wire;

/// Flags the task shares with the handle.
#[derive(Debug, Default)]
pub(super) struct Shared {
    /// Connected right now.
    pub up: AtomicBool,
    /// End as soon as DISCONNECT is written, not waiting for the broker's close.
    pub leave_after_disconnect: AtomicBool,
    /// The TCP socket's byte count and quick-ACK flag.
    pub wire: Arc<Wire>,
    /// [`Wire::read`] as it was when the read buffer last held no partial packet.
    pub read_at_packet: AtomicU64,
    /// The partial packet at the head of the read buffer, when it is a PUBLISH whose packet
    /// id has arrived: `DUP_FLAG | pkid` for a redelivery, else the bare id; 0 otherwise.
    pub partial_publish: AtomicU32,
}

/// In [`Shared::partial_publish`]: the partial PUBLISH carries the DUP flag.
pub(super) const DUP_FLAG: u32 = 1 << 16;

impl Shared {
    pub fn bytes_read(&self) -> u64 {
        self.wire.read.load(Ordering::Relaxed)
    }

    /// Bytes arrived that are not yet a whole packet.
    pub fn packet_arriving(&self) -> bool {
        self.bytes_read() != self.read_at_packet.load(Ordering::Relaxed)
    }

    /// The read buffer holds no partial packet.
    pub fn whole(&self) {
        self.read_at_packet
            .store(self.bytes_read(), Ordering::Relaxed);
        self.partial_publish.store(0, Ordering::Relaxed);
    }

    /// The partial PUBLISH at the head of the read buffer, if its packet id is in (see
    /// [`Shared::partial_publish`]).
    pub fn partial_publish(&self) -> Option<(u16, bool)> {
        let v = self.partial_publish.load(Ordering::Relaxed);
        (v != 0).then_some(((v & 0xFFFF) as u16, v & DUP_FLAG != 0))
    }
}
