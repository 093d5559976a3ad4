//! The pip-services `MessageEnvelope` wire codec (see docs/WIRE.md §2–§6).
//!
//! `encode` writes the one strict shape every pip-services reader accepts (all five keys, padded
//! base64, RFC3339 UTC milliseconds); `decode` accepts what every port actually sends and turns
//! anything that is not an envelope into `None`, so the caller delivers it as a raw message.
//! The model and its ids are `model.rs`, the writer `encode.rs`, the reader `decode.rs`; the
//! slower serde forms both are held to, `reference.rs`, exist only in tests.

mod decode;
mod encode;
mod model;
#[cfg(test)]
pub(crate) mod reference;
#[cfg(test)]
mod tests;

pub use decode::decode;
pub use encode::{encode, encode_into, EncodeBuf, MessageId, Outgoing};
pub use model::{new_message_id, Envelope, EnvelopeVersion};
