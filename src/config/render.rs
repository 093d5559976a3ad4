//! `mqq config`: the resolved queue as YAML, every value followed by `# <source>`. The
//! password is always `'***'` and URIs carry no userinfo. Absent values are shown as `~`
//! with the source that left them unset (`default` when nobody set them).

use super::keys;
use super::model::Resolved;
use super::source::Source;

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

#[cfg(test)]
mod tests {
    use crate::config::tests::{file, flag, inputs, ok, CONTAINER, CONTAINER_ENV};
    use crate::config::*;

    #[test]
    fn render_masks_the_password_and_shows_sources() {
        let f = file(CONTAINER);
        let mut env = CONTAINER_ENV.to_vec();
        env.push(("MQQ_CLIENT_ID", "worker-7"));
        let i = ConfigInputs {
            queue: Some("orders".into()),
            ..inputs(Some(f.path()), &env, &[flag("options.qos", "2", "--qos")])
        };
        let r = ok(&i);
        let text = render(&r);
        let p = f.path().display();
        assert!(!text.contains("Pa55-container"), "{text}");
        let want = format!(
            "# resolved queue config; after each value: where it came from\n\
             name: orders  # flag --queue\n\
             topic: orders  # file {p}\n\
             client_id: worker-7  # env MQQ_CLIENT_ID\n\
             connections:\n\
             \x20 - uri: mqtt://10.0.0.5:1883  # file {p}\n\
             \x20 - uri: mqtts://backup.example:8884  # file {p}\n\
             credential:\n\
             \x20 username: svc  # file {p}\n\
             \x20 password: '***'  # file {p}\n\
             \x20 ssl_ca_file: ~  # default\n\
             \x20 ssl_crt_file: ~  # default\n\
             \x20 ssl_key_file: ~  # default\n\
             options:\n\
             \x20 qos: 2  # flag --qos\n\
             \x20 retain: false  # default\n\
             \x20 serialize_envelope: true  # file {p}\n\
             \x20 autosubscribe: true  # file {p}\n\
             \x20 retry_connect: true  # default\n\
             \x20 connect_timeout: 30000  # default\n\
             \x20 reconnect_timeout: 1000  # default\n\
             \x20 keepalive_timeout: 60000  # default\n\
             \x20 group: ~  # default\n\
             \x20 tls: false  # default\n\
             \x20 tls_ca_path: ~  # default\n\
             \x20 tls_insecure: false  # default\n\
             \x20 tls_server_name: ~  # default\n\
             \x20 tls_alpn: ~  # default\n\
             \x20 envelope_version: 3  # default\n\
             \x20 protocol_version: auto  # default\n\
             \x20 session_expiry: never  # default\n"
        );
        assert_eq!(text, want);

        // A password from the URI is masked too, and the URI is shown without userinfo.
        let r = ok(&inputs(
            None,
            &[("MQQ_URI", "wss://u:Zz9-uri-secret@h/mqtt")],
            &[],
        ));
        let text = render(&r);
        assert!(!text.contains("Zz9-uri-secret"), "{text}");
        assert!(
            text.contains("  - uri: wss://h:443/mqtt  # env MQQ_URI\n"),
            "{text}"
        );
        assert!(
            text.contains("  password: '***'  # env MQQ_URI\n"),
            "{text}"
        );
        assert!(text.contains("name: ~  # default\n"), "{text}");
    }

    #[test]
    fn render_is_valid_yaml_that_reads_back() {
        let flags = [
            flag("topic", "a/#", "--topic"),
            flag("client_id", "id: with: colons", "--client-id"),
            flag("options.reconnect_timeout", "1500us", "--set"),
            flag("connection.host", "::1", "--host"),
        ];
        let r = ok(&inputs(None, &[("MQQ_QUEUE", "true")], &flags));
        let text = render(&r);
        let v: serde_norway::Value = serde_norway::from_str(&text).expect("valid YAML");
        assert_eq!(v["name"], serde_norway::Value::String("true".into()));
        assert_eq!(v["topic"], serde_norway::Value::String("a/#".into()));
        assert_eq!(
            v["client_id"],
            serde_norway::Value::String("id: with: colons".into())
        );
        assert_eq!(
            v["connections"][0]["uri"],
            serde_norway::Value::String("mqtt://[::1]:1883".into())
        );
        assert_eq!(v["credential"]["password"], serde_norway::Value::Null);
        assert_eq!(
            v["options"]["reconnect_timeout"],
            serde_norway::Value::String("1ms 500us".into())
        );
        assert_eq!(v["options"]["qos"], serde_norway::Value::Number(1.into()));
    }
}
