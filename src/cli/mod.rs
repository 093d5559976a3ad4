//! The command line: the clap derive types (here), the parse (`parse`: the busiest verbs
//! parsed alone, clap's errors with tips), what `--help` shows (`help`: each key's text from
//! the key registry), the value parsers (`values`), and the flags and environment as config
//! inputs (`inputs`). Resolving those into a queue config is `config`'s job.
//!
//! Size: the derive types are the verbs' manual, each flag's help beside its definition: one
//! table, read whole; the unit tests of the parse they feed follow them.

mod help;
mod inputs;
mod parse;
mod values;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::config::values::{flag_duration, flag_size, key_value};
use crate::config::ConfigInputs;
use crate::error::UsageError;
use crate::output::{Format, Style};
use crate::template::{Template, PLACEHOLDERS};
use values::{
    at_least_one, attempts, envelope_version, man_verbs, protocol_version, qos, Offer, Parse,
};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (listen stopped by Ctrl-C, a count or an idle timeout counts as success)
  1  nothing, or fewer messages than asked, within the timeout; send: messages not
     acknowledged (a message over the broker's packet limit among them); check: a probe lost
  2  usage or config error (bad flag, URI, YAML, missing or unusable file, invalid topic,
     client id or user name)
  3  could not connect, or the connection was lost (network, DNS, TLS, timeout)
  4  the broker refused the credentials or the client id
  5  the broker refused an operation (subscription; MQTT 5: a publish), or the session was
     taken over
  130, 143  send or receive stopped by Ctrl-C / SIGTERM before it finished (after its
     summary: acknowledged K of N)";

/// mqq: treat an MQTT broker as a message queue.
///
/// A queue is a topic. Give a client id (-i) and it is durable: the broker keeps messages
/// for it while no mqq runs. Without one it is ephemeral: it sees what arrives while it runs.
///
///   mqq -t orders send '{"id":1}'
///   mqq -t orders -i worker-1 receive -n 10 -W 5s
#[derive(Debug, Parser)]
#[command(
    name = "mqq",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    after_help = EXIT_CODES
)]
#[command(verbatim_doc_comment)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Parses the command line: [`Cli`], and the same flags untyped (for where each value came
/// from).
///
/// clap copies every global flag into every verb before it parses, and [`command`] gives the
/// help texts their environment variables: most of a one-shot `send`'s time before it
/// connected, and most of its heap (docs/PERFORMANCE.md §5). So the verb is found
/// first and parsed alone, without help texts; when that parse fails, asks for help, or names
/// another verb than the one found, the full command parses again, so every error and help
/// text is the full command's own.
pub fn parse_from(argv: &[OsString]) -> Result<(Cli, clap::ArgMatches), clap::Error> {
    use clap::FromArgMatches as _;
    let hoisted = parse::hoist(&global_flags(), argv);
    let argv = hoisted.as_deref().unwrap_or(argv);
    if let Some(parsed) = parse_fast(argv) {
        return Ok(parsed);
    }
    let m = command()
        .try_get_matches_from(argv)
        .map_err(|e| parse::with_tip(e, argv))?;
    let cli = Cli::from_arg_matches(&m)?;
    Ok((cli, m))
}

/// The parse with only the verb of `argv` defined; `None` when that is not sure to be the
/// full command's parse.
fn parse_fast(argv: &[OsString]) -> Option<(Cli, clap::ArgMatches)> {
    use clap::FromArgMatches as _;
    let verbs = || <Command as Subcommand>::augment_subcommands(clap::Command::new("mqq"));
    let m = parse::fast(global_flags(), verbs, verb_command, argv)?;
    let cli = Cli::from_arg_matches(&m).ok()?;
    Some((cli, m))
}

/// The global flags alone, without the help texts [`command`] adds.
fn global_flags() -> clap::Command {
    GlobalArgs::augment_args(clap::Command::new("mqq"))
}

/// The busiest verbs' flags alone, as the derive of [`Command`] defines them less the verb's
/// about text (a test compares them): building all of them to keep one costs a one-shot
/// `send` a measurable share of its instructions (docs/PERFORMANCE.md §5).
fn verb_command(verb: &'static str) -> Option<clap::Command> {
    let c = clap::Command::new(verb);
    Some(match verb {
        "send" => SendArgs::augment_args(c),
        "receive" => ReceiveArgs::augment_args(c),
        "listen" => ListenArgs::augment_args(c),
        "peek" => PeekArgs::augment_args(c),
        "count" => CountArgs::augment_args(c),
        _ => return None,
    })
}

/// The command line as mqq shows it: the derive types below, each flag that sets a config
/// key with its help and environment variable from the key registry (`config::keys`), so
/// the two never differ.
pub fn command() -> clap::Command {
    help::shown(<Cli as clap::CommandFactory>::command())
}

/// Connection, queue and config flags, accepted before or after the verb.
///
/// A flag that sets a config key (`// Sets KEY.`) has its help from the key registry, where
/// the key's text is written once (`config::keys`; [`command`] puts it in). A doc comment on
/// such a flag is what only the command line adds, shown after it.
#[derive(Debug, Args, Default)]
pub struct GlobalArgs {
    /// Print help
    #[arg(long, action = ArgAction::Help, global = true)]
    pub help: Option<bool>,

    /// Print mqq's version (-V is the MQTT protocol version, as in mosquitto's clients)
    #[arg(long, action = ArgAction::Version)]
    pub version: Option<bool>,

    // Sets options.protocol_version.
    #[arg(help_heading = "Connection", short = 'V', long, global = true, value_name = "VERSION", value_parser = protocol_version())]
    pub protocol_version: Option<String>,

    // Sets connection.uri.
    /// Optional user:pass@ (percent-encoded): a password there is visible to other users of
    /// this machine (ps, shell history), as with -P: prefer --password-file or MQQ_PASSWORD.
    /// A path after an mqtt:// or mqtts:// address is the topic when none is given, as in
    /// mosquitto's -L (mqtt://host:1883/sensors/#). Default: mqtt://localhost:1883. Repeat -L
    /// (or give a comma-separated list) for the nodes of a cluster: tried in order on
    /// connect, and on reconnect the next node first.
    #[arg(
        help_heading = "Connection",
        short = 'L',
        long,
        global = true,
        value_name = "URI"
    )]
    pub uri: Vec<String>,

    // Sets connection.host.
    #[arg(
        help_heading = "Connection",
        short = 'h',
        long,
        global = true,
        value_name = "HOST"
    )]
    pub host: Option<String>,

    // Sets connection.port.
    #[arg(
        help_heading = "Connection",
        short = 'p',
        long,
        global = true,
        value_name = "PORT"
    )]
    pub port: Option<String>,

    // Sets connection.protocol.
    #[arg(help_heading = "Connection", long, global = true, value_name = "PROTO")]
    pub protocol: Option<String>,

    // Sets credential.username.
    #[arg(
        help_heading = "Connection",
        short = 'u',
        long,
        global = true,
        value_name = "USER"
    )]
    pub username: Option<String>,

    // Sets credential.password.
    /// Visible to other users of this machine (ps, shell history): prefer --password-file,
    /// MQQ_PASSWORD or the config file
    #[arg(
        help_heading = "Connection",
        short = 'P',
        long,
        global = true,
        value_name = "PASS",
        hide_env_values = true
    )]
    pub password: Option<String>,

    /// Read the password from a file (one trailing newline is ignored)
    #[arg(help_heading = "Connection", long, global = true, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    // Sets options.group.
    #[arg(help_heading = "Queue", long, global = true, value_name = "GROUP")]
    pub group: Option<String>,

    // Sets options.tls.
    #[arg(long, global = true, help_heading = "TLS")]
    pub tls: bool,

    // Sets credential.ssl_ca_file.
    #[arg(long, global = true, value_name = "FILE", help_heading = "TLS")]
    pub cafile: Option<PathBuf>,

    // Sets options.tls_ca_path.
    #[arg(long, global = true, value_name = "DIR", help_heading = "TLS")]
    pub capath: Option<PathBuf>,

    // Sets credential.ssl_crt_file.
    #[arg(long, global = true, value_name = "FILE", help_heading = "TLS")]
    pub cert: Option<PathBuf>,

    // Sets credential.ssl_key_file.
    #[arg(long, global = true, value_name = "FILE", help_heading = "TLS")]
    pub key: Option<PathBuf>,

    // Sets options.tls_insecure.
    #[arg(long, global = true, help_heading = "TLS")]
    pub insecure: bool,

    // Sets options.tls_server_name.
    #[arg(long, global = true, value_name = "NAME", help_heading = "TLS")]
    pub tls_server_name: Option<String>,

    // Sets options.tls_alpn.
    #[arg(long, global = true, value_name = "PROTO", help_heading = "TLS")]
    pub alpn: Vec<String>,

    // Sets client_id.
    #[arg(
        help_heading = "Queue",
        short = 'i',
        long,
        visible_alias = "id",
        global = true,
        value_name = "ID"
    )]
    pub client_id: Option<String>,

    // Sets topic.
    #[arg(
        help_heading = "Queue",
        short = 't',
        long,
        global = true,
        value_name = "TOPIC"
    )]
    pub topic: Vec<String>,

    // Sets options.qos.
    #[arg(help_heading = "Queue", short = 'q', long, global = true, value_name = "QOS", value_parser = qos())]
    pub qos: Option<u8>,

    /// YAML config file: one queue, `queues:` profiles, or a pip-services container
    /// config
    #[arg(help_heading = "Config", long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    // Sets name (and picks the queue of the config file).
    #[arg(help_heading = "Config", long, global = true, value_name = "NAME")]
    pub queue: Option<String>,

    /// Set any config key, e.g. --set options.keepalive_timeout=5000 (repeatable)
    #[arg(
        help_heading = "Config",
        long = "set",
        global = true,
        value_name = "KEY=VALUE"
    )]
    pub set: Vec<String>,

    /// Raw payloads: no pip-services envelope (options.serialize_envelope=false; in the
    /// environment MQQ_ENVELOPE=false)
    #[arg(help_heading = "Queue", long, global = true)]
    pub raw: bool,

    // Sets options.envelope_version.
    #[arg(help_heading = "Queue", long, global = true, value_name = "V", value_parser = envelope_version())]
    pub envelope_version: Option<String>,

    /// More diagnostics on stderr (-v: message topics and metadata, -vv: debug, -vvv: trace;
    /// mosquitto_sub's -v, topic and payload on stdout, is -F '%t %p')
    #[arg(short = 'v', long, global = true, action = ArgAction::Count)]
    pub verbose: u8,

    /// No summaries, progress display or warnings on stderr; errors are still printed
    ///
    /// Progress (count, rate, elapsed, a bar with an ETA when the end is known) shows only
    /// when stderr is a terminal: send -l, send --repeat, receive -n N, listen and check;
    /// receive and listen only when stdout is not the terminal too.
    #[arg(long, global = true)]
    pub quiet: bool,
}

impl GlobalArgs {
    /// These flags (`m`: the same, untyped, for where each value came from and in which
    /// order) and the process environment as config inputs.
    pub fn config_inputs(&self, m: &clap::ArgMatches) -> Result<ConfigInputs, UsageError> {
        Ok(ConfigInputs {
            config_file: self.config.clone(),
            queue: self.queue.clone(),
            password_file: self.password_file.clone(),
            flags: inputs::flags(m)?,
            env: inputs::environment()?,
        })
    }
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Publish messages; returns when the broker acknowledged every one
    ///
    /// Each argument is one message; -f sends a file; with neither, all of stdin is one
    /// message (an empty stdin is refused: -n sends an empty message on purpose); -l sends
    /// each stdin line as a message (streamed).
    ///
    ///   mqq -t orders send hello world
    ///   seq 100000 | mqq -t orders -q 1 send -l
    ///   mqq -t orders send -r -n            # clear the topic's retained message
    #[command(verbatim_doc_comment)]
    Send(SendArgs),
    /// Take up to N messages (consumes them), waiting up to a timeout
    ///
    /// A message is acknowledged only after it was written to stdout and flushed.
    /// Exit 1 when fewer than N arrived (after printing those that did).
    ///
    ///   mqq -t orders -i worker-1 receive -n 10 -W 5s
    #[command(verbatim_doc_comment)]
    Receive(ReceiveArgs),
    /// Stream messages until Ctrl-C / SIGTERM, a count, or an idle timeout
    ///
    /// Reconnects when the connection drops (options.retry_connect). mosquitto_sub -v
    /// (topic and payload on stdout) is -F '%t %p' here: mqq's -v is diagnostics on stderr.
    ///
    ///   mqq -t 'sensors/#' listen -v
    ///   mqq -t 'sensors/#' listen -F '%t %p'      # as mosquitto_sub -v
    #[command(verbatim_doc_comment)]
    Listen(ListenArgs),
    /// Show up to N pending messages without consuming them
    ///
    ///   mqq -t orders -i worker-1 peek -n 5
    #[command(verbatim_doc_comment)]
    Peek(PeekArgs),
    /// Print how many messages are pending (never consumes)
    ///
    /// The broker hands out only a window of unacknowledged messages at once (MQTT 3.1.1:
    /// mosquitto 20, RabbitMQ 10; MQTT 5: the Receive Maximum mqq sends, 65535); a count
    /// that may have hit it prints as N+ (on `mqq broker`, exact up to its 100; after an
    /// `mqq check` of the broker, exact up to the window it measured). Needs a durable
    /// queue (-i): an ephemeral one holds nothing.
    ///
    ///   mqq -t orders -i worker-1 count
    #[command(verbatim_doc_comment)]
    Count(CountArgs),
    /// Remove the queue's session and its pending messages at the broker
    ///
    ///   mqq -t orders -i worker-1 clear
    #[command(verbatim_doc_comment)]
    Clear,
    /// Print the resolved config with the source of every value (secrets as ***)
    Config,
    /// Check a broker: round trips, retained, durable, its capabilities, thresholds
    ///
    /// Connects (timed), subscribes, sends N probe messages and receives them back,
    /// verifying every byte; then a retained-message round trip and a durable one (sent
    /// while the consumer is offline, received on reconnect), then the capabilities (MQTT
    /// versions, QoS 0/1/2, wildcards, shared subscriptions, the window, the largest payload,
    /// the MQTT 5 CONNACK's limits), cleaning up after itself. Reports connect time,
    /// latency p50/p99/max and throughput. Several addresses (-L a,b): each node, and a
    /// round trip across them. Exit 1 when a message is missing, corrupted, or duplicated
    /// beyond what its QoS allows, or a threshold is crossed (the value and the limit on one
    /// line); -F nagios exits 0/1/2 as OK/WARNING/CRITICAL. What the other verbs act on (the
    /// MQTT versions accepted, the 3.1.1 window, shared subscriptions) is kept for 7 days
    /// per address in ~/.local/state/mqq/checked.json: count, peek, --group and -V auto use it.
    ///
    ///   mqq check --embedded                   # against an in-process broker: no set-up
    ///   mqq -L mqtts://broker:8883 --cafile ca.pem check -F json
    ///   mqq check --max-p99 50ms --require shared --warn-expiry 30d -F nagios
    #[command(verbatim_doc_comment)]
    Check(CheckArgs),
    /// Run a command for each message; acknowledge it only when the command succeeds
    ///
    /// The body goes to the command's stdin, the metadata to its environment (MQQ_TOPIC,
    /// MQQ_MESSAGE_ID, MQQ_CORRELATION_ID, MQQ_MESSAGE_TYPE, MQQ_SENT_TIME, MQQ_QOS,
    /// MQQ_RETAIN, MQQ_REDELIVERED, MQQ_ATTEMPT, MQQ_PROP_<KEY> for MQTT 5 user properties).
    /// Exit 0 completes the message (ack); anything else abandons it: mqq reconnects and the
    /// broker hands it back. After --max-attempts it goes to --dead-letter, or, without one,
    /// work stops with exit 1 and the message stays queued. Needs a durable queue (-i).
    ///
    ///   mqq -t jobs -i workers work -- ./handle.sh
    ///   mqq -t jobs -i workers work -j 4 --timeout 30s --dead-letter jobs/failed -- python3 job.py
    #[command(verbatim_doc_comment)]
    Work(WorkArgs),
    /// Move pending messages to another topic (acked at the source after the destination)
    ///
    /// Drains up to -n N messages (or all, until nothing arrives for --wait) into --to TOPIC,
    /// byte for byte with their properties; each batch is acknowledged at the source only
    /// after the destination acknowledged it. --dry-run shows what would move (a peek).
    ///
    ///   mqq -t jobs/failed -i dlq move --to jobs      # replay a dead-letter queue
    #[command(verbatim_doc_comment)]
    Move(MoveArgs),
    /// Run an MQTT broker in this process, for trying mqq and local work
    ///
    /// Listens on the address the other verbs connect to (default localhost:1883; -h/-p/-L
    /// change it), with -u/-P as its only user when given. MQTT 3.1.1 (clients on MQTT 5 fall
    /// back), persistent sessions and retained messages, in memory, until Ctrl-C/SIGTERM.
    /// Not a production broker: use mosquitto, EMQX, HiveMQ, RabbitMQ or NATS for that.
    ///
    ///   mqq broker &
    ///   mqq broker -p 1884 --ws-port 8083
    #[command(verbatim_doc_comment)]
    Broker(BrokerArgs),
    /// Print shell completions: bash, zsh, fish, elvish or powershell
    ///
    ///   mqq completions bash > ~/.local/share/bash-completion/completions/mqq
    #[command(verbatim_doc_comment)]
    Completions {
        /// Shell
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff): mqq(1), or a verb's mqq-VERB(1)
    ///
    /// --dir writes every page as a file instead (mqq.1, mqq-send.1, ...), creating the
    /// directory. man-db looks in ../share/man of each directory on PATH, so pages beside
    /// ~/.cargo/bin are found without setting MANPATH.
    ///
    ///   mqq man | man -l -
    ///   mqq man send | man -l -
    ///   mqq man --dir ~/.cargo/share/man/man1
    #[command(verbatim_doc_comment)]
    Man(ManArgs),
}

/// `man` flags.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The verb whose page to print (default: mqq(1), the page of mqq itself)
    #[arg(value_name = "VERB", value_parser = man_verbs(), conflicts_with = "dir")]
    pub verb: Option<String>,
    /// Write every page into DIR (created if missing) instead of printing one
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `send` flags.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Messages, one per argument
    #[arg(value_name = "MESSAGE", conflicts_with_all = ["file", "lines", "null_message"])]
    pub messages: Vec<String>,
    /// A message (repeatable; as mosquitto_pub's -m), sent after the MESSAGE arguments
    #[arg(short = 'm', long = "message", value_name = "MESSAGE",
          conflicts_with_all = ["file", "lines", "null_message"])]
    pub message_flags: Vec<String>,
    /// Send the file's bytes as one message ('-' for stdin)
    #[arg(short = 'f', long, value_name = "FILE", conflicts_with_all = ["lines", "null_message"])]
    pub file: Option<PathBuf>,
    /// Send each line of stdin as a message (the newline is not sent)
    #[arg(short = 'l', long, conflicts_with = "null_message")]
    pub lines: bool,
    /// Replay a capture: each stdin line is a message as -F json writes it, sent to its own
    /// topic (payload or base64 payload, retain, envelope fields, MQTT 5 properties)
    #[arg(long, conflicts_with_all = ["null_message", "file", "messages", "message_flags"])]
    pub ndjson: bool,
    /// With --ndjson: skip lines that are not messages (a warning each) instead of stopping
    #[arg(long, requires = "ndjson")]
    pub skip_bad: bool,
    /// Send one empty message: zero bytes, never wrapped in an envelope
    #[arg(short = 'n', long)]
    pub null_message: bool,
    /// Set the retain flag. An empty retained message (-r -n, or -r '') clears the topic's
    /// retained message: it is always sent as zero bytes, whatever the envelope mode
    #[arg(short = 'r', long)]
    pub retain: bool,
    /// Envelope message_type
    #[arg(long = "type", value_name = "TYPE")]
    pub message_type: Option<String>,
    /// Envelope correlation_id (trace_id in v4)
    #[arg(long, value_name = "ID")]
    pub correlation_id: Option<String>,
    /// Envelope message_id (default: a random 32-hex id per message)
    #[arg(long, value_name = "ID")]
    pub message_id: Option<String>,
    /// MQTT 5 user property KEY=VALUE (repeatable). MQTT 3.1.1 cannot carry properties:
    /// there mqq warns and sends the message without them
    #[arg(long = "property", value_name = "KEY=VALUE", value_parser = key_value)]
    pub properties: Vec<(String, String)>,
    /// MQTT 5 content type (e.g. application/json)
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// MQTT 5 message expiry: the broker drops the message when it was not delivered within
    /// this long (30s, 1h; whole seconds, rounded up)
    #[arg(long, value_name = "DURATION", value_parser = flag_duration)]
    pub expiry: Option<Duration>,
    /// MQTT 5 response topic
    #[arg(long, value_name = "TOPIC")]
    pub response_topic: Option<String>,
    /// MQTT 5 correlation data (the text's bytes)
    #[arg(long, value_name = "DATA")]
    pub correlation_data: Option<String>,
    /// Send everything N times
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = at_least_one)]
    pub repeat: u64,
    /// How long to wait for the broker: connecting, and each answer after (exit 3 when none
    /// comes). Default: options.connect_timeout (30s)
    #[arg(short = 'W', long, value_name = "DURATION", value_parser = flag_duration)]
    pub timeout: Option<Duration>,
}

/// `-F` of the receiving verbs: the names (a template parses too).
fn format() -> Offer<Parse<Format>> {
    Offer::new(parse_format, &["text", "raw", "json"])
}

/// `-F`: a format name or a template.
fn parse_format(text: &str) -> Result<Format, String> {
    match text {
        "text" => Ok(Format::Text),
        "raw" => Ok(Format::Raw),
        "json" => Ok(Format::Json),
        t if t.contains('%') || t.contains('\\') => Template::parse(t)
            .map(Format::Template)
            .map_err(|e| e.to_string()),
        _ => Err(format!(
            "use text, raw, json, or a template with placeholders: {PLACEHOLDERS}"
        )),
    }
}

/// Output flags of the receiving verbs.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format: text, raw, json, or a template such as '%t %p'
    ///
    /// text: the message (decoded from the envelope) and a newline; raw: the exact bytes;
    /// json: one object per line. A template is written once per message, followed by a
    /// newline unless -N (as mosquitto_sub -F): '%t: %p'. Placeholders: %t topic, %p payload, %l length, %x/%X hex payload,
    /// %q qos, %r retain, %d dup, %m packet id, %i message id, %c correlation id, %T message
    /// type, %s sent time, %I receive time (ISO 8601), %U receive time (Unix), %P MQTT 5
    /// properties (JSON), %j the message as JSON, %% a percent sign. Escapes: \n \t \r \0
    /// \e \\.
    #[arg(short = 'F', long, value_name = "FORMAT", default_value = "text", value_parser = format())]
    pub format: Format,
    /// Pretty-print JSON (-F json, %j), one object over several lines; implies -F json
    #[arg(long)]
    pub pretty: bool,
    /// Skip retained messages (a durable queue still acknowledges them)
    #[arg(short = 'R', long)]
    pub no_retained: bool,
    /// No newline after each message (text and templates), as mosquitto_sub -N
    #[arg(short = 'N', long)]
    pub no_eol: bool,
}

impl OutputArgs {
    /// How `Output` prints messages, as these flags say.
    pub fn style(&self) -> Style {
        Style {
            format: self.format.clone(),
            pretty: self.pretty,
            eol: !self.no_eol,
        }
    }
}

/// `check` flags.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Probe messages to round-trip
    #[arg(short = 'n', long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub count: u64,
    /// Payload size of each probe, in bytes (at least 32)
    #[arg(long, value_name = "BYTES", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(32..=16_777_216))]
    pub size: u64,
    /// How long each step may take (500ms, 5s, 2m; a bare number is seconds)
    #[arg(short = 'W', long, value_name = "DURATION", default_value = "10s", value_parser = flag_duration)]
    pub timeout: Duration,
    /// Skip the retained-message round trip
    #[arg(long)]
    pub no_retained: bool,
    /// Skip the durable (persistent session) round trip
    #[arg(long)]
    pub no_durable: bool,
    /// Start an in-process broker on a free port and check against it
    #[arg(long)]
    pub embedded: bool,
    /// Skip the capability probes (MQTT versions, QoS levels, wildcards, shared
    /// subscriptions, the window, the CONNACK's limits, the largest payload)
    #[arg(long)]
    pub no_capabilities: bool,
    /// The largest payload to try when probing what round-trips (64K, 1M; bytes, or K/M)
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = flag_size)]
    pub max_size: u64,
    /// Fail (exit 1) when connecting takes longer than this
    #[arg(long, value_name = "DURATION", value_parser = flag_duration)]
    pub max_connect: Option<Duration>,
    /// Fail (exit 1) when the median round-trip latency is above this
    #[arg(long, value_name = "DURATION", value_parser = flag_duration)]
    pub max_p50: Option<Duration>,
    /// Fail (exit 1) when the 99th percentile round-trip latency is above this
    #[arg(long, value_name = "DURATION", value_parser = flag_duration)]
    pub max_p99: Option<Duration>,
    /// Fail (exit 1) when fewer messages a second come back than this
    #[arg(long, value_name = "MSGS_PER_S")]
    pub min_rate: Option<f64>,
    /// Fail (exit 1) unless the broker supports this capability (repeatable)
    #[arg(long, value_name = "CAPABILITY", value_enum)]
    pub require: Vec<Capability>,
    /// TLS: warn (exit 1; Nagios WARNING) when the server certificate expires within this
    /// (30d, 2w; read from a handshake of its own)
    #[arg(long, value_name = "DURATION", value_parser = flag_duration)]
    pub warn_expiry: Option<Duration>,
    /// Report format: text lines, one JSON object, a JUnit XML report, or a Nagios plugin's
    /// status line with perfdata (exit 0/1/2/3: OK/WARNING/CRITICAL/UNKNOWN)
    #[arg(short = 'F', long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// How `check` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per step.
    Text,
    /// One JSON object.
    Json,
    /// JUnit XML: one testcase per step, capability and threshold.
    Junit,
    /// A Nagios plugin's status line and perfdata; exit codes in Nagios' meaning.
    Nagios,
}

/// What `check` probes a broker for (`--require`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum Capability {
    /// MQTT 5 accepted.
    #[value(name = "mqtt5")]
    Mqtt5,
    /// MQTT 3.1.1 accepted.
    #[value(name = "mqtt311")]
    Mqtt311,
    /// A QoS 0 round trip.
    #[value(name = "qos0")]
    Qos0,
    /// A QoS 1 round trip.
    #[value(name = "qos1")]
    Qos1,
    /// A QoS 2 round trip, delivered exactly once at QoS 2.
    #[value(name = "qos2")]
    Qos2,
    /// A retained message kept for a new subscriber.
    Retained,
    /// The single-level wildcard `+`.
    WildcardPlus,
    /// The multi-level wildcard `#`.
    WildcardHash,
    /// Shared subscriptions (`$share/GROUP/…`) split a burst between two subscribers.
    Shared,
    /// A message sent to an offline durable session is kept and delivered on reconnect.
    Durable,
    /// The window of unacknowledged messages a resumed session gets (measured).
    Window,
    /// The largest payload that round-trips (up to --max-size).
    MaxPayload,
    /// MQTT 5 CONNACK: Receive Maximum.
    ReceiveMaximum,
    /// MQTT 5 CONNACK: Maximum Packet Size.
    MaxPacketSize,
    /// MQTT 5 CONNACK: Topic Alias Maximum.
    TopicAliasMax,
    /// MQTT 5 CONNACK: Session Expiry Interval.
    SessionExpiry,
    /// MQTT 5 CONNACK: Retain Available.
    RetainAvailable,
    /// MQTT 5 CONNACK: Wildcard Subscription Available.
    WildcardAvailable,
    /// MQTT 5 CONNACK: Shared Subscription Available.
    SharedAvailable,
    /// MQTT 5 CONNACK: Maximum QoS.
    MaxQos,
}

impl Capability {
    /// Its name in reports and for --require.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    }
}

/// `work` flags.
#[derive(Debug, Args)]
pub struct WorkArgs {
    /// Commands running at once (messages are still acknowledged in order)
    #[arg(short = 'j', long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,
    /// Runs of one message before it is dead-lettered (or work stops)
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = attempts)]
    pub max_attempts: u32,
    /// Topic for messages that failed --max-attempts times (published at QoS 1, then acked)
    #[arg(long, value_name = "TOPIC")]
    pub dead_letter: Option<String>,
    /// Kill a command that runs longer than this (the message is abandoned)
    #[arg(long, value_name = "DURATION", value_parser = flag_duration)]
    pub timeout: Option<Duration>,
    /// On Ctrl-C/SIGTERM, how long running commands may finish (then they are killed)
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = flag_duration)]
    pub grace: Duration,
    /// Pause before reconnecting to get an abandoned message back
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = flag_duration)]
    pub retry_delay: Duration,
    /// Stop after N completed messages
    #[arg(short = 'n', long, value_name = "N", value_parser = at_least_one)]
    pub count: Option<u64>,
    /// Stop when no message arrived for this long (one still arriving holds it off)
    #[arg(long, value_name = "DURATION", value_parser = flag_duration)]
    pub idle_timeout: Option<Duration>,
    /// One JSON object per message outcome on stderr, for machines
    #[arg(long)]
    pub json_events: bool,
    /// Pass mqq's secrets to the command: MQQ_PASSWORD, MQQ_PASSWORD_FILE, and MQQ_URI when
    /// it holds a password (without this flag they are removed from its environment)
    #[arg(long)]
    pub pass_secrets: bool,
    /// The command and its arguments, after --
    #[arg(required = true, last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `move` flags.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("destination").required(true).args(["to", "to_queue"]))]
pub struct MoveArgs {
    /// Destination topic (on the same broker)
    #[arg(long, value_name = "TOPIC")]
    pub to: Option<String>,
    /// Destination: queue NAME of the config file (its topic and broker; the environment
    /// applies, the command line's flags do not)
    #[arg(long, value_name = "NAME")]
    pub to_queue: Option<String>,
    /// Move at most N messages
    #[arg(short = 'n', long, value_name = "N", value_parser = at_least_one)]
    pub count: Option<u64>,
    /// Stop when nothing arrived for this long (a message still arriving holds it off)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = flag_duration)]
    pub wait: Duration,
    /// Show what would move, without moving anything
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `broker` flags.
#[derive(Debug, Args)]
pub struct BrokerArgs {
    /// Also serve MQTT over WebSockets on this port (any path, e.g. ws://localhost:PORT/mqtt)
    #[arg(long, value_name = "PORT")]
    pub ws_port: Option<u16>,
}

/// `receive` flags.
#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// How many messages to take (-C as in mosquitto_sub)
    #[arg(short = 'n', short_alias = 'C', long, value_name = "N", default_value_t = 1,
          value_parser = at_least_one)]
    pub count: u64,
    /// How long to wait in all (500ms, 5s, 2m; a bare number is seconds)
    #[arg(short = 'W', long, value_name = "DURATION", default_value = "5s", value_parser = flag_duration)]
    pub timeout: Duration,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `listen` flags.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Stop after N messages (-C as in mosquitto_sub)
    #[arg(short = 'n', short_alias = 'C', long, value_name = "N", value_parser = at_least_one)]
    pub count: Option<u64>,
    /// Stop when no message arrived for this long (500ms, 5s, 2m); one still arriving holds
    /// it off
    #[arg(long, value_name = "DURATION", value_parser = flag_duration)]
    pub idle_timeout: Option<Duration>,
    /// Stop after this long in all, connecting included (as mosquitto_sub's -W); exit 0
    #[arg(short = 'W', long, value_name = "DURATION", value_parser = flag_duration)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `peek` flags.
#[derive(Debug, Args)]
pub struct PeekArgs {
    /// How many messages to show at most (-C as in mosquitto_sub)
    #[arg(short = 'n', short_alias = 'C', long, value_name = "N", default_value_t = 1,
          value_parser = at_least_one)]
    pub count: u64,
    /// Stop when no message arrived for this long (a message still arriving holds it off)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = flag_duration)]
    pub wait: Duration,
    /// Once messages arrive, stop when none came for this long (at most --wait) plus the
    /// connection's set-up time: the broker's burst ended
    #[arg(long, value_name = "DURATION", default_value = "200ms", value_parser = flag_duration)]
    pub settle: Duration,
    /// The broker's unacked window: showing this many means more may be pending (default:
    /// MQTT 5 the Receive Maximum mqq sent, 65535; MQTT 3.1.1 the one `mqq check` measured
    /// on this broker, else 10)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65535))]
    pub window: Option<u64>,
    /// How long to wait for the broker: connecting, and each answer after (exit 3 when none
    /// comes). Default: options.connect_timeout (30s)
    #[arg(short = 'W', long, value_name = "DURATION", value_parser = flag_duration)]
    pub timeout: Option<Duration>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `count` flags.
#[derive(Debug, Args)]
pub struct CountArgs {
    /// Stop counting when no message arrived for this long (a message still arriving holds
    /// it off)
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = flag_duration)]
    pub wait: Duration,
    /// Once messages arrive, stop counting when none came for this long (at most --wait)
    /// plus the connection's set-up time: the broker's burst ended
    #[arg(long, value_name = "DURATION", default_value = "200ms", value_parser = flag_duration)]
    pub settle: Duration,
    /// The broker's unacked window: a count at or above it prints as N+. Default: on MQTT 5
    /// the Receive Maximum mqq sent (65535); on MQTT 3.1.1 the one `mqq check` measured on
    /// this broker (kept 7 days), else 10, which suits every broker mqq was measured with
    /// (mosquitto 20, RabbitMQ 10)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=65535))]
    pub window: Option<u64>,
    /// How long to wait for the broker: connecting, and each answer after (exit 3 when none
    /// comes). Default: options.connect_timeout (30s)
    #[arg(short = 'W', long, value_name = "DURATION", value_parser = flag_duration)]
    pub timeout: Option<Duration>,
}

#[cfg(test)]
mod tests {
    use super::{command, parse::VERBS, parse_fast, parse_from};
    use std::ffi::OsString;

    /// `line` as the process's arguments, after `mqq`.
    pub(super) fn argv(line: &str) -> Vec<OsString> {
        std::iter::once("mqq")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect()
    }

    /// The verbs built alone have the flags the full command gives them, to the last setting
    /// and help text (only the verb's own about text is missing).
    #[test]
    fn verbs_built_alone_match_the_full_command() {
        let full = command();
        for verb in VERBS {
            let Some(alone) = super::verb_command(verb) else {
                continue;
            };
            let there = full.find_subcommand(verb).unwrap();
            // The full command is built: its verbs hold the global flags too.
            let describe = |c: &clap::Command| -> Vec<String> {
                c.get_arguments()
                    .filter(|a| !a.is_global_set())
                    .map(|a| format!("{a:?}"))
                    .collect()
            };
            assert_eq!(describe(&alone), describe(there), "{verb}");
            let groups = |c: &clap::Command| -> Vec<String> {
                c.get_groups().map(|g| format!("{g:?}")).collect()
            };
            assert_eq!(groups(&alone), groups(there), "{verb}");
        }
    }

    /// The fast path parses exactly as the full command, and where it cannot (errors, help),
    /// the full command's own error comes out.
    #[test]
    fn the_fast_parse_equals_the_full_parse() {
        use clap::FromArgMatches as _;
        for line in [
            "-t x send hello world",
            "-t send receive -n 3 -W 2s",
            "-h 127.0.0.1 -p 1883 -t b/w1 -q 0 --raw --quiet send -l",
            "-t x -i w1 --set options.retain=true send -r -n",
            "listen -t x -v --idle-timeout 1s",
            "-t x peek -n 5 --wait 2s",
            "-t x -i a count --wait 200ms",
            "-t x send -l --ndjson --skip-bad",
            "completions bash",
            "-t x work -j 2 -- ./h.sh a b",
        ] {
            let v = argv(line);
            let (fast, fast_m) = parse_fast(&v).unwrap_or_else(|| panic!("{line}: not fast"));
            let full_m = command().try_get_matches_from(&v).unwrap();
            let full = super::Cli::from_arg_matches(&full_m).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{line}");
            for id in ["host", "topic", "qos", "raw", "set", "client_id"] {
                assert_eq!(
                    fast_m.value_source(id),
                    full_m.value_source(id),
                    "{line}: {id}"
                );
            }
        }
        for line in [
            "-t x send -l hello",
            "-t x receive -n nope",
            "-t x sned",
            "-t x send --help",
            "--help",
        ] {
            let v = argv(line);
            let fast = parse_from(&v)
                .err()
                .unwrap_or_else(|| panic!("{line}: parsed"));
            let full = command().try_get_matches_from(&v).unwrap_err();
            assert_eq!(fast.kind(), full.kind(), "{line}");
            assert_eq!(fast.to_string(), full.to_string(), "{line}");
        }
    }

    #[test]
    fn clap_definition_is_consistent() {
        command().debug_assert();
    }
}
