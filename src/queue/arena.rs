//! Payloads split off shared buffers: one allocation per 64 KiB of messages instead of one
//! per message.
//!
//! A stream of small publishes used to allocate each payload on the sending task and free
//! it on the event loop's, after the write: glibc's slow path for a free from another
//! thread. Here each payload is a [`Bytes`] view of a 64 KiB buffer; the event loop's drop
//! is a reference count, and the buffer is reused in place once every view of it is gone
//! (`BytesMut::reserve`), else a new one is allocated. A payload larger than the buffer gets
//! one of its own size.

use bytes::{Bytes, BytesMut};

/// The size of each shared buffer.
const CHUNK: usize = 64 * 1024;

/// Where a sender builds its payloads.
#[derive(Debug, Default)]
pub struct Arena(BytesMut);

impl Arena {
    /// An arena; its first buffer is allocated by the first payload.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A payload of `bytes`, copied.
    pub fn copy(&mut self, bytes: &[u8]) -> Bytes {
        self.build(bytes.len(), |b| b.extend_from_slice(bytes))
    }

    /// A payload `write` appends to an empty buffer with room for about `size` bytes
    /// (more is fine: the buffer grows).
    pub fn build(&mut self, size: usize, write: impl FnOnce(&mut BytesMut)) -> Bytes {
        if self.0.capacity() < size {
            self.0.reserve(size.max(CHUNK));
        }
        write(&mut self.0);
        self.0.split().freeze()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_keep_their_bytes_while_the_buffer_is_reused() {
        let mut a = Arena::new();
        let kept: Vec<Bytes> = (0..10_000u32)
            .map(|i| a.copy(format!("message {i}").as_bytes()))
            .collect();
        for (i, b) in kept.iter().enumerate() {
            assert_eq!(b, format!("message {i}").as_bytes());
        }
        // Dropped, then more: the buffers are reused, the new payloads are whole.
        drop(kept);
        let big = vec![7u8; CHUNK * 3];
        assert_eq!(a.copy(&big), big);
        assert_eq!(a.copy(b""), Bytes::new());
        let built = a.build(3, |b| b.extend_from_slice(b"abcdef"));
        assert_eq!(built, &b"abcdef"[..]);
    }
}
