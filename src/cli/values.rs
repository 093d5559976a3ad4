//! The value parsers of the flags that need more than clap's own: the words completions
//! offer for a value that other spellings also parse (`-V`, `-q`, `-F`), and counts of one or
//! more with a message that says so.

/// A value parser that parses as `inner` does and offers `values` to completions and help:
/// the words a shell should complete, while other spellings (aliases, templates) still parse.
#[derive(Clone)]
pub(super) struct Offer<P> {
    inner: P,
    values: &'static [&'static str],
}

impl<P> Offer<P> {
    pub(super) fn new(inner: P, values: &'static [&'static str]) -> Self {
        Offer { inner, values }
    }
}

impl<P: clap::builder::TypedValueParser> clap::builder::TypedValueParser for Offer<P> {
    type Value = P::Value;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        self.inner.parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            self.values
                .iter()
                .map(|v| clap::builder::PossibleValue::new(*v)),
        ))
    }
}

/// A plain parsing function, as clap takes one.
pub(super) type Parse<T> = fn(&str) -> Result<T, String>;

/// `-V`: what completions offer (mosquitto's spellings `mqttv311`, `mqttv5` parse too).
pub(super) fn protocol_version() -> Offer<clap::builder::NonEmptyStringValueParser> {
    Offer::new(
        clap::builder::NonEmptyStringValueParser::new(),
        &["3.1.1", "5", "auto"],
    )
}

/// `--envelope-version`.
pub(super) fn envelope_version() -> Offer<clap::builder::NonEmptyStringValueParser> {
    Offer::new(
        clap::builder::NonEmptyStringValueParser::new(),
        &["3", "4", "both"],
    )
}

/// `-q`.
pub(super) fn qos() -> Offer<Parse<u8>> {
    Offer::new(
        |t: &str| crate::config::values::parse_qos(t).ok_or_else(|| "use 0, 1 or 2".to_string()),
        &["0", "1", "2"],
    )
}

/// A count of 1 or more (`-n`, `--repeat`), with a message that says so.
pub(super) fn at_least_one(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("use 1 or more".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("use a whole number, 1 or more".into()),
    }
}

/// `--max-attempts`: 1 or more.
pub(super) fn attempts(text: &str) -> Result<u32, String> {
    at_least_one(text).and_then(|n| u32::try_from(n).map_err(|_| "use a smaller number".into()))
}

/// The verbs that have a manual page: all but `help`.
pub(super) fn man_verbs() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(super::parse::VERBS.iter().filter(|v| **v != "help"))
}
