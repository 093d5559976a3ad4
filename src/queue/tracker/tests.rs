//! The tracker's policy, event by event, without a broker: take-overs claimed on evidence
//! only, a lost producer session, redeliveries, retained messages, subscriptions.

use super::*;
use crate::config::Transport;
use bytes::Bytes;

fn addr(host: &str) -> BrokerAddr {
    BrokerAddr {
        transport: Transport::Tcp,
        host: host.into(),
        port: 1883,
        path: "/".into(),
    }
}

fn tracker(role: Role, durable: bool, reconnect: bool) -> Tracker {
    Tracker::new(Identity {
        addr: addr("a"),
        client_id: "worker-1".into(),
        topic: "jobs".into(),
        role,
        durable,
        reconnect,
        suback_wait: Duration::from_secs(5),
    })
}

fn delivery(pkid: u16, dup: bool) -> Delivery {
    let mut d = Delivery::detached("jobs".into(), Bytes::from_static(b"x"), 1);
    d.pkid = pkid;
    d.dup = dup;
    d
}

fn closed(reason: Option<Disconnect>, retry_in: Option<Duration>) -> LinkEvent {
    LinkEvent::Error {
        cause: "the broker closed the connection".into(),
        kind: ErrorKind::ClosedByBroker,
        reason,
        retry_in,
    }
}

fn reconnected(session_present: bool) -> LinkEvent {
    LinkEvent::Reconnected {
        session_present,
        broker: addr("b"),
    }
}

/// A probe that must not be made.
fn unasked(_: &BrokerAddr) -> bool {
    panic!("the broker was probed")
}

fn delivered(t: &mut Tracker, d: Delivery) -> bool {
    matches!(
        t.take(LinkEvent::Message(d), unasked),
        Ok(Answer::Deliver(_))
    )
}

#[test]
fn a_take_over_is_claimed_on_evidence_only() {
    // MQTT 5 says so: a take-over, whatever the probe would say.
    let mut t = tracker(Role::Consumer, true, false);
    let e = t.take(closed(Some(Disconnect::TakenOver), None), unasked);
    assert!(matches!(e, Err(QueueError::TakenOver { .. })), "{e:?}");
    // A close without a reason: a take-over only while the broker accepts connections.
    let e = t.take(closed(None, None), |_| true);
    assert!(matches!(e, Err(QueueError::TakenOver { .. })), "{e:?}");
    let e = t.take(closed(None, None), |_| false);
    assert!(matches!(e, Err(QueueError::Lost { .. })), "{e:?}");
    // Another reason: lost, and said so.
    let e = t.take(closed(Some(Disconnect::ShuttingDown), None), unasked);
    assert!(
        matches!(&e, Err(QueueError::Lost { cause, .. }) if cause.contains("0x8B")),
        "{e:?}"
    );
    // Nobody takes an ephemeral session, nor a producer's.
    let mut t = tracker(Role::Consumer, false, false);
    let e = t.take(closed(None, None), unasked);
    assert!(matches!(e, Err(QueueError::Lost { .. })), "{e:?}");
    let mut t = tracker(Role::Producer, false, false);
    let e = t.take(closed(None, None), unasked);
    assert!(matches!(e, Err(QueueError::Lost { .. })), "{e:?}");
}

#[test]
fn a_second_take_over_within_the_window_stops_a_listen() {
    let retry = Some(Duration::from_secs(1));
    let mut t = tracker(Role::Consumer, true, true);
    let first = t.take(closed(Some(Disconnect::TakenOver), retry), unasked);
    assert!(matches!(first, Ok(Answer::Nothing)), "{first:?}");
    // A failed attempt while reconnecting is no second take-over.
    assert!(t.take(closed(None, retry), unasked).is_ok());
    assert!(t.take(reconnected(true), unasked).is_ok());
    let second = t.take(closed(Some(Disconnect::TakenOver), retry), unasked);
    assert!(
        matches!(second, Err(QueueError::HeldElsewhere { within, .. }) if within == TAKEOVER_WINDOW),
        "{second:?}"
    );
    // Outside the window, a take-over is a first one again.
    let mut t = tracker(Role::Consumer, true, true);
    assert!(t
        .take(closed(Some(Disconnect::TakenOver), retry), unasked)
        .is_ok());
    t.taken_over_at = Instant::now().checked_sub(TAKEOVER_WINDOW + Duration::from_secs(1));
    assert!(t.take(reconnected(true), unasked).is_ok());
    assert!(t
        .take(closed(Some(Disconnect::TakenOver), retry), unasked)
        .is_ok());
}

#[test]
fn a_close_while_subscribing_is_no_take_over() {
    let retry = Some(Duration::from_secs(1));
    let mut t = tracker(Role::Consumer, true, true);
    t.subscribing("jobs".into());
    t.subscribed();
    assert!(t.take(closed(None, retry), unasked).is_ok());
    assert!(t.take(reconnected(true), unasked).is_ok());
    t.subscribing("jobs".into());
    t.subscribed();
    assert!(
        t.take(closed(None, retry), unasked).is_ok(),
        "not probed, not counted"
    );
    assert_eq!(t.taken_over_at, None);
}

#[test]
fn a_producer_stops_when_the_broker_lost_its_session() {
    let retry = Some(Duration::from_secs(1));
    let mut t = tracker(Role::Producer, false, true);
    for _ in 0..5 {
        t.published();
    }
    assert!(t.take(LinkEvent::Completed(3), unasked).is_ok());
    assert!(t.take(closed(None, retry), unasked).is_ok());
    assert_eq!(t.resends(), (0, 2), "two in flight may arrive twice");
    let e = t.take(reconnected(false), unasked);
    assert!(
        matches!(
            e,
            Err(QueueError::SessionLost {
                in_flight: 2,
                acknowledged: 3,
                ..
            })
        ),
        "{e:?}"
    );
    // A resumed session goes on, on the broker it reconnected to.
    let mut t = tracker(Role::Producer, false, true);
    t.published();
    assert!(t.take(reconnected(true), unasked).is_ok());
    assert_eq!(t.broker().host, "b");
    assert_eq!(t.resends().0, 1);
}

#[test]
fn a_redelivery_is_dropped_on_its_connection_and_kept_after_a_reconnect() {
    let mut t = tracker(Role::Inspector, true, true);
    assert!(delivered(&mut t, delivery(7, false)));
    assert!(!delivered(&mut t, delivery(7, true)), "sent again: dropped");
    assert_eq!((t.unacked(), t.redelivered()), (1, 1));
    // The same id without DUP is another message (the id was reused).
    assert!(delivered(&mut t, delivery(7, false)));
    // After a reconnect the broker redelivers what was not acknowledged: new again.
    assert!(t.take(reconnected(true), unasked).is_ok());
    assert_eq!(t.unacked(), 0);
    assert!(delivered(&mut t, delivery(7, true)));
    // An acknowledged id is forgotten, and its acknowledgement awaits its writing.
    t.acked(&delivery(7, true));
    assert_eq!((t.unacked(), t.acks_unsent()), (0, 1));
    assert!(t.take(LinkEvent::AcksSent(1), unasked).is_ok());
    assert_eq!(t.acks_unsent(), 0);
}

#[test]
fn retained_messages_are_skipped_as_asked() {
    let mut retained = delivery(1, false);
    retained.retain = true;
    let mut t = tracker(Role::Consumer, true, false);
    t.set_retained(Retained::Skip);
    let a = t.take(LinkEvent::Message(retained.clone()), unasked);
    assert!(matches!(a, Ok(Answer::Nothing)), "{a:?}");
    t.set_retained(Retained::SkipAndAck);
    let a = t.take(LinkEvent::Message(retained), unasked);
    assert!(matches!(a, Ok(Answer::Skipped(_))), "{a:?}");
}

#[test]
fn a_lost_session_forgets_the_subscription_and_its_subacks() {
    let mut t = tracker(Role::Consumer, true, true);
    t.subscribing("jobs".into());
    t.subscribed();
    assert!(t.suback_due().is_some());
    assert!(t.take(reconnected(true), unasked).is_ok());
    assert!(t.is_subscribed(), "the resumed session holds it");
    assert_eq!(t.suback_due(), None, "the old connection's SUBACK is void");
    assert!(t.take(reconnected(false), unasked).is_ok());
    assert!(!t.is_subscribed(), "a new session has none");
    // A refused filter is named.
    t.subscribing("a/#".into());
    t.subscribed();
    let e = t.take(LinkEvent::SubAck(vec![false]), unasked);
    assert!(
        matches!(&e, Err(QueueError::SubscribeRefused { topic, .. }) if topic == "a/#"),
        "{e:?}"
    );
}
