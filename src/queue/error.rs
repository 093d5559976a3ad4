//! Typed errors of the queue core; callers map them to exit codes (DESIGN.md §5).

use thiserror::Error;

/// What can go wrong in the queue core. Messages are one line and never hold secrets.
#[derive(Debug, Error)]
pub enum QueueError {
    /// Bad input detected by the core (invalid topic, missing topic, …): exit 2.
    #[error("{0}")]
    Usage(String),
    /// Could not reach or talk to the broker (network, DNS, TLS, timeout): exit 3.
    #[error("{0}")]
    Connect(String),
    /// The broker refused the credentials or the client id at CONNECT: exit 4.
    #[error("{0}")]
    Auth(String),
    /// The broker refused an operation (e.g. a subscription): exit 5.
    #[error("{0}")]
    Refused(String),
    /// The broker closed a durable session's connection, most likely because another
    /// client with the same client id connected: exit 5.
    #[error("{0}")]
    TakenOver(String),
    /// The connection broke after it was established: exit 3.
    #[error("{0}")]
    Lost(String),
}

impl QueueError {
    /// The documented exit code for this error (DESIGN.md §5).
    pub fn exit_code(&self) -> u8 {
        match self {
            QueueError::Usage(_) => 2,
            QueueError::Connect(_) | QueueError::Lost(_) => 3,
            QueueError::Auth(_) => 4,
            QueueError::Refused(_) | QueueError::TakenOver(_) => 5,
        }
    }
}
