//! The window of QoS 1/2 publishes in flight: which packet ids are taken, what each one
//! awaits (PUBACK, PUBREC, PUBCOMP), how many the broker allows at once (its Receive
//! Maximum), and the order they go out again after a reconnect (the oldest first, with DUP).

use super::codec::OutPublish;

/// The largest window of publishes in flight: packet ids 1 to this; a subscription's are above.
pub(super) const MAX_WINDOW: u16 = 64_000;

/// A slot of the in-flight window.
#[derive(Debug)]
pub(super) enum Slot {
    Free,
    /// Published, awaiting PUBACK (QoS 1) or PUBREC (QoS 2).
    Sent(OutPublish),
    /// QoS 2: PUBREL written, awaiting PUBCOMP.
    Released,
}

/// What a PUBREC asks of the task.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Rec {
    /// The broker refused the publish (MQTT 5): its slot is free, the core is told.
    Refused,
    /// Answer with PUBREL: the publish goes on (or the id was not ours, or already
    /// released, and the broker must move on all the same).
    Release,
}

/// The publishes in flight, by packet id.
#[derive(Debug)]
pub(super) struct Inflight {
    /// Indexed by packet id (slot 0 unused).
    slots: Vec<Slot>,
    /// The next packet id of a publish (1-based, cycling through the window).
    next_pkid: u16,
    /// How many may be in flight: what the link asked for, at most the broker's limit.
    size: u16,
    /// What the link asked for.
    asked: u16,
    /// How many are in flight.
    len: usize,
}

impl Inflight {
    /// A window of at most `inflight` publishes (1 to [`MAX_WINDOW`]).
    pub(super) fn new(inflight: u16) -> Inflight {
        let asked = inflight.clamp(1, MAX_WINDOW);
        Inflight {
            slots: (0..=asked).map(|_| Slot::Free).collect(),
            next_pkid: 1,
            size: asked,
            asked,
            len: 0,
        }
    }

    /// What a CONNACK's Receive Maximum allows (`None`: no limit said).
    pub(super) fn limit(&mut self, receive_maximum: Option<u16>) {
        self.size = receive_maximum.map_or(self.asked, |m| self.asked.min(m.max(1)));
    }

    /// Whether nothing is in flight.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The packet id the next publish takes, if the window has room for it.
    pub(super) fn free_id(&self) -> Option<u16> {
        let pkid = self.next_pkid;
        let room = self.len < usize::from(self.size)
            && matches!(self.slots[usize::from(pkid)], Slot::Free);
        room.then_some(pkid)
    }

    /// `p` was written with `pkid` (from [`Inflight::free_id`]).
    pub(super) fn sent(&mut self, pkid: u16, p: OutPublish) {
        self.slots[usize::from(pkid)] = Slot::Sent(p);
        self.len += 1;
        self.next_pkid = if pkid >= self.size { 1 } else { pkid + 1 };
    }

    /// PUBACK or PUBCOMP: frees the slot of an acknowledged publish; `false` if it was not
    /// in flight.
    pub(super) fn free(&mut self, pkid: u16) -> bool {
        match self.slots.get_mut(usize::from(pkid)) {
            Some(slot @ (Slot::Sent(_) | Slot::Released)) => {
                *slot = Slot::Free;
                self.len -= 1;
                true
            }
            _ => false,
        }
    }

    /// PUBREC of `pkid`, `refused` (MQTT 5) or not.
    pub(super) fn received(&mut self, pkid: u16, refused: bool) -> Rec {
        match self.slots.get_mut(usize::from(pkid)) {
            Some(slot @ Slot::Sent(_)) if refused => {
                *slot = Slot::Free;
                self.len -= 1;
                Rec::Refused
            }
            Some(slot @ Slot::Sent(_)) => {
                *slot = Slot::Released;
                Rec::Release
            }
            // Not ours (or already released): answered all the same.
            _ => Rec::Release,
        }
    }

    /// Every slot with its packet id, the oldest in flight first: it is at `next_pkid`,
    /// since ids are taken in turn through the window.
    pub(super) fn oldest_first(&self) -> impl Iterator<Item = (u16, &Slot)> {
        let len = self.slots.len() - 1;
        let start = usize::from(self.next_pkid) - 1;
        (0..len).map(move |i| {
            let pkid = ((start + i) % len + 1) as u16;
            (pkid, &self.slots[usize::from(pkid)])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::link::PubTopic;

    fn publish() -> OutPublish {
        OutPublish {
            topic: PubTopic::new("t"),
            qos: 1,
            retain: false,
            payload: bytes::Bytes::new(),
            properties: None,
        }
    }

    fn in_flight(w: &Inflight) -> Vec<u16> {
        w.oldest_first()
            .filter(|(_, s)| !matches!(s, Slot::Free))
            .map(|(id, _)| id)
            .collect()
    }

    #[test]
    fn ids_cycle_through_the_window_and_a_full_window_holds() {
        let mut w = Inflight::new(3);
        for want in [1, 2, 3] {
            let id = w.free_id().expect("room");
            assert_eq!(id, want);
            w.sent(id, publish());
        }
        assert_eq!(w.free_id(), None, "three in flight fill a window of three");
        assert!(w.free(2));
        assert_eq!(w.free_id(), None, "id 1 is next, and still in flight");
        assert!(w.free(1));
        assert!(!w.free(1), "freed twice");
        assert_eq!(w.free_id(), Some(1));
        w.sent(1, publish());
        assert_eq!(in_flight(&w), vec![3, 1], "resent oldest first");
    }

    #[test]
    fn the_broker_limit_narrows_the_window() {
        let mut w = Inflight::new(10);
        w.limit(Some(1));
        w.sent(w.free_id().expect("room"), publish());
        assert_eq!(w.free_id(), None);
        assert_eq!(w.received(1, false), Rec::Release);
        assert!(!w.is_empty(), "released, awaiting PUBCOMP");
        assert!(w.free(1));
        assert!(w.is_empty());
        w.limit(None);
        assert_eq!(w.received(7, true), Rec::Release, "not ours: answered");
    }
}
