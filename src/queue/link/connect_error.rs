//! What a failed first connection means, as the core's typed errors: the transport's and
//! TLS's own failures, a CONNACK's refusal, a close at CONNECT, or a server of another
//! protocol; per MQTT version, since an MQTT 5 attempt that shows the broker does not speak
//! it is no error yet ([`Rejected`]: `auto` tries MQTT 3.1.1 next).

use super::codec::Refusal;
use super::handshake::Failed;
use super::options::LinkOptions;
use super::transport;
use crate::config::{BrokerAddr, ProtocolVersion};
use crate::queue::error::{AuthReason, ConnectCause, QueueError};

/// A connect attempt that showed the broker does not speak MQTT 5: `auto` tries MQTT 3.1.1
/// next; with `-V 5` the error stands.
pub(super) struct Rejected(pub(super) QueueError);

fn refused(addr: &BrokerAddr, opts: &LinkOptions, reason: AuthReason) -> QueueError {
    QueueError::Auth {
        broker: addr.uri(),
        client_id: opts.client_id.clone(),
        reason,
    }
}

fn connect(addr: &BrokerAddr, cause: ConnectCause) -> QueueError {
    QueueError::Connect {
        broker: addr.uri(),
        cause,
    }
}

/// A refusal in a CONNACK (either version; `version` names the one refused).
fn refusal(addr: &BrokerAddr, opts: &LinkOptions, r: Refusal, version: &'static str) -> QueueError {
    match r {
        Refusal::ProtocolVersion | Refusal::V311Answer => {
            refused(addr, opts, AuthReason::ProtocolVersion(version))
        }
        Refusal::BadCredentials => refused(addr, opts, AuthReason::BadCredentials),
        Refusal::NotAuthorized => refused(addr, opts, AuthReason::NotAuthorized),
        Refusal::BadClientId => refused(addr, opts, AuthReason::BadClientId),
        Refusal::Unavailable => connect(addr, ConnectCause::Unavailable),
        Refusal::Other(code, name) => refused(addr, opts, AuthReason::Refused(code, name)),
    }
}

/// What a failure before any MQTT answer means: the transport's own errors, a TLS
/// problem, or a plain connection to a TLS port.
fn transport_cause(addr: &BrokerAddr, opts: &LinkOptions, e: &Failed) -> Option<ConnectCause> {
    if let Failed::Open(o) = e {
        return Some(o.cause(&opts.tls));
    }
    if addr.is_tls() {
        if let Some(p) = e.io().and_then(|io| transport::classify(io, &opts.tls)) {
            return Some(ConnectCause::Tls(p));
        }
    }
    None
}

/// A failed MQTT 3.1.1 connect.
pub(super) async fn v311(addr: &BrokerAddr, opts: &LinkOptions, e: &Failed) -> QueueError {
    if let Some(cause) = transport_cause(addr, opts, e) {
        return connect(addr, cause);
    }
    match e {
        Failed::Refused(r) => refusal(addr, opts, *r, "3.1.1"),
        // A server of another protocol (an HTTP server's "HTTP/1.1 400" reads as a PUBACK).
        Failed::NotConnAck(_) | Failed::Decode(_) if !addr.is_tls() => connect(
            addr,
            if transport::speaks_tls(addr).await {
                ConnectCause::TlsPort
            } else {
                ConnectCause::NotMqtt
            },
        ),
        // A plain MQTT client on a TLS port: the broker closes or answers with an alert.
        e if e.is_close() && !addr.is_tls() && transport::speaks_tls(addr).await => {
            connect(addr, ConnectCause::TlsPort)
        }
        // Some brokers (rumqttd) close the socket instead of answering CONNECT with a
        // refusal when credentials are wrong, or missing.
        e if e.is_close() => {
            let v311_asked = opts.version == ProtocolVersion::V311;
            refused(
                addr,
                opts,
                if opts.credential.is_some() {
                    AuthReason::ClosedWithCredentials { v311_asked }
                } else {
                    AuthReason::ClosedWithoutCredentials { v311_asked }
                },
            )
        }
        other => connect(addr, ConnectCause::Other(other.to_string())),
    }
}

/// A failed MQTT 5 connect; `Err(Rejected)` when it shows the broker does not speak
/// MQTT 5: a refusal of the protocol version, a CONNACK the MQTT 5 decoder cannot read,
/// or a close right after CONNECT (with or without credentials: a refusal of them is a
/// CONNACK with a reason code, and the MQTT 3.1.1 attempt that follows tells them apart).
pub(super) async fn v5(
    addr: &BrokerAddr,
    opts: &LinkOptions,
    e: &Failed,
) -> Result<QueueError, Rejected> {
    if let Some(cause) = transport_cause(addr, opts, e) {
        return Ok(connect(addr, cause));
    }
    Ok(match e {
        // A 3.1.1 broker's answer (NATS 2.9: a 3.1.1 CONNACK, then a close): as a close.
        Failed::Refused(Refusal::V311Answer) => {
            return Err(Rejected(connect(addr, ConnectCause::ClosedAtConnect)))
        }
        Failed::Refused(Refusal::ProtocolVersion) | Failed::Decode(_) => {
            return Err(Rejected(refused(
                addr,
                opts,
                AuthReason::ProtocolVersion("5"),
            )))
        }
        Failed::Refused(r) => refusal(addr, opts, *r, "5"),
        Failed::NotConnAck(_) if !addr.is_tls() => connect(
            addr,
            if transport::speaks_tls(addr).await {
                ConnectCause::TlsPort
            } else {
                ConnectCause::NotMqtt
            },
        ),
        e if e.is_close() => return Err(Rejected(connect(addr, ConnectCause::ClosedAtConnect))),
        other => connect(addr, ConnectCause::Other(other.to_string())),
    })
}
