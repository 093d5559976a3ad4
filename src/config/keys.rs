//! The one registry of config keys: each key is defined here once — its canonical dotted
//! name, field aliases, environment variable, flag, default and doc line. Env parsing, the
//! unknown-key warnings, `mqq config`'s rendering, the flag → key mapping and the `[env: …]`
//! names in `--help` (checked by a test) all come from this table.

/// A command-line flag that sets a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag {
    /// The clap argument id (the `GlobalArgs` field name).
    pub id: &'static str,
    /// The long flag, e.g. `--host`.
    pub long: &'static str,
    /// For a switch (no value): the value it sets, e.g. `--raw` sets `false`.
    pub switch: Option<&'static str>,
    /// Repeatable: every occurrence counts, joined with this separator (`--alpn a --alpn b`
    /// is `a,b`; several `-t` are joined with NUL, which no MQTT topic may contain).
    pub many: Option<&'static str>,
}

/// One config key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// Canonical dotted name (`connection.*` is `connections.0.*` in a layer).
    pub key: &'static str,
    /// Other spellings of the last field, as pip-services accepts them (`ip` for `host`).
    pub aliases: &'static [&'static str],
    /// The environment variable that sets it.
    pub env: Option<&'static str>,
    /// The flag that sets it.
    pub flag: Option<Flag>,
    /// The default, as it would be written in the config.
    pub default: Option<&'static str>,
    /// Only meaningful inside a config file (references resolved there).
    pub file_only: bool,
    /// One line for the manual.
    pub doc: &'static str,
}

const fn key(key: &'static str, doc: &'static str) -> Key {
    Key {
        key,
        aliases: &[],
        env: None,
        flag: None,
        default: None,
        file_only: false,
        doc,
    }
}

impl Key {
    const fn env(mut self, env: &'static str) -> Key {
        self.env = Some(env);
        self
    }
    const fn flag(mut self, id: &'static str, long: &'static str) -> Key {
        self.flag = Some(Flag {
            id,
            long,
            switch: None,
            many: None,
        });
        self
    }
    const fn flag_many(mut self, id: &'static str, long: &'static str, sep: &'static str) -> Key {
        self.flag = Some(Flag {
            id,
            long,
            switch: None,
            many: Some(sep),
        });
        self
    }
    const fn switch(mut self, id: &'static str, long: &'static str, sets: &'static str) -> Key {
        self.flag = Some(Flag {
            id,
            long,
            switch: Some(sets),
            many: None,
        });
        self
    }
    const fn default(mut self, default: &'static str) -> Key {
        self.default = Some(default);
        self
    }
    const fn aliases(mut self, aliases: &'static [&'static str]) -> Key {
        self.aliases = aliases;
        self
    }
    const fn file_only(mut self) -> Key {
        self.file_only = true;
        self
    }

    /// The last field of the key (`host` of `connection.host`).
    pub fn field(&self) -> &'static str {
        self.key.rsplit('.').next().unwrap_or(self.key)
    }
}

/// Joins the filters of several `-t`: NUL, which MQTT forbids in topics.
pub const TOPIC_SEPARATOR: &str = "\0";

/// Every key mqq reads, in the order `mqq config` shows them.
pub const KEYS: &[Key] = &[
    key(
        "name",
        "queue name: picks a queue of a `queues:` or container file; the default topic",
    )
    .env("MQQ_QUEUE")
    .flag("queue", "--queue"),
    key(
        "topic",
        "topic; receiving verbs accept + and # wildcards, and several -t (one subscription)",
    )
    .env("MQQ_TOPIC")
    .flag_many("topic", "--topic", TOPIC_SEPARATOR),
    key(
        "client_id",
        "client id; makes the queue durable (persistent session)",
    )
    .env("MQQ_CLIENT_ID")
    .flag("client_id", "--client-id"),
    key(
        "connection.uri",
        "broker URI: mqtt://, mqtts://, tcp://, ssl://, tls://, ws://, wss://",
    )
    .env("MQQ_URI")
    .flag_many("uri", "--uri", ","),
    key("connection.host", "broker host")
        .aliases(&["ip"])
        .env("MQQ_HOST")
        .flag("host", "--host")
        .default("localhost"),
    key("connection.port", "broker port (1883; 8883 for TLS)")
        .env("MQQ_PORT")
        .flag("port", "--port"),
    key(
        "connection.protocol",
        "protocol when no URI is given: mqtt, mqtts, tcp, ssl, tls, ws, wss",
    )
    .env("MQQ_PROTOCOL")
    .flag("protocol", "--protocol")
    .default("mqtt"),
    key(
        "connection.discovery_key",
        "a memory discovery section of the file",
    )
    .file_only(),
    key("credential.username", "user name")
        .aliases(&["user"])
        .env("MQQ_USERNAME")
        .flag("username", "--username"),
    key("credential.password", "password")
        .aliases(&["pass"])
        .env("MQQ_PASSWORD")
        .flag("password", "--password"),
    key(
        "credential.ssl_ca_file",
        "PEM file of CA certificates to trust instead of the system's roots",
    )
    .env("MQQ_CAFILE")
    .flag("cafile", "--cafile"),
    key(
        "credential.ssl_crt_file",
        "PEM client certificate (chain) for mutual TLS; needs its key",
    )
    .env("MQQ_CERT")
    .flag("cert", "--cert"),
    key(
        "credential.ssl_key_file",
        "PEM private key of the client certificate (PKCS#8, RSA or EC; not encrypted)",
    )
    .env("MQQ_KEY")
    .flag("key", "--key"),
    key(
        "credential.store_key",
        "a memory credential store section of the file",
    )
    .file_only(),
    key(
        "options.qos",
        "QoS 0, 1 or 2 (default 1; durable queues subscribe at 1 or more)",
    )
    .env("MQQ_QOS")
    .flag("qos", "--qos")
    .default("1"),
    key("options.retain", "retain flag of sent messages").default("false"),
    key(
        "options.serialize_envelope",
        "pip-services MessageEnvelope JSON on the wire",
    )
    .switch("raw", "--raw", "false")
    .env("MQQ_ENVELOPE")
    .default("true"),
    key(
        "options.autosubscribe",
        "subscribe at connect, not on the first read",
    )
    .default("false"),
    key(
        "options.retry_connect",
        "listen reconnects when the connection drops",
    )
    .default("true"),
    key(
        "options.connect_timeout",
        "milliseconds one connection attempt may take",
    )
    .default("30000"),
    key(
        "options.reconnect_timeout",
        "milliseconds before a reconnect",
    )
    .default("1000"),
    key(
        "options.keepalive_timeout",
        "milliseconds between keepalive pings",
    )
    .default("60000"),
    key(
        "options.group",
        "competing consumers: receive through the shared subscription $share/GROUP/TOPIC, so that \
         consumers of one group split the messages (MQTT 5, and 3.1.1 on mosquitto; a warning where \
         the broker or `mqq check` says it does not split)",
    )
    .env("MQQ_GROUP")
    .flag("group", "--group"),
    key(
        "options.tls",
        "TLS on every address: mqtt:// becomes mqtts:// (port 8883), ws:// becomes wss://",
    )
    .env("MQQ_TLS")
    .switch("tls", "--tls", "true")
    .default("false"),
    key(
        "options.tls_ca_path",
        "directory of PEM CA certificates to trust instead of the system's roots",
    )
    .env("MQQ_CAPATH")
    .flag("capath", "--capath"),
    key(
        "options.tls_insecure",
        "do not verify the broker's certificate (testing only; warns every time)",
    )
    .env("MQQ_INSECURE")
    .switch("insecure", "--insecure", "true")
    .default("false"),
    key(
        "options.tls_server_name",
        "name to verify the broker's certificate against (default: the host)",
    )
    .env("MQQ_TLS_SERVER_NAME")
    .flag("tls_server_name", "--tls-server-name"),
    key(
        "options.tls_alpn",
        "ALPN protocols to offer, comma-separated (AWS IoT on 443: x-amzn-mqtt-ca)",
    )
    .env("MQQ_ALPN")
    .flag_many("alpn", "--alpn", ","),
    key(
        "options.envelope_version",
        "envelope version to write: 3 (correlation_id), 4 (trace_id) or both",
    )
    .env("MQQ_ENVELOPE_VERSION")
    .flag("envelope_version", "--envelope-version")
    .default("3"),
    key(
        "options.protocol_version",
        "MQTT version: 3.1.1, 5, or auto (the default: 5, falling back to 3.1.1 if the broker \
         rejects it; 3.1.1 at once where `mqq check` found MQTT 5 refused)",
    )
    .env("MQQ_PROTOCOL_VERSION")
    .flag("protocol_version", "--protocol-version")
    .default("auto"),
    key(
        "options.session_expiry",
        "MQTT 5: how long a durable queue's session outlives its connection (never, or a duration)",
    )
    .default("never"),
];

/// Inputs that are not keys but files holding them: `(flag id, long flag, env)`.
pub const FILE_INPUTS: &[(&str, &str, &str)] = &[
    ("config", "--config", "MQQ_CONFIG"),
    ("password_file", "--password-file", "MQQ_PASSWORD_FILE"),
];

/// The key named `name` (canonical spelling).
pub fn get(name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.key == name)
}

/// The keys under `section.` (`options`, `connection`, `credential`).
pub fn section(section: &str) -> impl Iterator<Item = &'static Key> + '_ {
    KEYS.iter().filter(move |k| {
        k.key
            .strip_prefix(section)
            .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// The canonical field of `section` spelled `field` (an alias maps to its field), with
/// whether it was an alias; `None` for an unknown field.
pub fn field(section_name: &str, field: &str) -> Option<(&'static str, bool)> {
    section(section_name).find_map(|k| {
        if k.field() == field {
            Some((k.field(), false))
        } else {
            k.aliases.contains(&field).then_some((k.field(), true))
        }
    })
}

/// The fields of a section with their aliases, for messages: `uri, host, ip, port, …`.
pub fn field_list(section_name: &str) -> String {
    let mut names = Vec::new();
    for k in section(section_name) {
        names.push(k.field());
        names.extend_from_slice(k.aliases);
    }
    names.join(", ")
}

/// The known key nearest to an unknown `written` one, for "did you mean" advice: a bare field
/// that some section has (`qos` → `options.qos`, `ip` → `connection.ip`), else the key that
/// differs by the fewest edits (`topik` → `topic`, `options.keepalive_timout` →
/// `options.keepalive_timeout`), if few enough to be a typo.
pub fn suggest(written: &str) -> Option<String> {
    let shown = |k: &Key| k.key.to_string();
    // A field given without its section (or under the wrong one): same last field.
    let last = written.rsplit('.').next().unwrap_or(written);
    if let Some(k) = KEYS
        .iter()
        .find(|k| k.key != written && (k.field() == last || k.aliases.contains(&last)))
    {
        let section = k.key.rsplit_once('.').map_or("", |(s, _)| s);
        return Some(if section.is_empty() {
            k.key.to_string()
        } else {
            format!("{section}.{last}")
        });
    }
    let mut best: Option<(usize, String)> = None;
    for k in KEYS {
        let mut candidates = vec![shown(k)];
        if let Some((section, _)) = k.key.rsplit_once('.') {
            candidates.extend(k.aliases.iter().map(|a| format!("{section}.{a}")));
        }
        for c in candidates {
            // Compare the whole key, and the last field against the last field.
            let d = strsim::levenshtein(written, &c).min(strsim::levenshtein(
                last,
                c.rsplit('.').next().unwrap_or(&c),
            ));
            if best.as_ref().is_none_or(|(b, _)| d < *b) {
                best = Some((d, c));
            }
        }
    }
    let (d, key) = best?;
    // At most two edits, and fewer than a third of the word: `a` is no typo of `qos`.
    (d <= 2 && d * 3 <= last.chars().count().max(3)).then_some(key)
}
