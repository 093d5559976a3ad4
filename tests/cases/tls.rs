//! TLS: a private CA, mutual TLS, and each certificate problem with its own message and
//! exit code, against a real TLS server (mosquitto's listener, or a rustls terminator in
//! front of the embedded broker). Certificates are made at test time.

use crate::support::tls::{Pki, TlsBroker};
use crate::support::{free_port, mqq, topic, Broker};

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_private_ca_is_trusted_with_cafile_and_only_then() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.server, None);
    let t = topic("tls-ca");
    // Without the CA: exit 3, the problem and the flag that fixes it.
    b.mqq()
        .topic(&t)
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("not signed by a CA this system trusts")
        .stderr_has("--cafile")
        .stderr_lines(1);
    // With it: the message goes through TLS and comes back byte for byte.
    let listener = b
        .mqq()
        .topic(&t)
        .args(["--cafile", path(&pki.ca), "--raw", "listen", "-n", "1"])
        .spawn();
    b.mqq()
        .topic(&t)
        .args(["--cafile", path(&pki.ca), "--raw", "send", "over tls"])
        .run()
        .expect_code(0);
    listener.finish().expect_bytes(0, b"over tls\n");
    // The CA from the environment (credential.ssl_ca_file) works the same, and `config`
    // shows where it came from.
    b.mqq()
        .topic(&t)
        .env("MQQ_CAFILE", path(&pki.ca))
        .args(["send", "x"])
        .run()
        .expect_code(0);
    mqq()
        .env("MQQ_CAFILE", path(&pki.ca))
        .args(["config"])
        .run()
        .expect_code(0)
        .stdout_has(&format!("ssl_ca_file: {}  # env MQQ_CAFILE", path(&pki.ca)));
    // A CA that did not sign the broker's certificate: its own message.
    b.mqq()
        .topic(&t)
        .args(["--cafile", path(&pki.other_ca), "send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("not signed by the CA given");
}

#[test]
fn tls_flag_and_host_port_reach_a_tls_listener() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.server, None);
    mqq()
        .topic(&topic("tls-flag"))
        .args(["-h", "127.0.0.1", "-p", &b.port.to_string(), "--tls"])
        .args(["--cafile", path(&pki.ca), "send", "x"])
        .run()
        .expect_code(0);
}

#[test]
fn mutual_tls_needs_the_client_certificate() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.server, Some(&pki.ca));
    let t = topic("mtls");
    let ca = ["--cafile", path(&pki.ca)];
    b.mqq()
        .topic(&t)
        .args(ca)
        .args([
            "--cert",
            path(&pki.client.cert),
            "--key",
            path(&pki.client.key),
        ])
        .args(["send", "x"])
        .run()
        .expect_code(0);
    b.mqq()
        .topic(&t)
        .args(ca)
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("requires a client certificate")
        .stderr_has("--cert");
    // A certificate from a CA the broker does not trust.
    b.mqq()
        .topic(&t)
        .args(ca)
        .args([
            "--cert",
            path(&pki.stranger.cert),
            "--key",
            path(&pki.stranger.key),
        ])
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("rejected the client certificate");
}

#[test]
fn a_wrong_name_says_which_name_the_certificate_has() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.wrong_name, None);
    let t = topic("tls-name");
    b.mqq()
        .topic(&t)
        .args(["--cafile", path(&pki.ca), "send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("certificate is for other.example, not 127.0.0.1")
        .stderr_has("--tls-server-name other.example");
    // Dialing the IP, verifying the name the certificate carries.
    b.mqq()
        .topic(&t)
        .args([
            "--cafile",
            path(&pki.ca),
            "--tls-server-name",
            "other.example",
        ])
        .args(["send", "x"])
        .run()
        .expect_code(0);
}

#[test]
fn an_expired_certificate_has_its_own_message_and_insecure_warns() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.expired, None);
    let t = topic("tls-expired");
    b.mqq()
        .topic(&t)
        .args(["--cafile", path(&pki.ca), "send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("certificate has expired");
    // --insecure gets through, and says what it costs, every time.
    for _ in 0..2 {
        b.mqq()
            .topic(&t)
            .args(["--insecure", "send", "x"])
            .run()
            .expect_code(0)
            .stderr_has("warning: --insecure: the broker's certificate is not verified");
    }
}

#[test]
fn bad_tls_files_are_usage_errors_that_name_the_file() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.server, Some(&pki.ca));
    let t = topic("tls-files");
    let run = |args: &[&str]| {
        let mut m = b.mqq().topic(&t);
        if !args.contains(&"--cafile") {
            m = m.args(["--cafile", path(&pki.ca)]);
        }
        m.args(args).args(["send", "x"]).run()
    };
    run(&["--cafile", "/nonexistent/ca.pem"])
        .expect_code(2)
        .stderr_has("/nonexistent/ca.pem: cannot be read")
        .stderr_lines(1);
    // The key of another certificate.
    run(&[
        "--cert",
        path(&pki.client.cert),
        "--key",
        path(&pki.stranger.key),
    ])
    .expect_code(2)
    .stderr_has("is not the private key of the certificate");
    run(&["--cert", path(&pki.client.cert)])
        .expect_code(2)
        .stderr_has("--key");
    // A certificate file given as the key, and a key given as the CA.
    run(&[
        "--cert",
        path(&pki.client.cert),
        "--key",
        path(&pki.client.cert),
    ])
    .expect_code(2)
    .stderr_has("holds no PEM private key");
    run(&["--cafile", path(&pki.client.key)])
        .expect_code(2)
        .stderr_has("holds no PEM certificate");
    let encrypted = pki.path("encrypted.key");
    std::fs::write(
        &encrypted,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n\
         -----END ENCRYPTED PRIVATE KEY-----\n",
    )
    .unwrap();
    run(&["--cert", path(&pki.client.cert), "--key", path(&encrypted)])
        .expect_code(2)
        .stderr_has("encrypted private key")
        .stderr_has("openssl pkey");
}

#[test]
fn tls_and_plain_ports_mixed_up_say_so() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.server, None);
    // TLS to the plain port.
    mqq()
        .uri(&format!("mqtts://127.0.0.1:{}", b.plain_port))
        .topic("x")
        .args(["--cafile", path(&pki.ca), "send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("this port does not speak TLS")
        .stderr_has("mqtt://");
    // Plain MQTT to the TLS port.
    mqq()
        .uri(&format!("mqtt://127.0.0.1:{}", b.port))
        .topic("x")
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("this port speaks TLS")
        .stderr_has("mqtts://");
}

#[test]
fn tls_settings_without_a_tls_address_warn() {
    let b = Broker::start();
    b.mqq()
        .topic(&topic("tls-ignored"))
        .args(["--cafile", "/nonexistent/ca.pem", "send", "x"])
        .run()
        .expect_code(0)
        .stderr_has("TLS settings ignored");
    // And nothing listens: a TLS address with no server is a plain connect failure.
    mqq()
        .uri(&format!("mqtts://127.0.0.1:{}", free_port()))
        .topic("x")
        .args(["send", "x"])
        .run()
        .expect_code(3)
        .stderr_has("connection refused");
}

/// Runs openssl (installed by `.ci/run`) in `dir`.
fn openssl(dir: &std::path::Path, args: &[&str]) {
    let st = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl is missing: apt-get install -y openssl");
    assert!(st.success(), "openssl {args:?}");
}

#[test]
fn client_keys_in_pkcs8_pkcs1_rsa_and_sec1_ec_all_work() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.server, Some(&pki.ca));
    let dir = pki.path("");
    // SEC1 ("BEGIN EC PRIVATE KEY") from the PKCS#8 EC key rcgen made.
    openssl(
        &dir,
        &["ec", "-in", "client.key", "-out", "client-sec1.key"],
    );
    // An RSA client certificate with a PKCS#1 ("BEGIN RSA PRIVATE KEY") key, signed by the CA.
    std::fs::write(
        dir.join("v3.ext"),
        "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n",
    )
    .unwrap();
    openssl(
        &dir,
        &["genrsa", "-traditional", "-out", "rsa-pkcs1.key", "2048"],
    );
    openssl(
        &dir,
        &[
            "req",
            "-new",
            "-key",
            "rsa-pkcs1.key",
            "-subj",
            "/CN=mqq-rsa",
            "-out",
            "rsa.csr",
        ],
    );
    openssl(
        &dir,
        &[
            "x509",
            "-req",
            "-in",
            "rsa.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            path(&pki.ca_key),
            "-days",
            "2",
            "-extfile",
            "v3.ext",
            "-out",
            "rsa.pem",
        ],
    );
    let sec1 = std::fs::read_to_string(dir.join("client-sec1.key")).unwrap();
    assert!(sec1.contains("BEGIN EC PRIVATE KEY"), "{sec1}");
    let pkcs1 = std::fs::read_to_string(dir.join("rsa-pkcs1.key")).unwrap();
    assert!(pkcs1.contains("BEGIN RSA PRIVATE KEY"), "{pkcs1}");
    let t = topic("tls-keys");
    for (cert, key) in [
        (pki.client.cert.clone(), pki.client.key.clone()),
        (pki.client.cert.clone(), dir.join("client-sec1.key")),
        (dir.join("rsa.pem"), dir.join("rsa-pkcs1.key")),
    ] {
        b.mqq()
            .topic(&t)
            .args([
                "--cafile",
                path(&pki.ca),
                "--cert",
                path(&cert),
                "--key",
                path(&key),
            ])
            .args(["send", "x"])
            .run()
            .expect_code(0);
    }
    // --capath: a directory of CA files works like --cafile.
    let cas = pki.path("cas");
    std::fs::create_dir(&cas).unwrap();
    std::fs::copy(&pki.ca, cas.join("private-ca.crt")).unwrap();
    b.mqq()
        .topic(&t)
        .args(["--capath", path(&cas), "--cert", path(&pki.client.cert)])
        .args(["--key", path(&pki.client.key), "send", "x"])
        .run()
        .expect_code(0);
}

#[test]
fn the_tls_example_config_runs_as_written() {
    let pki = Pki::new();
    let b = TlsBroker::start(&pki.server, Some(&pki.ca));
    // The PKI's files are named as config/tls.yml expects: ca.pem, client.pem, client.key.
    let config = format!("{}/config/tls.yml", env!("CARGO_MANIFEST_DIR"));
    mqq()
        .env("MQQ_BROKER_HOST", "localhost")
        .env(
            "MQQ_TLS_DIR",
            pki.path("").to_str().unwrap().trim_end_matches('/'),
        )
        .args([
            "--config",
            &config,
            "-p",
            &b.port.to_string(),
            "check",
            "-n",
            "5",
        ])
        .run()
        .expect_code(0)
        .stdout_has("broker      mqtts://localhost:");
}
