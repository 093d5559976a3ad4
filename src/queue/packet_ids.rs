//! A set of MQTT packet ids, for the deliveries of one connection not yet acknowledged: what
//! a peek or count leaves pending, and how a redelivery within the connection is told from
//! a new message.
//!
//! CI compiles this file alone, at a release's opt-levels, as the guard against the
//! miscompile below (`.ci/packet_ids_guard.rs`): it names nothing of the crate.

/// A set of packet ids (0–65535) as a bitmap: 8 KiB, no allocation per message.
pub(super) struct PacketIds {
    bits: Box<[u64; 1024]>,
    len: usize,
}

impl PacketIds {
    pub(super) fn new() -> PacketIds {
        PacketIds {
            bits: Box::new([0; 1024]),
            len: 0,
        }
    }

    /// Adds `id`; `false` if it was there.
    ///
    /// Written with an early return on purpose: the branch-free form
    /// (`let new = word & b == 0; word |= b; len += usize::from(new)`) is miscompiled by
    /// rustc 1.95.0 (LLVM 22.1.2) at opt-level 2 and 3: `len` stayed 0 while `insert`
    /// returned `true`, so release builds never remembered what a peek left pending.
    pub(super) fn insert(&mut self, id: u16) -> bool {
        let (w, b) = (usize::from(id >> 6), 1u64 << (id & 63));
        let word = &mut self.bits[w];
        if *word & b != 0 {
            return false;
        }
        *word |= b;
        self.len += 1;
        true
    }

    pub(super) fn contains(&self, id: u16) -> bool {
        self.bits[usize::from(id >> 6)] & (1u64 << (id & 63)) != 0
    }

    pub(super) fn remove(&mut self, id: u16) {
        let (w, b) = (usize::from(id >> 6), 1u64 << (id & 63));
        if self.bits[w] & b != 0 {
            self.bits[w] &= !b;
            self.len -= 1;
        }
    }

    pub(super) fn clear(&mut self) {
        if self.len > 0 {
            self.bits.fill(0);
            self.len = 0;
        }
    }

    /// How many ids the set holds.
    pub(super) fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::PacketIds;

    #[test]
    fn packet_ids_count_each_id_once() {
        let mut ids = PacketIds::new();
        for id in [1, 2, 3, 64, 65_535] {
            assert!(ids.insert(id), "{id} is new");
        }
        assert!(!ids.insert(3), "3 was there");
        assert_eq!(ids.len, 5);
        ids.remove(2);
        ids.remove(2);
        ids.remove(7);
        assert_eq!(ids.len, 4);
        assert!(ids.insert(2));
        ids.clear();
        assert_eq!(ids.len, 0);
        assert!(ids.insert(64));
    }
}
