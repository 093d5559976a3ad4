//! The edge's error policy (docs/DESIGN.md §5), in one place: which exit code an error means,
//! and the hint that tells the user what to do — naming flags, environment variables and
//! config keys, which the core's errors never do. `main` prints `mqq: error: {error}; {hint}`.

use std::process::ExitCode;

use crate::config::{ConfigError, Source};
use crate::output::{Diag, StdoutError};
use crate::queue::{
    AuthReason, ConnectCause, QueueError, TlsProblem, TlsSetupProblem, TopicProblem,
};

/// The exit codes, the contract of README and `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 0: success.
    Ok = 0,
    /// 1: nothing, or less than asked; messages not acknowledged; output failed.
    Shortfall = 1,
    /// 2: usage or config error.
    Usage = 2,
    /// 3: could not connect, or the connection was lost.
    Connect = 3,
    /// 4: the broker refused the credentials or the client.
    Auth = 4,
    /// 5: the broker refused an operation, or the session was taken over.
    Refused = 5,
}

impl From<Code> for ExitCode {
    fn from(c: Code) -> ExitCode {
        ExitCode::from(c as u8)
    }
}

/// A usage error found at the edge (flags that make no sense together, missing input):
/// its text may name flags. Exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Context of a refusal of one of `mqq check`'s probes: they run on topics of check's own
/// (under `mqq/check/RUN`, or under `-t`), which an ACL may not allow; the hint says how to
/// move them. See [`in_check_probes`].
#[derive(Debug, thiserror::Error)]
#[error("mqq check probes under {0}")]
pub struct CheckProbes(pub String);

/// `err` of a check whose probes ran under `base`: with [`CheckProbes`] around it when it is
/// the broker's refusal of a topic (a SUBACK or PUBACK's reason code), else as it is.
pub fn in_check_probes(err: anyhow::Error, base: &str) -> anyhow::Error {
    let refusal = |e: &QueueError| {
        matches!(
            e,
            QueueError::SubscribeRefused { .. } | QueueError::PublishRefused { .. }
        )
    };
    let topic_refused = err.chain().any(|c| match c.downcast_ref::<QueueError>() {
        Some(QueueError::Unacknowledged {
            cause: Some(cause), ..
        }) => refusal(cause),
        Some(e) => refusal(e),
        None => false,
    });
    if topic_refused {
        err.context(CheckProbes(base.to_string()))
    } else {
        err
    }
}

/// The exit code of an error that ended a command.
pub fn code(err: &anyhow::Error) -> Code {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<QueueError>() {
            return queue_code(e);
        }
        if cause.is::<ConfigError>() || cause.is::<UsageError>() {
            return Code::Usage;
        }
        if let Some(e) = cause.downcast_ref::<StdoutError>() {
            return if e.is_closed_pipe() {
                Code::Ok
            } else {
                Code::Shortfall
            };
        }
    }
    Code::Shortfall
}

fn queue_code(e: &QueueError) -> Code {
    match e {
        // The code of the last node's error (all of a cluster's fail alike, as a rule).
        QueueError::NoneAccepted { tried } => {
            tried.last().map_or(Code::Connect, |(_, e)| queue_code(e))
        }
        QueueError::NoTopic
        | QueueError::BadTopic { .. }
        | QueueError::NotDurable { .. }
        | QueueError::Unsupported { .. }
        | QueueError::TlsSetup { .. }
        | QueueError::BadIdentity { .. } => Code::Usage,
        QueueError::Connect { .. }
        | QueueError::Lost { .. }
        | QueueError::Closed { .. }
        | QueueError::NoAck { .. }
        // A broker that takes a subscription and never answers is at fault, as one that
        // never answers CONNECT is; a refusal (exit 5) says so in its SUBACK.
        | QueueError::SubscribeTimeout { .. }
        | QueueError::SessionLost { .. } => Code::Connect,
        QueueError::Auth { .. } => Code::Auth,
        QueueError::Unacknowledged {
            cause: Some(cause), ..
        } if matches!(**cause, QueueError::PublishRefused { .. }) => Code::Refused,
        QueueError::SubscribeRefused { .. }
        | QueueError::PublishRefused { .. }
        | QueueError::TakenOver { .. }
        | QueueError::HeldElsewhere { .. }
        | QueueError::Qos2Unsupported { .. } => Code::Refused,
        QueueError::TooLarge { .. } | QueueError::Unacknowledged { .. } => Code::Shortfall,
    }
}

/// What to do about an error, naming the flags; `None` when the message says it all.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    // A context's type is anyhow's own in the chain: asked of the error itself.
    if err.downcast_ref::<CheckProbes>().is_some() {
        return Some(
            "give check a topic this user may publish and subscribe to with -t (it probes \
             under TOPIC/RUN), or change the broker's ACL"
                .into(),
        );
    }
    err.chain().find_map(|cause| {
        if let Some(e) = cause.downcast_ref::<QueueError>() {
            return queue_hint(e);
        }
        cause.downcast_ref::<ConfigError>().and_then(config_hint)
    })
}

fn queue_hint(e: &QueueError) -> Option<String> {
    let text = match e {
        QueueError::NoneAccepted { tried } => return queue_hint(&tried.last()?.1),
        QueueError::NoTopic
        | QueueError::BadTopic {
            problem: TopicProblem::Empty,
            ..
        } => "give one with -t TOPIC, MQQ_TOPIC, `topic:` in the config or a queue name",
        QueueError::BadTopic {
            problem: TopicProblem::WildcardInPublish,
            ..
        } => "give a concrete topic with -t",
        QueueError::BadTopic {
            problem: TopicProblem::BadGroup,
            ..
        } => "give --group a single level, like workers",
        QueueError::BadTopic { .. } => "fix the topic given with -t",
        QueueError::NotDurable { .. } => "give the queue's client id with -i",
        QueueError::Unsupported { .. } => "use mqtt:// or mqtts://",
        QueueError::TlsSetup { problem, .. } => return tls_setup_hint(problem),
        QueueError::Connect {
            cause: ConnectCause::Tls(problem),
            ..
        } => return tls_hint(problem),
        QueueError::Connect { cause, .. } => match cause {
            ConnectCause::Refused => {
                "is a broker listening there? Point mqq at it with -L URI, or -h HOST -p PORT"
            }
            ConnectCause::TlsPort => "use mqtts:// (or add --tls) for this port",
            ConnectCause::NotMqtt | ConnectCause::NotConnAck(_) => {
                "check the port: MQTT is usually 1883 (8883 with TLS)"
            }
            ConnectCause::NotWebSocket => {
                "check the port; for a plain MQTT port use mqtt:// (RabbitMQ serves WebSockets on \
                 15675, path /ws)"
            }
            ConnectCause::HttpStatus(_) => {
                "check the path of the URI (default /mqtt; RabbitMQ uses /ws)"
            }
            ConnectCause::ClosedAtConnect => "use -V 3.1.1, or -V auto to fall back",
            ConnectCause::Timeout(_) => {
                // The bound is the verb's -W where it was shorter (`cmd`), else the option.
                "check the address, or allow more time: -W, or --set options.connect_timeout=MS"
            }
            _ => return None,
        },
        QueueError::Auth { reason, .. } => return auth_hint(*reason),
        QueueError::BadIdentity { what: "client id", .. } => {
            "give a client id of printable characters with -i (at most 23 for the strictest brokers)"
        }
        QueueError::BadIdentity { .. } => "give a user name of printable characters with -u",
        QueueError::Qos2Unsupported { .. } => "send with -q 1",
        QueueError::SessionLost { .. } => {
            "send again from the session's first message (for send -l, the line above says \
             which); the consumer may see some twice"
        }
        QueueError::TooLarge { .. } => {
            "send smaller messages (--raw drops the envelope, whose base64 adds a third), or \
             raise the broker's limit (mosquitto: max_packet_size)"
        }
        // A send that fell short: what to do is what its cause calls for.
        QueueError::Unacknowledged {
            cause: Some(cause), ..
        } => return queue_hint(cause),
        QueueError::HeldElsewhere { .. } => {
            "stop the other consumer, or give each consumer its own client id with -i"
        }
        QueueError::SubscribeRefused { .. } | QueueError::PublishRefused { .. } => {
            "check the broker's ACL for this user"
        }
        QueueError::Unacknowledged { .. }
        | QueueError::SubscribeTimeout { .. }
        | QueueError::TakenOver { .. }
        | QueueError::Lost { .. }
        | QueueError::Closed { .. }
        | QueueError::NoAck { .. } => return None,
    };
    Some(text.to_string())
}

/// What to do about a refusal of the connection (exit 4).
fn auth_hint(reason: AuthReason) -> Option<String> {
    let text = match reason {
        AuthReason::ClosedWithCredentials { v311_asked: true } => {
            "check -u and the password (-P, --password-file or MQQ_PASSWORD); for a broker \
             of MQTT 5 only, use -V 5"
        }
        AuthReason::ClosedWithoutCredentials { v311_asked: true } => {
            "give a user name with -u and the password with -P, --password-file or \
             MQQ_PASSWORD; for a broker of MQTT 5 only, use -V 5"
        }
        AuthReason::BadCredentials | AuthReason::ClosedWithCredentials { .. } => {
            "check -u and the password (-P, --password-file or MQQ_PASSWORD)"
        }
        AuthReason::ClosedWithoutCredentials { .. } => {
            "give a user name with -u and the password with -P, --password-file or \
             MQQ_PASSWORD"
        }
        AuthReason::NotAuthorized => "check the credentials and the broker's ACL",
        AuthReason::BadClientId => "choose another client id with -i",
        AuthReason::ProtocolVersion("5") => {
            "the broker does not speak MQTT 5: use -V 3.1.1, or -V auto to fall back"
        }
        AuthReason::ProtocolVersion(_) | AuthReason::Refused(..) => return None,
    };
    Some(text.to_string())
}

fn tls_setup_hint(p: &TlsSetupProblem) -> Option<String> {
    let text = match p {
        TlsSetupProblem::Unreadable(_) => "give a readable file to --cafile, --capath, --cert or --key",
        TlsSetupProblem::NotPem(_) | TlsSetupProblem::NoCertificate => {
            "give a PEM file (-----BEGIN CERTIFICATE-----); convert DER with `openssl x509 -inform der`"
        }
        TlsSetupProblem::NoKey => {
            "give a PEM private key (-----BEGIN PRIVATE KEY-----, RSA or EC) to --key"
        }
        TlsSetupProblem::EncryptedKey => {
            "mqq reads unencrypted keys only: decrypt a copy with `openssl pkey -in KEY -out PLAIN`,              readable by you alone"
        }
        TlsSetupProblem::KeyMismatch(_) => "give --key the private key that belongs to --cert",
        TlsSetupProblem::CertWithoutKey => "give the certificate's private key with --key",
        TlsSetupProblem::KeyWithoutCert => "give the client certificate with --cert",
        TlsSetupProblem::BadServerName(_) => "give --tls-server-name a host name like broker.example.com",
        TlsSetupProblem::NoSystemRoots => {
            "install the system's CA certificates (ca-certificates), or give the broker's CA with --cafile"
        }
        TlsSetupProblem::NoCertificatesInDir
        | TlsSetupProblem::UnusableCertificate(_)
        | TlsSetupProblem::BadCertificate(_)
        | TlsSetupProblem::Other(_) => return None,
    };
    Some(text.to_string())
}

fn tls_hint(p: &TlsProblem) -> Option<String> {
    Some(match p {
        TlsProblem::UnknownIssuer { own_ca: false } => {
            "give the CA that signed it with --cafile FILE (or --capath DIR); --insecure skips the              check (testing only)"
                .into()
        }
        TlsProblem::UnknownIssuer { own_ca: true } => {
            "give --cafile the CA that signed the broker's certificate".into()
        }
        TlsProblem::NameMismatch { presented, .. } if !presented.is_empty() => format!(
            "connect to {} instead, or name it with --tls-server-name {}",
            presented[0], presented[0]
        ),
        TlsProblem::NameMismatch { .. } => {
            "connect by the name the certificate carries, or give it with --tls-server-name".into()
        }
        TlsProblem::Expired | TlsProblem::NotYetValid | TlsProblem::Revoked => {
            "the broker needs a valid certificate; --insecure skips the check (testing only)".into()
        }
        TlsProblem::ClientCertRequired => {
            "give a client certificate with --cert FILE and its key with --key FILE".into()
        }
        TlsProblem::ClientCertRejected(_) => {
            "check that --cert is signed by a CA the broker trusts and has not expired".into()
        }
        TlsProblem::NotTls => "use mqtt:// (or ws://) for a plain port; TLS is usually on 8883".into(),
        TlsProblem::Other(_) => return None,
    })
}

fn config_hint(e: &ConfigError) -> Option<String> {
    match e {
        ConfigError::ConfigFile { via, .. } | ConfigError::PasswordFile { via, .. } => {
            Some(format!("give a readable file to {via}"))
        }
        ConfigError::QueueNotChosen { .. } => Some("choose one with --queue or MQQ_QUEUE".into()),
        ConfigError::BadHost {
            origin: Source::Flag(_) | Source::Env(_),
            value,
            ..
        } if value.contains(':') && !value.contains("://") => Some(
            "give the port with -p (MQQ_PORT), or the whole address with -L mqtt://HOST:PORT"
                .into(),
        ),
        _ => None,
    }
}

/// Reports an error that ended a command and returns its exit code. A closed stdout is
/// not an error: nothing is printed and the code is 0.
pub fn report(err: &anyhow::Error, diag: &Diag) -> ExitCode {
    let code = code(err);
    if code != Code::Ok {
        let mut text = format!("{err:#}");
        if let Some(h) = hint(err) {
            text.push_str("; ");
            text.push_str(&h);
        }
        diag.error(&text);
    }
    code.into()
}
