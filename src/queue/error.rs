//! Typed errors of the queue core: data (broker, client id, topic, cause), one line each,
//! never a secret and never a flag name. `crate::error` turns them into exit codes and hints.
//! A leaf: the link, the topic checks and the core all build their errors from here.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;

/// What can go wrong in the queue core.
#[derive(Debug, Error)]
pub enum QueueError {
    /// No topic was configured.
    #[error("no topic")]
    NoTopic,
    /// The topic or topic filter breaks MQTT's rules.
    #[error("topic \"{}\": {problem}", topic.escape_debug())]
    BadTopic {
        /// The topic as given.
        topic: String,
        /// What is wrong with it.
        problem: TopicProblem,
    },
    /// A client id or user name MQTT cannot carry.
    #[error("{what} \"{shown}\": {problem}")]
    BadIdentity {
        /// `client id` or `user name`.
        what: &'static str,
        /// The value, escaped and shortened.
        shown: String,
        /// What is wrong.
        problem: IdentityProblem,
    },
    /// The broker closed the connection at the first QoS 2 publish: it lacks QoS 2.
    #[error(
        "{broker} closed the connection at the first QoS 2 publish: it most likely does not \
         support QoS 2 (NATS does not)"
    )]
    Qos2Unsupported {
        /// The broker URI.
        broker: String,
    },
    /// An operation that needs a durable queue (a client id) on an ephemeral one.
    #[error("{action} needs a durable queue (a client id); an ephemeral queue keeps nothing at the broker")]
    NotDurable {
        /// The operation, e.g. `clear`.
        action: &'static str,
    },
    /// The address asks for something this build cannot speak.
    #[error("{broker}: {what} is not supported by this build yet")]
    Unsupported {
        /// The broker URI (no credentials).
        broker: String,
        /// What is missing, e.g. `WebSocket transport`.
        what: &'static str,
    },
    /// The TLS settings cannot be used: a file is missing, unreadable or wrong.
    #[error("{}{problem}", path.as_ref().map_or_else(String::new, |p| format!("{}: ", p.display())))]
    TlsSetup {
        /// The file or directory at fault, if one is.
        path: Option<PathBuf>,
        /// What is wrong.
        problem: TlsSetupProblem,
    },
    /// None of several addresses (the nodes of a cluster) accepted the connection: each
    /// address with why, in the order tried.
    #[error("none of {} addresses accepted: {}", .tried.len(), tried_list(.tried))]
    NoneAccepted {
        /// Each address tried (no credentials) and its error.
        tried: Vec<(String, QueueError)>,
    },
    /// Could not reach or talk to the broker (network, DNS, TLS, timeout).
    #[error("could not connect to {broker}: {cause}")]
    Connect {
        /// The broker URI (no credentials).
        broker: String,
        /// Why.
        cause: ConnectCause,
    },
    /// The broker refused the credentials or the client at CONNECT.
    #[error("{broker} {reason}")]
    Auth {
        /// The broker URI (no credentials).
        broker: String,
        /// The client id presented.
        client_id: String,
        /// What the broker said.
        reason: AuthReason,
    },
    /// The broker refused a subscription.
    #[error("{broker} refused the subscription to \"{topic}\"")]
    SubscribeRefused {
        /// The broker URI.
        broker: String,
        /// The topic filter.
        topic: String,
    },
    /// The broker refused a publish (MQTT 5 PUBACK/PUBREC reason code).
    #[error("{broker} refused the message to \"{topic}\": {reason} (0x{code:02X})")]
    PublishRefused {
        /// The broker URI.
        broker: String,
        /// The topic published to.
        topic: String,
        /// The reason code.
        code: u8,
        /// Its name, e.g. `not authorized`.
        reason: String,
    },
    /// The broker did not answer a subscription in time.
    #[error("{broker} did not answer the subscription to \"{topic}\" within {}", human(*after))]
    SubscribeTimeout {
        /// The broker URI.
        broker: String,
        /// The topic filter.
        topic: String,
        /// How long mqq waited.
        after: Duration,
    },
    /// The broker closed a durable session's connection, most likely because another client
    /// with the same client id connected.
    #[error(
        "{broker} closed the connection of client id \"{client_id}\": another client with the \
         same client id (a running consumer, or mqq peek/count) probably took over the session; \
         unacknowledged messages stay queued"
    )]
    TakenOver {
        /// The broker URI.
        broker: String,
        /// The session's client id.
        client_id: String,
    },
    /// A durable session was taken over twice within a short time: another consumer holds
    /// the client id.
    #[error(
        "{broker} closed the connection of client id \"{client_id}\" twice within {}: another \
         consumer holds this client id, and reconnecting would only take the session back from \
         it; unacknowledged messages stay queued",
        human(*within)
    )]
    HeldElsewhere {
        /// The broker URI.
        broker: String,
        /// The session's client id.
        client_id: String,
        /// The window of the two take-overs.
        within: Duration,
    },
    /// The broker came back without the producer's session: it lost its state, so what it
    /// acknowledged in that session may be gone with it, and what was in flight is.
    #[error(
        "{broker} came back without this sender's session (restarted without persistence, or \
         from a save older than the session): the {acknowledged} message{} it acknowledged in \
         that session may be lost with it, and {in_flight} in flight",
        if *acknowledged == 1 { "" } else { "s" }
    )]
    SessionLost {
        /// The broker URI.
        broker: String,
        /// Publishes that were awaiting their acknowledgement.
        in_flight: u64,
        /// Publishes the broker had acknowledged in the lost session.
        acknowledged: u64,
    },
    /// A message was larger than the broker accepts.
    #[error(
        "{broker} accepts packets of at most {max} bytes; this message needs {size} (envelope \
         included)"
    )]
    TooLarge {
        /// The broker URI.
        broker: String,
        /// The packet size.
        size: u64,
        /// The broker's maximum.
        max: u64,
    },
    /// The connection broke after it was established.
    #[error("connection to {broker} lost: {cause}")]
    Lost {
        /// The broker URI.
        broker: String,
        /// What the transport or protocol layer said.
        cause: String,
    },
    /// The connection closed (the link task ended).
    #[error("the connection to {broker} closed")]
    Closed {
        /// The broker URI.
        broker: String,
    },
    /// No acknowledgement arrived for a while although publishes were outstanding.
    #[error("{broker} gave no acknowledgement for {}", human(*after))]
    NoAck {
        /// The broker URI.
        broker: String,
        /// The stall limit that passed.
        after: Duration,
    },
    /// Some published messages were never acknowledged.
    #[error(
        "{failed} of {published} message{} not acknowledged{}",
        if *published == 1 { "" } else { "s" },
        cause.as_ref().map_or_else(String::new, |c| format!(": {c}"))
    )]
    Unacknowledged {
        /// Messages handed to the broker and not acknowledged.
        failed: u64,
        /// Messages handed to the broker.
        published: u64,
        /// Why, when known.
        cause: Option<Box<QueueError>>,
    },
}

/// What is wrong with a topic (MQTT 3.1.1 §4.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicProblem {
    /// Zero length.
    Empty,
    /// Contains U+0000.
    Nul,
    /// Contains a control character (U+0001–U+001F, U+007F–U+009F) or a noncharacter
    /// (U+FFFF, …), which MQTT says a string should not hold and brokers drop the connection
    /// for.
    Control(char),
    /// Longer than MQTT's 65,535 bytes.
    TooLong(usize),
    /// A wildcard in a topic that is published to.
    WildcardInPublish,
    /// `+` not filling a whole level, or `#` not last.
    BadFilter,
    /// A `--group` name that cannot be a shared-subscription level.
    BadGroup,
    /// Several topics given to a verb that publishes to one.
    Several(usize),
}

impl fmt::Display for TopicProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicProblem::Empty => f.write_str("it is empty"),
            TopicProblem::Nul => f.write_str("it contains a NUL character"),
            TopicProblem::Control(c) => write!(
                f,
                "it contains U+{:04X}, a control character or noncharacter MQTT topics must not \
                 hold",
                u32::from(*c)
            ),
            TopicProblem::TooLong(n) => {
                write!(f, "it is {n} bytes long; MQTT allows at most 65535")
            }
            TopicProblem::WildcardInPublish => f.write_str(
                "it has a wildcard (+ or #): messages can only be sent to a concrete topic",
            ),
            TopicProblem::BadGroup => f.write_str(
                "the --group name must be one topic level: no /, + or #, no control \
                     characters, and not empty",
            ),
            TopicProblem::Several(n) => write!(
                f,
                "{n} topics given: messages are sent to one topic (several -t are for the \
                 receiving verbs)"
            ),
            TopicProblem::BadFilter => f.write_str(
                "not a valid filter: '+' must fill a whole level and '#' must be the last level \
                 (e.g. a/+/c or a/#)",
            ),
        }
    }
}

/// What is wrong with a client id or user name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityProblem {
    /// Longer than MQTT's 65,535 bytes.
    TooLong(usize),
    /// Holds a control character.
    Control(char),
    /// Empty while a password is given: MQTT 3.1.1 carries a password only with a user name.
    EmptyWithPassword,
}

impl fmt::Display for IdentityProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdentityProblem::TooLong(n) => {
                write!(f, "it is {n} bytes long; MQTT allows at most 65535")
            }
            IdentityProblem::EmptyWithPassword => f.write_str(
                "none is given but a password is: MQTT 3.1.1 sends a password only with a user name",
            ),
            IdentityProblem::Control(c) => write!(
                f,
                "it contains the control character U+{:04X}, which brokers refuse",
                u32::from(*c)
            ),
        }
    }
}

/// Why a connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectCause {
    /// TCP connection refused: nothing listens there.
    Refused,
    /// No CONNACK within the connect timeout.
    Timeout(Duration),
    /// The broker answered CONNECT with "service unavailable".
    Unavailable,
    /// The TLS handshake failed.
    Tls(TlsProblem),
    /// A plain MQTT connection to a port that speaks TLS.
    TlsPort,
    /// The port did not answer the WebSocket upgrade (a plain MQTT port, most likely).
    NotWebSocket,
    /// The WebSocket upgrade was answered with this HTTP status (a wrong path, most likely).
    HttpStatus(u16),
    /// The broker closed the connection right after an MQTT 5 CONNECT, without CONNACK.
    ClosedAtConnect,
    /// The first packet was not a CONNACK.
    NotConnAck(String),
    /// The answer to CONNECT was not MQTT at all.
    NotMqtt,
    /// Any other network or protocol error.
    Other(String),
}

/// `A (why); B (why)`: a connect error's cause alone, any other error in full.
fn tried_list(tried: &[(String, QueueError)]) -> String {
    tried
        .iter()
        .map(|(addr, e)| match e {
            QueueError::Connect { cause, .. } => format!("{addr} ({cause})"),
            other => format!("{addr} ({other})"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl fmt::Display for ConnectCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectCause::Refused => f.write_str("connection refused"),
            ConnectCause::Timeout(d) => write!(f, "no answer within {}", human(*d)),
            ConnectCause::Unavailable => f.write_str("the broker says the service is unavailable"),
            ConnectCause::Tls(p) => write!(f, "{p}"),
            ConnectCause::NotWebSocket => f.write_str(
                "the broker did not answer the WebSocket upgrade: this port does not serve MQTT \
                 over WebSockets",
            ),
            ConnectCause::HttpStatus(code) => {
                write!(f, "the WebSocket upgrade was answered with HTTP {code}")
            }
            ConnectCause::TlsPort => {
                f.write_str("the broker closed the plain MQTT connection: this port speaks TLS")
            }
            ConnectCause::ClosedAtConnect => f.write_str(
                "the broker closed the connection at the MQTT 5 CONNECT: it may not speak MQTT 5",
            ),
            ConnectCause::NotConnAck(p) => write!(f, "expected CONNACK, got {p}"),
            ConnectCause::NotMqtt => f.write_str(
                "the server answered CONNECT with something that is not MQTT: not an MQTT \
                 broker, or another protocol on this port",
            ),
            ConnectCause::Other(e) => f.write_str(e),
        }
    }
}

/// Why the TLS settings cannot be used (before any connection).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSetupProblem {
    /// The file or directory cannot be read.
    Unreadable(String),
    /// The file is not PEM.
    NotPem(String),
    /// The file holds no certificate.
    NoCertificate,
    /// A CA certificate could not be used as a trust anchor.
    BadCertificate(String),
    /// The client certificate cannot be used (e.g. an X.509 v1 certificate).
    UnusableCertificate(String),
    /// The directory holds no PEM certificate.
    NoCertificatesInDir,
    /// The file holds no private key.
    NoKey,
    /// The key is encrypted (a passphrase is needed).
    EncryptedKey,
    /// The key does not belong to this certificate.
    KeyMismatch(PathBuf),
    /// A certificate without a key.
    CertWithoutKey,
    /// A key without a certificate.
    KeyWithoutCert,
    /// `--tls-server-name` is neither a DNS name nor an IP address.
    BadServerName(String),
    /// The system has no root certificates.
    NoSystemRoots,
    /// Anything else rustls said.
    Other(String),
}

impl fmt::Display for TlsSetupProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsSetupProblem::Unreadable(r) => write!(f, "cannot be read: {r}"),
            TlsSetupProblem::NotPem(r) => write!(f, "is not a PEM file ({r})"),
            TlsSetupProblem::NoCertificate => f.write_str("holds no PEM certificate"),
            TlsSetupProblem::BadCertificate(r) => {
                write!(f, "holds a certificate that cannot be trusted as a CA: {r}")
            }
            TlsSetupProblem::UnusableCertificate(r) => write!(
                f,
                "holds a certificate that cannot be used ({r}); TLS needs X.509 v3 certificates"
            ),
            TlsSetupProblem::NoCertificatesInDir => f.write_str("holds no PEM certificate file"),
            TlsSetupProblem::NoKey => f.write_str("holds no PEM private key"),
            TlsSetupProblem::EncryptedKey => f.write_str("holds an encrypted private key"),
            TlsSetupProblem::KeyMismatch(cert) => {
                write!(
                    f,
                    "is not the private key of the certificate {}",
                    cert.display()
                )
            }
            TlsSetupProblem::CertWithoutKey => {
                f.write_str("is a client certificate given without its private key")
            }
            TlsSetupProblem::KeyWithoutCert => {
                f.write_str("is a private key given without its client certificate")
            }
            TlsSetupProblem::BadServerName(n) => {
                write!(
                    f,
                    "TLS server name {n:?} is neither a DNS name nor an IP address"
                )
            }
            TlsSetupProblem::NoSystemRoots => {
                f.write_str("the system has no CA certificates to trust")
            }
            TlsSetupProblem::Other(r) => f.write_str(r),
        }
    }
}

/// Why a TLS handshake failed, as the user can act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsProblem {
    /// The certificate is not signed by a trusted CA.
    UnknownIssuer {
        /// Whether the trusted CAs were given (`--cafile`/`--capath`) or the system's.
        own_ca: bool,
    },
    /// The certificate does not carry the name mqq connected to.
    NameMismatch {
        /// The name checked.
        expected: String,
        /// The names the certificate has.
        presented: Vec<String>,
    },
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotYetValid,
    /// The certificate was revoked.
    Revoked,
    /// The broker refused the handshake, most likely for want of a client certificate.
    ClientCertRequired,
    /// The broker rejected the client certificate given.
    ClientCertRejected(String),
    /// The port does not speak TLS (a plain MQTT port, most likely).
    NotTls,
    /// Anything else.
    Other(String),
}

impl fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsProblem::UnknownIssuer { own_ca: false } => {
                f.write_str("the broker's certificate is not signed by a CA this system trusts")
            }
            TlsProblem::UnknownIssuer { own_ca: true } => {
                f.write_str("the broker's certificate is not signed by the CA given")
            }
            TlsProblem::NameMismatch {
                expected,
                presented,
            } if presented.is_empty() => {
                write!(f, "the broker's certificate is not valid for {expected}")
            }
            TlsProblem::NameMismatch {
                expected,
                presented,
            } => write!(
                f,
                "the broker's certificate is for {}, not {expected}",
                presented.join(", ")
            ),
            TlsProblem::Expired => f.write_str("the broker's certificate has expired"),
            TlsProblem::NotYetValid => f.write_str("the broker's certificate is not valid yet"),
            TlsProblem::Revoked => f.write_str("the broker's certificate was revoked"),
            TlsProblem::ClientCertRequired => {
                f.write_str("the broker ended the TLS handshake: it requires a client certificate")
            }
            TlsProblem::ClientCertRejected(alert) => {
                write!(f, "the broker rejected the client certificate ({alert})")
            }
            TlsProblem::NotTls => f.write_str(
                "the broker did not answer the TLS handshake: this port does not speak TLS",
            ),
            TlsProblem::Other(e) => write!(f, "TLS failed: {e}"),
        }
    }
}

/// Why the broker refused the client at CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthReason {
    /// CONNACK "bad user name or password".
    BadCredentials,
    /// CONNACK "not authorized".
    NotAuthorized,
    /// CONNACK "identifier rejected".
    BadClientId,
    /// CONNACK "unacceptable/unsupported protocol version", for this version (`3.1.1`, `5`).
    ProtocolVersion(&'static str),
    /// Any other MQTT 5 CONNACK refusal: its reason code and name.
    Refused(u8, &'static str),
    /// The broker closed the socket at an MQTT 3.1.1 CONNECT while credentials were given
    /// (rumqttd does this instead of answering with a refusal). `v311_asked`: the user asked
    /// for MQTT 3.1.1 (`-V 3.1.1`), so the close may as well be a refusal of the version
    /// (rumqttd's MQTT 5 listener closes a 3.1.1 CONNECT).
    ClosedWithCredentials { v311_asked: bool },
    /// The broker closed the socket at an MQTT 3.1.1 CONNECT without credentials (rumqttd
    /// with a user list does: it wants some); `v311_asked` as above.
    ClosedWithoutCredentials { v311_asked: bool },
}

impl fmt::Display for AuthReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthReason::ProtocolVersion(v) => {
                return write!(f, "refused the protocol version (MQTT {v})")
            }
            AuthReason::Refused(code, name) => {
                return write!(f, "refused the connection: {name} (0x{code:02X})")
            }
            AuthReason::ClosedWithCredentials { v311_asked: true } => {
                return f.write_str(
                    "closed the connection instead of accepting it: it most likely refused the \
                     credentials, or does not speak MQTT 3.1.1",
                )
            }
            AuthReason::ClosedWithoutCredentials { v311_asked: true } => {
                return f.write_str(
                    "closed the connection instead of accepting it: it most likely requires a \
                     user name and password, or does not speak MQTT 3.1.1",
                )
            }
            _ => {}
        }
        f.write_str(match self {
            AuthReason::BadCredentials => "refused the credentials (bad user name or password)",
            AuthReason::NotAuthorized => "refused the connection: not authorized",
            AuthReason::BadClientId => "refused the client id",
            AuthReason::ClosedWithCredentials { .. } => {
                "closed the connection instead of accepting it: it most likely refused the \
                 credentials"
            }
            AuthReason::ClosedWithoutCredentials { .. } => {
                "closed the connection instead of accepting it: it most likely requires a user \
                 name and password"
            }
            AuthReason::ProtocolVersion(_) | AuthReason::Refused(..) => "",
        })
    }
}

/// A duration as people write it (`5s`, `1m 30s`).
fn human(d: Duration) -> humantime::FormattedDuration {
    humantime::format_duration(d)
}
