//! What a broker says of itself in its MQTT 5 CONNACK (MQTT 5 §3.2.2.3): the limits mqq
//! honours (Receive Maximum, Maximum Packet Size) and the features `check` reports. MQTT
//! 3.1.1 says none of it: every field is `None`, "not said".

/// The broker's limits and features as its CONNACK gave them; `None`: not said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerLimits {
    /// Receive Maximum: the most QoS 1/2 publishes it takes unacknowledged at once.
    pub receive_maximum: Option<u16>,
    /// Maximum Packet Size it accepts.
    pub max_packet_size: Option<u32>,
    /// Topic Alias Maximum.
    pub topic_alias_max: Option<u16>,
    /// The session expiry it granted (seconds), when it differs from the one asked for.
    pub session_expiry: Option<u32>,
    /// Retain Available.
    pub retain_available: Option<bool>,
    /// Wildcard Subscription Available.
    pub wildcard_available: Option<bool>,
    /// Shared Subscription Available.
    pub shared_available: Option<bool>,
    /// Maximum QoS.
    pub max_qos: Option<u8>,
    /// Server Keep Alive: the keepalive the broker imposes instead of the one asked for.
    pub server_keep_alive: Option<u16>,
}
