//! Cases that need no broker: config resolution through the binary, examples, completions.

use crate::support::{mqq, run};

fn manifest(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_completions_match_the_cli() {
    for (shell, file) in [("bash", "mqq.bash"), ("zsh", "_mqq"), ("fish", "mqq.fish")] {
        let o = run(mqq().args(["completions", shell]), b"");
        assert_eq!(o.code, 0);
        let committed = std::fs::read(manifest(&format!("completions/{file}"))).unwrap();
        assert!(
            o.stdout == committed,
            "completions/{file} is stale: regenerate with `mqq completions {shell} > completions/{file}`"
        );
    }
}

#[test]
fn example_configs_resolve() {
    let o = run(
        mqq().args(["--config", &manifest("config/queue.yml"), "config"]),
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.text().contains("client_id: orders-worker-1"),
        "{}",
        o.text()
    );
    assert!(o.stderr.is_empty(), "no warnings expected: {}", o.stderr);
    let o = run(
        mqq().args([
            "--config",
            &manifest("config/queues.yml"),
            "--queue",
            "alerts",
            "config",
        ]),
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = o.text();
    assert!(text.contains("topic: alerts"), "{text}");
    assert!(text.contains("mqtt://localhost:1884"), "{text}");
    assert!(text.contains("serialize_envelope: false"), "{text}");
}

#[test]
fn container_config_with_env_and_flags_layered_on_top() {
    let o = run(
        mqq()
            .args([
                "--config",
                &manifest("config/container.yml"),
                "--queue",
                "orders",
            ])
            .args(["-q", "2", "config"])
            .env("MQTT_HOST", "broker.internal")
            .env("MQTT_USER", "svc")
            .env("MQTT_PASS", "Hunter2-Very-Secret")
            .env("MQQ_CLIENT_ID", "from-env"),
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let text = o.text();
    for want in [
        "name: orders",
        "topic: orders",
        "client_id: from-env  # env MQQ_CLIENT_ID",
        "uri: mqtt://broker.internal:1883",
        "username: svc",
        "password: '***'",
        "qos: 2  # flag --qos",
        "autosubscribe: true  # file",
        "retain: false  # default",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("Hunter2") && !o.stderr.contains("Hunter2"));
}

#[test]
fn bad_config_inputs_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad_yaml = dir.path().join("bad.yml");
    std::fs::write(&bad_yaml, "topic: a\n  options: [\n").unwrap();
    let y = bad_yaml.to_str().unwrap();
    let container = manifest("config/container.yml");
    let profiles = manifest("config/queues.yml");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--config", y, "config"], "line"),
        (
            vec!["--config", "/nonexistent.yml", "config"],
            "/nonexistent.yml",
        ),
        (
            vec!["--config", &profiles, "--queue", "nope", "config"],
            "nope",
        ),
        (
            vec!["--config", &container, "--queue", "orders", "config"],
            "MQTT_HOST",
        ),
        (vec!["-L", "mqtt://h:notaport", "config"], "connection.uri"),
        (vec!["-L", "gopher://h", "config"], "gopher"),
        (vec!["-p", "0", "config"], "port"),
        (vec!["-p", "70000", "config"], "port"),
        (vec!["--set", "options.qos=3", "config"], "qos"),
        (
            vec!["--set", "options.connect_timeout=soon", "config"],
            "connect_timeout",
        ),
        (
            vec!["--password-file", "/nonexistent/pw", "config"],
            "/nonexistent/pw",
        ),
    ];
    for (args, names) in cases {
        let o = run(mqq().args(&args), b"");
        assert_eq!(o.code, 2, "{args:?}: {}", o.stderr);
        assert_eq!(o.stderr.lines().count(), 1, "{args:?}: {}", o.stderr);
        assert!(
            o.stderr.starts_with("mqq: error: "),
            "{args:?}: {}",
            o.stderr
        );
        assert!(
            o.stderr.contains(names),
            "{args:?} should name {names:?}: {}",
            o.stderr
        );
    }
}

#[test]
fn unknown_option_key_is_warned_about_by_name() {
    let o = run(
        mqq().args(["--set", "options.keepalive_timout=5", "-t", "x", "config"]),
        b"",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("keepalive_timout"), "{}", o.stderr);
}

#[test]
fn password_from_uri_flag_and_file_is_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "FileSecret-123\n").unwrap();
    for args in [
        vec!["-L", "mqtt://bob:Uri%40Secret-9@h:1884", "config"],
        vec!["-u", "bob", "-P", "FlagSecret-7", "config"],
        vec![
            "-u",
            "bob",
            "--password-file",
            pw.to_str().unwrap(),
            "config",
        ],
    ] {
        let o = run(mqq().args(&args), b"");
        assert_eq!(o.code, 0, "{args:?}: {}", o.stderr);
        let all = o.text() + &o.stderr;
        assert!(!all.contains("Secret"), "{args:?} leaked a secret: {all}");
        assert!(all.contains("password: '***'"), "{all}");
        assert!(all.contains("username: bob"), "{all}");
    }
}
