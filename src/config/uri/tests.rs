//! Connections: URIs, host/port layering, schemes and ports, userinfo, the failover list.

use crate::config::tests::{check_err, env_src, file, file_src, flag, flag_src, inputs, ok, uris};
use crate::config::*;

#[test]
fn tls_flag_upgrades_every_address() {
    for (uri, want) in [
        ("mqtt://h", "mqtts://h:8883"),
        ("mqtt://h:1883", "mqtts://h:1883"),
        ("ws://h:8080/ws", "wss://h:8080/ws"),
        ("mqtts://h", "mqtts://h:8883"),
    ] {
        let r = ok(&inputs(
            None,
            &[("MQQ_URI", uri)],
            &[flag("options.tls", "true", "--tls")],
        ));
        assert_eq!(uris(&r), [want], "{uri}");
    }
    let r = ok(&inputs(
        None,
        &[("MQQ_TLS", "yes"), ("MQQ_ALPN", "a,,b ")],
        &[flag("options.tls_alpn", "x-amzn-mqtt-ca", "--alpn")],
    ));
    assert_eq!(uris(&r), ["mqtts://localhost:8883"]);
    assert_eq!(r.config.tls.alpn, ["x-amzn-mqtt-ca"]);
    let r = ok(&inputs(None, &[("MQQ_ALPN", "a,,b ")], &[]));
    assert_eq!(r.config.tls.alpn, ["a", "b"]);
    assert_eq!(
        r.shown.get("options.tls_alpn").map(String::as_str),
        Some("\"a,b\"")
    );
}

#[test]
fn shape_a_connections_list_is_a_failover_list() {
    let f = file(
        "connections:\n  - { uri: 'mqtt://a:1883' }\n  - { host: b, port: 1884 }\n\
         \x20 - { protocol: wss, host: c }\n",
    );
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    assert_eq!(
        uris(&r),
        ["mqtt://a:1883", "mqtt://b:1884", "wss://c:443/mqtt"]
    );
    assert_eq!(r.sources.get("connections.2.uri"), Some(&file_src(&f)));
}

#[test]
fn uri_and_host_port_layering() {
    type UriCase<'a> = (
        &'a str,
        &'a [(&'a str, &'a str)],
        &'a [FlagValue],
        &'a str,
        Source,
    );
    let f_uri = "connection: { uri: 'mqtt://b:1883', host: ignored, port: 1 }\n";
    let f_host = "connection: { host: a, port: 1884, protocol: ssl }\n";
    let port_flag = [flag("connection.port", "1885", "--port")];
    let proto_flag = [flag("connection.protocol", "ws", "--protocol")];
    let uri_flag = [flag("connection.uri", "tcp://z", "--uri")];
    let host_flag = [flag("connection.host", "[::1]", "--host")];
    let cases: [UriCase; 9] = [
        (f_uri, &[], &[], "mqtt://b:1883", Source::Default),
        (f_uri, &[], &port_flag, "mqtt://b:1885", flag_src("--port")),
        (
            f_uri,
            &[("MQQ_HOST", "e")],
            &[],
            "mqtt://e:1883",
            env_src("MQQ_HOST"),
        ),
        (f_host, &[], &[], "mqtts://a:1884", Source::Default),
        (
            f_host,
            &[("MQQ_URI", "mqtt://c")],
            &[],
            "mqtt://c:1883",
            env_src("MQQ_URI"),
        ),
        (
            f_host,
            &[("MQQ_URI", "wss://c/ws")],
            &port_flag,
            "wss://c:1885/ws",
            flag_src("--port"),
        ),
        (
            f_host,
            &[("MQQ_URI", "mqtts://c")],
            &proto_flag,
            "ws://c:80/mqtt",
            flag_src("--protocol"),
        ),
        (
            f_host,
            &[("MQQ_PORT", "1999")],
            &uri_flag,
            "mqtt://z:1883",
            flag_src("--uri"),
        ),
        (
            f_host,
            &[],
            &host_flag,
            "mqtts://[::1]:1884",
            flag_src("--host"),
        ),
    ];
    for (yaml, env, flags, want, want_src) in cases {
        let f = file(yaml);
        let r = ok(&inputs(Some(f.path()), env, flags));
        assert_eq!(uris(&r), [want], "{yaml} {env:?} {flags:?}");
        let want_src = if want_src == Source::Default {
            file_src(&f)
        } else {
            want_src
        };
        assert_eq!(
            r.sources.get("connections.0.uri"),
            Some(&want_src),
            "{want}"
        );
    }
}

#[test]
fn uri_schemes_and_default_ports() {
    let cases = [
        ("mqtt://h", Transport::Tcp, 1883, "/"),
        ("tcp://h", Transport::Tcp, 1883, "/"),
        ("mqtts://h", Transport::Tls, 8883, "/"),
        ("ssl://h", Transport::Tls, 8883, "/"),
        ("tls://h:1", Transport::Tls, 1, "/"),
        ("ws://h", Transport::Ws, 80, "/mqtt"),
        ("ws://h/", Transport::Ws, 80, "/mqtt"),
        ("ws://h/ws", Transport::Ws, 80, "/ws"),
        ("wss://h", Transport::Wss, 443, "/mqtt"),
        ("WSS://h:8443/mqtt?x=1", Transport::Wss, 8443, "/mqtt?x=1"),
    ];
    for (uri, transport, port, path) in cases {
        let r = ok(&inputs(None, &[("MQQ_URI", uri)], &[]));
        let a = &r.config.connections[0];
        assert_eq!(
            (a.transport, a.host.as_str(), a.port, a.path.as_str()),
            (transport, "h", port, path),
            "{uri}"
        );
    }
    let r = ok(&inputs(
        None,
        &[("MQQ_PROTOCOL", "WS"), ("MQQ_HOST", "h")],
        &[],
    ));
    assert_eq!(uris(&r), ["ws://h:80/mqtt"]);
}

#[test]
fn uri_userinfo_fills_the_credential() {
    let env = [("MQQ_URI", "mqtt://bob:p%40ss%3Aword@h")];
    let r = ok(&inputs(None, &env, &[]));
    let cred = r.config.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("bob", "p@ss:word")
    );
    assert_eq!(
        r.sources.get("credential.password"),
        Some(&env_src("MQQ_URI"))
    );
    assert_eq!(uris(&r), ["mqtt://h:1883"]);

    // A higher layer's username wins; the URI still gives the password.
    let r = ok(&inputs(
        None,
        &env,
        &[flag("credential.username", "carol", "--username")],
    ));
    let cred = r.config.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("carol", "p@ss:word")
    );
    assert_eq!(
        r.sources.get("credential.username"),
        Some(&flag_src("--username"))
    );

    // A lower layer's credential yields to the URI; the same layer's wins over it.
    let f = file("credential: { username: file-user, password: file-pass }\n");
    let r = ok(&inputs(Some(f.path()), &env, &[]));
    assert_eq!(
        r.config.credential.as_ref().map(|c| c.username.as_str()),
        Some("bob")
    );
    let f = file("connection: { uri: 'mqtt://bob:pw@h' }\ncredential: { username: file-user }\n");
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    let cred = r.config.credential.as_ref().expect("credential");
    assert_eq!(
        (cred.username.as_str(), cred.password.expose()),
        ("file-user", "pw")
    );
}

#[test]
fn failover_list_collapses_under_env_or_flags() {
    let f = file("connections:\n  - { host: a }\n  - { host: b, port: 1884 }\n");
    let r = ok(&inputs(Some(f.path()), &[], &[]));
    assert_eq!(uris(&r), ["mqtt://a:1883", "mqtt://b:1884"]);
    let r = ok(&inputs(Some(f.path()), &[("MQQ_PORT", "1999")], &[]));
    assert_eq!(uris(&r), ["mqtt://a:1999"]);
    // Addressing the second connection keeps the list up to it.
    let r = ok(&inputs(
        Some(f.path()),
        &[],
        &[flag("connections.1.port", "2000", "--set")],
    ));
    assert_eq!(uris(&r), ["mqtt://a:1883", "mqtt://b:2000"]);
    assert_eq!(r.sources.get("connections.0.uri"), Some(&file_src(&f)));
    assert_eq!(r.sources.get("connections.1.uri"), Some(&flag_src("--set")));
}

#[test]
fn mask_userinfo_hides_everything_before_the_last_at() {
    let cases = [
        ("mqtt://u:p@h", "mqtt://***@h"),
        ("mqtt://u:p/x@y@h:1", "mqtt://***@h:1"),
        ("u:p@h", "***@h"),
        ("mqtt://h:1", "mqtt://h:1"),
    ];
    for (text, want) in cases {
        assert_eq!(uri::mask_userinfo(text), want);
    }
}

#[test]
fn bad_connection_values_are_named_even_when_the_uri_wins() {
    let uri = |v: &str| flag("connection.uri", v, "--uri");
    check_err(
        &inputs(None, &[], &[uri(",,")]),
        &["connection.uri: \",,\" (flag --uri)", "no address"],
    );
    check_err(
        &inputs(
            None,
            &[],
            &[uri("mqtt://h:1883"), flag("connection.port", "0", "--port")],
        ),
        &["connection.port: \"0\" (flag --port) is not a port"],
    );
    check_err(
        &inputs(
            None,
            &[],
            &[
                uri("mqtt://h:1883"),
                flag("connection.host", "a b", "--host"),
            ],
        ),
        &["connection.host: \"a b\" (flag --host) is not a host"],
    );
    check_err(
        &inputs(None, &[], &[uri("mqtt://a%ffb:Sup3rS3cret@h")]),
        &["mqtt://***@h", "user name is not UTF-8"],
    );
    check_err(
        &inputs(None, &[], &[uri("mqtt://a:Sup3rS3cret%ff@h")]),
        &["mqtt://***@h", "password is not UTF-8"],
    );
    let r = ok(&inputs(None, &[], &[uri("mqtt://b%C3%A9b:p%2Fw@h")]));
    let c = r.config.credential.expect("a credential");
    assert_eq!((c.username.as_str(), c.password.expose()), ("béb", "p/w"));
}

#[test]
fn the_path_of_an_mqtt_uri_is_the_topic_unless_one_is_given() {
    let uri = |v: &str| flag("connection.uri", v, "--uri");
    let r = ok(&inputs(None, &[], &[uri("mqtt://h:1883/sensors/#")]));
    assert_eq!(r.config.topic.as_deref(), Some("sensors/#"));
    assert_eq!(r.sources.get("topic"), Some(&flag_src("--uri")));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let r = ok(&inputs(
        None,
        &[],
        &[uri("mqtts://u:p%2Fw@h/a/b"), flag("topic", "t", "--topic")],
    ));
    assert_eq!(r.config.topic.as_deref(), Some("t"));
    assert_eq!(
        r.warnings,
        [
            "the path \"a/b\" of the connection URI (flag --uri) is not used as the topic: the \
          topic \"t\" (flag --topic) is given"
        ]
    );
    // A WebSocket path is the endpoint, not a topic; `/` alone is no topic.
    for u in ["ws://h:80/mqtt", "mqtt://h:1883/", "mqtt://h"] {
        let r = ok(&inputs(None, &[], &[uri(u)]));
        assert_eq!(r.config.topic, None, "{u}");
    }
}
