//! A message's MQTT 5 properties, as mqq names them: what `send` attaches and a delivery
//! carries. MQTT 3.1.1 has none, and its codec leaves them empty.

use std::time::Duration;

use bytes::Bytes;

/// MQTT 5 properties of a message, ours rather than the library's. MQTT 3.1.1 carries none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    /// User properties, in order; a key may repeat.
    pub user: Vec<(String, String)>,
    /// Content Type.
    pub content_type: Option<String>,
    /// Message Expiry Interval (whole seconds on the wire).
    pub expiry: Option<Duration>,
    /// Response Topic.
    pub response_topic: Option<String>,
    /// Correlation Data.
    pub correlation_data: Option<Bytes>,
}

impl Properties {
    /// True when no property is set.
    pub fn is_empty(&self) -> bool {
        self == &Properties::default()
    }
}
