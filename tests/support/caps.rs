//! What each broker of the suite does where brokers differ (docs/DESIGN.md §6), as one
//! table. Cases ask a capability (`b.speaks_v5()`, `b.window()`, `caps().shares()`) rather
//! than match a broker's kind, so a new broker is a new row here, not a branch in every case.

/// Which broker the suite runs against (`MQQ_TEST_BROKER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// rumqttd 0.20, embedded in the test process: its MQTT 3.1.1 listener.
    Rumqttd,
    /// The same rumqttd's MQTT 5 listener (`BrokerOptions::v5`): the MQTT 5 cases on a
    /// second broker besides mosquitto.
    RumqttdV5,
    /// A spawned `mosquitto` (2.0) with a temporary config.
    Mosquitto,
    /// A spawned `nats-server` (2.9) with JetStream and its MQTT listener.
    Nats,
    /// One RabbitMQ 3.10 for the whole pass, started by `tests/brokers/rabbitmq.sh` (its
    /// port in `MQQ_TEST_RABBITMQ_PORT`): one per test would cost ~14 s each.
    RabbitMq,
    /// A spawned aedes 1.2 (node; `tests/brokers/aedes`, installed there by `npm ci`).
    Aedes,
}

/// The window of unacknowledged messages a broker hands a resumed MQTT 3.1.1 session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// At most this many at once.
    Of(usize),
    /// The whole backlog at once (aedes).
    Unbounded,
    /// The broker does not speak MQTT 3.1.1 (rumqttd's MQTT 5 listener).
    NotSpoken,
}

/// What a QoS 2 publish gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qos2 {
    /// Delivered at QoS 2.
    Yes,
    /// Accepted, delivered at QoS 1 (RabbitMQ).
    AsQos1,
    /// The broker closes the connection (NATS).
    Closes,
}

/// One broker's row of the table; see [`Kind::caps`].
#[derive(Debug)]
pub struct Caps {
    kind: Kind,
    name: &'static str,
    v5: bool,
    v311: bool,
    closes_v5_connect: bool,
    shares: bool,
    window: Window,
    window_name: Option<&'static str>,
    v5_window: Option<usize>,
    qos2: Qos2,
    redelivers_after_ack_wait: bool,
    bounds_redelivery: bool,
    drops_qos0_when_slow: bool,
    takes_any_credentials: bool,
    users_shut_out_anonymous: bool,
    runs_mosquitto_clients: bool,
    hermetic: bool,
}

/// The table, one row per broker (docs/DESIGN.md §6): the cases that branch on a value
/// assert that broker's side of it in its pass.
const TABLE: [Caps; 6] = [
    Caps {
        kind: Kind::Rumqttd,
        name: "embedded",
        v5: false,
        v311: true,
        closes_v5_connect: true,
        shares: true,
        // rumqttd 0.20's MAX_INFLIGHT (src/broker.rs, WINDOW).
        window: Window::Of(100),
        window_name: None,
        v5_window: None,
        qos2: Qos2::Yes,
        redelivers_after_ack_wait: false,
        bounds_redelivery: true,
        drops_qos0_when_slow: false,
        takes_any_credentials: true,
        users_shut_out_anonymous: true,
        runs_mosquitto_clients: false,
        hermetic: true,
    },
    Caps {
        kind: Kind::RumqttdV5,
        name: "embedded-v5",
        v5: true,
        v311: false,
        closes_v5_connect: false,
        shares: true,
        window: Window::NotSpoken,
        window_name: None,
        // rumqttd 0.20's MAX_INFLIGHT, whatever the Receive Maximum mqq sends.
        v5_window: Some(100),
        qos2: Qos2::Yes,
        redelivers_after_ack_wait: false,
        bounds_redelivery: true,
        drops_qos0_when_slow: false,
        takes_any_credentials: true,
        users_shut_out_anonymous: true,
        runs_mosquitto_clients: false,
        hermetic: false,
    },
    Caps {
        kind: Kind::Mosquitto,
        name: "mosquitto",
        v5: true,
        v311: true,
        closes_v5_connect: false,
        shares: true,
        window: Window::Of(20),
        window_name: Some("mosquitto's"),
        v5_window: None,
        qos2: Qos2::Yes,
        redelivers_after_ack_wait: false,
        // mosquitto 2.0.11 writes a resumed session's whole backlog before it reads the
        // acknowledgements (docs/PERFORMANCE.md §6).
        bounds_redelivery: false,
        drops_qos0_when_slow: false,
        takes_any_credentials: true,
        users_shut_out_anonymous: true,
        runs_mosquitto_clients: true,
        hermetic: false,
    },
    Caps {
        kind: Kind::Nats,
        name: "nats",
        v5: false,
        v311: true,
        closes_v5_connect: false,
        shares: false,
        window: Window::Of(1024),
        window_name: Some("NATS's"),
        v5_window: None,
        qos2: Qos2::Closes,
        redelivers_after_ack_wait: true,
        bounds_redelivery: true,
        drops_qos0_when_slow: true,
        takes_any_credentials: true,
        users_shut_out_anonymous: true,
        runs_mosquitto_clients: false,
        hermetic: false,
    },
    Caps {
        kind: Kind::RabbitMq,
        name: "rabbitmq",
        v5: false,
        v311: true,
        closes_v5_connect: true,
        shares: false,
        window: Window::Of(10),
        window_name: Some("RabbitMQ's"),
        v5_window: None,
        qos2: Qos2::AsQos1,
        redelivers_after_ack_wait: false,
        bounds_redelivery: true,
        drops_qos0_when_slow: false,
        takes_any_credentials: false,
        // The pass shares one RabbitMQ: users are added to it, anonymous clients stay welcome.
        users_shut_out_anonymous: false,
        runs_mosquitto_clients: false,
        hermetic: false,
    },
    Caps {
        kind: Kind::Aedes,
        name: "aedes",
        v5: false,
        v311: true,
        closes_v5_connect: false,
        shares: false,
        window: Window::Unbounded,
        window_name: None,
        v5_window: None,
        qos2: Qos2::Yes,
        redelivers_after_ack_wait: false,
        bounds_redelivery: true,
        drops_qos0_when_slow: false,
        takes_any_credentials: true,
        users_shut_out_anonymous: true,
        runs_mosquitto_clients: false,
        hermetic: false,
    },
];

impl Kind {
    /// Its row's place in the table (each pass takes its ports from a slice of its own).
    pub fn index(self) -> usize {
        TABLE
            .iter()
            .position(|c| c.kind == self)
            .expect("every kind has a row")
    }

    /// Its row of the table.
    pub fn caps(self) -> &'static Caps {
        TABLE
            .iter()
            .find(|c| c.kind == self)
            .expect("every kind has a row")
    }
}

impl Caps {
    /// The name `MQQ_TEST_BROKER` gives it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// It accepts MQTT 5 (the others answer a v5 CONNECT with "unsupported protocol version"
    /// or close it, and mqq's `auto` falls back to 3.1.1).
    pub fn speaks_v5(&self) -> bool {
        self.v5
    }

    /// It accepts MQTT 3.1.1 (rumqttd's MQTT 5 listener closes a 3.1.1 CONNECT).
    pub fn speaks_v311(&self) -> bool {
        self.v311
    }

    /// It closes the connection at an MQTT 5 CONNECT, without a CONNACK (rumqttd's 3.1.1
    /// listener, RabbitMQ 3.10).
    pub fn closes_v5_connect(&self) -> bool {
        self.closes_v5_connect
    }

    /// `$share/GROUP/…` splits messages among the group (NATS 2.9, RabbitMQ 3.10 and aedes
    /// 1.2 take it for a plain topic).
    pub fn shares(&self) -> bool {
        self.shares
    }

    /// The window of a resumed MQTT 3.1.1 session.
    pub fn window(&self) -> Window {
        self.window
    }

    /// When mqq knows the broker's MQTT 3.1.1 window by number, the words it names it with
    /// ("NATS's").
    pub fn window_name(&self) -> Option<&'static str> {
        self.window_name
    }

    /// An MQTT 5 session's window when the broker keeps one of its own rather than the
    /// Receive Maximum the client sends (rumqttd's MQTT 5 listener: 100); `None` where the
    /// Receive Maximum decides.
    pub fn v5_window(&self) -> Option<usize> {
        self.v5_window
    }

    /// What a QoS 2 publish gets.
    pub fn qos2(&self) -> Qos2 {
        self.qos2
    }

    /// An unacknowledged message comes back after the broker's `ack_wait` (NATS, started
    /// with 1 s), not when the session reconnects.
    pub fn redelivers_after_ack_wait(&self) -> bool {
        self.redelivers_after_ack_wait
    }

    /// A consumer killed mid-drain gets back about one batch, a few under load: the broker
    /// reads acknowledgements while it sends a resumed backlog (not mosquitto 2.0.11).
    pub fn bounds_redelivery(&self) -> bool {
        self.bounds_redelivery
    }

    /// QoS 0 messages for a subscriber that does not keep up are dropped (NATS).
    pub fn drops_qos0_when_slow(&self) -> bool {
        self.drops_qos0_when_slow
    }

    /// Any user name and password connect (RabbitMQ refuses a user it does not know).
    pub fn takes_any_credentials(&self) -> bool {
        self.takes_any_credentials
    }

    /// A broker started with users refuses anonymous clients (the RabbitMQ pass's shared
    /// server does not).
    pub fn users_shut_out_anonymous(&self) -> bool {
        self.users_shut_out_anonymous
    }

    /// The pass where the comparisons with mosquitto's own clients run (the mosquitto pass:
    /// there a missing client is a failure).
    pub fn runs_mosquitto_clients(&self) -> bool {
        self.runs_mosquitto_clients
    }

    /// The hermetic pass: the cases that do not depend on the suite's broker (usage errors,
    /// config, generated files, the README, clusters and servers of their own) run here
    /// only, once per CI run rather than once per pass.
    pub fn hermetic(&self) -> bool {
        self.hermetic
    }
}

/// The suite's broker kind, from `MQQ_TEST_BROKER` (default: the embedded rumqttd).
pub fn kind() -> Kind {
    match std::env::var("MQQ_TEST_BROKER").as_deref() {
        Ok("rumqttd" | "embedded" | "") | Err(_) => Kind::Rumqttd,
        Ok(name) => {
            let Some(row) = TABLE.iter().find(|c| c.name == name) else {
                let names: Vec<&str> = TABLE.iter().map(|c| c.name).collect();
                panic!(
                    "MQQ_TEST_BROKER={name}: expected one of {}",
                    names.join(", ")
                );
            };
            row.kind
        }
    }
}

/// The suite's broker's row.
pub fn caps() -> &'static Caps {
    kind().caps()
}
