//! `mqq config`: the resolved queue as YAML, every value followed by `# <source>`. The
//! password is always `'***'` and URIs carry no userinfo. Absent values are shown as `~`
//! with the source that left them unset (`default` when nobody set them).

use super::{keys, Resolved, Source};

/// Renders the resolved config as YAML text with a `# source` comment after every value.
pub fn render(resolved: &Resolved) -> String {
    let c = &resolved.config;
    let mut out = String::from("# resolved queue config; after each value: where it came from\n");
    let mut line = |text: String, key: &str| {
        let source = resolved
            .sources
            .get(key)
            .unwrap_or(&Source::Default)
            .to_string();
        // A comment ends at the line break: keep a strange path on its line.
        out.extend([
            text,
            "  # ".into(),
            source.replace(['\n', '\r'], " "),
            "\n".into(),
        ]);
    };
    let opt = |v: Option<&str>| v.map_or_else(|| "~".to_string(), scalar);
    line(format!("name: {}", opt(c.name.as_deref())), "name");
    line(format!("topic: {}", opt(c.topic.as_deref())), "topic");
    if !c.extra_topics.is_empty() {
        let more: Vec<String> = c.extra_topics.iter().map(|t| scalar(t)).collect();
        line(
            format!(
                "# more filters of the subscription (-t): {}",
                more.join(", ")
            ),
            "topic",
        );
    }
    line(
        format!("client_id: {}", opt(c.client_id.as_deref())),
        "client_id",
    );
    for (i, addr) in c.connections.iter().enumerate() {
        let prefix = if i == 0 { "connections:\n" } else { "" };
        line(
            format!("{prefix}  - uri: {}", scalar(&addr.uri())),
            &format!("connections.{i}.uri"),
        );
    }
    let username = c.credential.as_ref().map(|cr| cr.username.as_str());
    line(
        format!("credential:\n  username: {}", opt(username)),
        "credential.username",
    );
    let password_given = c.credential.is_some()
        && resolved
            .sources
            .get("credential.password")
            .is_some_and(|s| *s != Source::Default);
    let password = if password_given { "'***'" } else { "~" };
    line(format!("  password: {password}"), "credential.password");
    for (field, path) in [
        ("ssl_ca_file", &c.tls.ca_file),
        ("ssl_crt_file", &c.tls.cert_file),
        ("ssl_key_file", &c.tls.key_file),
    ] {
        let shown = path.as_ref().map(|p| p.to_string_lossy());
        line(
            format!("  {field}: {}", opt(shown.as_deref())),
            &format!("credential.{field}"),
        );
    }
    for (i, row) in keys::section("options").enumerate() {
        let prefix = if i == 0 { "options:\n" } else { "" };
        let value = resolved.shown.get(row.key).map_or("~", String::as_str);
        // Canonical option values (numbers, true/false, 3/4/both) are plain YAML as they are.
        line(format!("{prefix}  {}: {value}", row.field()), row.key);
    }
    out
}

/// A string as a YAML scalar: plain when it reads back as the same string, else a
/// double-quoted (JSON) string, which YAML reads as written.
pub(super) fn scalar(text: &str) -> String {
    let plain_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ':' | '+' | '@'));
    let plain_start = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '/');
    if plain_chars && plain_start {
        if let Ok(serde_norway::Value::String(s)) = serde_norway::from_str(text) {
            if s == text {
                return text.to_string();
            }
        }
    }
    serde_json::to_string(text).unwrap_or_else(|_| "~".to_string())
}
