//! Cases that need no broker: config resolution through the binary, examples, completions.

use crate::support::{mqq, once};

fn manifest(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_completions_match_the_cli() {
    if !once() {
        return;
    }
    for (args, file) in [
        (["completions", "bash"], "completions/mqq.bash"),
        (["completions", "zsh"], "completions/_mqq"),
        (["completions", "fish"], "completions/mqq.fish"),
        (["completions", "elvish"], "completions/mqq.elv"),
        (["completions", "powershell"], "completions/_mqq.ps1"),
    ] {
        let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
        let o = mqq().args(&args).run();
        o.expect_code(0);
        let committed = std::fs::read(manifest(file)).unwrap();
        assert!(
            o.stdout == committed,
            "{file} is stale: regenerate with `mqq {} > {file}` (or `bash completions/generate`)",
            args.join(" ")
        );
    }
}

#[test]
fn committed_man_pages_match_the_cli() {
    if !once() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    mqq()
        .args(["man", "--dir", out.to_str().unwrap()])
        .run()
        .expect(0, "");
    let names = |d: &std::path::Path| {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let generated = names(&out);
    assert_eq!(generated, names(std::path::Path::new(&manifest("man"))));
    for file in generated {
        let committed = std::fs::read(manifest(&format!("man/{file}"))).unwrap();
        assert!(
            std::fs::read(out.join(&file)).unwrap() == committed,
            "man/{file} is stale: regenerate with `bash completions/generate`"
        );
    }
}

#[test]
fn every_verb_has_its_man_page() {
    if !once() {
        return;
    }
    let o = mqq().args(["man", "send"]).run();
    o.expect_code(0);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(".TH MQQ-SEND 1"), "{text:.200}");
    assert!(text.contains("\\-\\-lines"), "mqq-send(1) lacks --lines");
    mqq()
        .args(["man", "sned"])
        .run()
        .expect_code(2)
        .stderr_has("sned");
}

#[test]
fn the_man_page_and_completions_name_every_verb() {
    if !once() {
        return;
    }
    let man = mqq().args(["man"]).run();
    man.expect_code(0);
    let text = String::from_utf8_lossy(&man.stdout);
    assert!(text.starts_with(".ie"), "roff expected: {text:.80}");
    for verb in [
        "send", "receive", "listen", "peek", "count", "clear", "config",
    ] {
        assert!(text.contains(verb), "man page lacks {verb}");
    }
    mqq()
        .args(["--help"])
        .run()
        .expect_code(0)
        .stdout_has("completions")
        .stdout_has("man");
}

#[test]
fn example_configs_resolve() {
    if !once() {
        return;
    }
    // No warnings expected: nothing on stderr.
    mqq()
        .args(["--config", &manifest("config/queue.yml"), "config"])
        .run()
        .expect_code(0)
        .stdout_has("client_id: orders-worker-1")
        .stderr_lines(0);
    mqq()
        .args(["--config", &manifest("config/queues.yml")])
        .args(["--queue", "alerts", "config"])
        .run()
        .expect_code(0)
        .stdout_has("topic: alerts")
        .stdout_has("mqtt://localhost:1884")
        .stdout_has("serialize_envelope: false");
    mqq()
        .args(["--config", &manifest("config/local.yml"), "config"])
        .run()
        .expect_code(0)
        .stdout_has("uri: mqtt://localhost:1883")
        .stdout_has("client_id: demo-worker")
        .stderr_lines(0);
    mqq()
        .args(["--config", &manifest("config/tls.yml"), "config"])
        .env("MQQ_BROKER_HOST", "broker.internal")
        .env("MQQ_TLS_DIR", "/etc/mqq/tls")
        .run()
        .expect_code(0)
        .stdout_has("uri: mqtts://broker.internal:8883")
        .stdout_has("ssl_ca_file: /etc/mqq/tls/ca.pem")
        .stdout_has("ssl_crt_file: /etc/mqq/tls/client.pem")
        .stdout_has("ssl_key_file: /etc/mqq/tls/client.key")
        .stderr_lines(0);
    mqq()
        .args(["--config", &manifest("config/websocket.yml"), "config"])
        .env("MQQ_WS_HOST", "localhost")
        .run()
        .expect_code(0)
        .stdout_has("uri: ws://localhost:15675/ws")
        .stderr_lines(0);
}

#[test]
fn container_config_with_env_and_flags_layered_on_top() {
    if !once() {
        return;
    }
    let o = mqq()
        .args(["--config", &manifest("config/container.yml")])
        .args(["--queue", "orders", "-q", "2", "config"])
        .env("MQTT_HOST", "broker.internal")
        .env("MQTT_USER", "svc")
        .env("MQTT_PASS", "Hunter2-Very-Secret")
        .env("MQQ_CLIENT_ID", "from-env")
        .run();
    o.expect_code(0);
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
        o.stdout_has(want);
    }
    o.never_shows("Hunter2");
}

#[test]
fn bad_config_inputs_exit_2_with_one_line() {
    if !once() {
        return;
    }
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
        mqq()
            .args(args)
            .run()
            .expect_code(2)
            .stderr_lines(1)
            .stderr_starts("mqq: error: ")
            .stderr_has(names);
    }
}

#[test]
fn an_unknown_set_key_is_exit_2_naming_the_nearest_key() {
    if !once() {
        return;
    }
    mqq()
        .args(["--set", "options.keepalive_timout=5", "-t", "x", "config"])
        .run()
        .expect_code(2)
        .stderr_lines(1)
        .stderr_has("unknown key \"options.keepalive_timout\" (flag --set); did you mean options.keepalive_timeout?");
}

#[test]
fn password_from_uri_flag_and_file_is_never_printed() {
    if !once() {
        return;
    }
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
        mqq()
            .args(args)
            .run()
            .expect_code(0)
            .never_shows("Secret")
            .stdout_has("password: '***'")
            .stdout_has("username: bob");
    }
}

#[test]
fn config_on_a_closed_or_full_stdout() {
    if !once() {
        return;
    }
    let o = mqq().args(["-t", "x", "config"]).run_with_stdout_closed();
    o.expect_code(0);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
    mqq()
        .args(["-t", "x", "config"])
        .run_with_stdout_full()
        .expect_code(1)
        .stderr_starts("mqq: error: could not write to stdout: No space left on device")
        .stderr_lines(1);
}

#[test]
fn flags_apply_in_command_line_order_wherever_they_stand() {
    if !once() {
        return;
    }
    for (args, want) in [
        (
            &["-t", "a", "--set", "topic=b", "config"][..],
            "topic: b  # flag --set",
        ),
        (
            &["--set", "topic=b", "-t", "a", "config"],
            "topic: a  # flag --topic",
        ),
        (
            &["config", "--set", "topic=b", "-t", "c"],
            "topic: c  # flag --topic",
        ),
        (
            &["--raw", "config"],
            "serialize_envelope: false  # flag --raw",
        ),
    ] {
        mqq().args(args).run().expect_code(0).stdout_has(want);
    }
}

#[test]
fn set_without_equals_never_echoes_a_secret() {
    if !once() {
        return;
    }
    mqq()
        .args(["--set", "credential.password:Sup3rS3cret", "config"])
        .run()
        .expect_code(2)
        .stderr_has("expected KEY=VALUE")
        .stderr_has("credential.password")
        .never_shows("Sup3rS3cret")
        .stderr_lines(1);
}

#[test]
fn huge_durations_are_usage_errors_not_panics() {
    if !once() {
        return;
    }
    for args in [
        &["-t", "x", "receive", "-W", "1e20"][..],
        &["-t", "x", "count", "--wait", "1e19"],
        &["-t", "x", "peek", "--wait", "2e19"],
        &["-t", "x", "listen", "--idle-timeout", "1e19"],
        &[
            "-t",
            "x",
            "--set",
            "options.connect_timeout=99999999999999999999",
            "config",
        ],
    ] {
        mqq().args(args).run().expect_code(2).stderr_lines(1);
    }
}

#[test]
fn a_non_utf8_environment_variable_is_no_crash() {
    use std::os::unix::ffi::OsStrExt as _;
    if !once() {
        return;
    }
    let o = mqq()
        .env_os("X", std::ffi::OsStr::from_bytes(b"\xff"))
        .args(["-t", "x", "config"])
        .run();
    o.expect_code(0).stdout_has("topic: x");
}

#[test]
fn bash_completion_sources_and_completes_verbs() {
    if !once() {
        return;
    }
    let script = format!(
        "source {}; COMP_WORDS=(mqq ch); COMP_CWORD=1; COMP_LINE='mqq ch'; COMP_POINT=6; \
         _mqq mqq ch mqq; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        manifest("completions/mqq.bash")
    );
    let o = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.lines().any(|l| l == "check"), "{text}");
}
