//! Targets by host name, the Host header, and https (a local TLS server with a certificate
//! made in the test, trusted through the job's `tls.caPem`).

mod common;

use common::{job, ok_json, run_job, serve, serve_tls, status, Reply};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use std::sync::Arc;

const OK: &str = "{\"ok\":true}";

#[test]
fn a_host_name_is_resolved_and_sent_as_written_in_the_host_header() {
    let server = serve(|_, _| ok_json(OK));
    // `localhost` goes through the system's resolver like any name (no special case).
    let url = format!("http://localhost:{}", server.port);
    let (outcome, _) = run_job(&job(&url, json!({ "ratePerSecond": 100, "connections": 4 })));
    let planned = outcome.planned_in_window.unwrap();
    assert_eq!((outcome.counts.responses, outcome.counts.expected_status, outcome.counts.errors), (planned, planned, 0), "{:?}", outcome.first_error);
    // The addresses that took load: loopback ones the server listens on (a `::1` that refuses is left out).
    assert_eq!(outcome.addresses, [format!("127.0.0.1:{}", server.port)]);
    let received = server.received.lock().unwrap();
    assert!(!received.is_empty());
    assert!(received.iter().all(|request| request.host == format!("localhost:{}", server.port)), "{:?}", received.first());
}

#[test]
fn an_ip_address_is_its_own_host_header() {
    let server = serve(|_, _| ok_json(OK));
    let (outcome, _) = run_job(&job(&server.url(), json!({ "ratePerSecond": 50 })));
    assert_eq!(outcome.counts.errors, 0);
    assert!(server.received.lock().unwrap().iter().all(|request| request.host == format!("127.0.0.1:{}", server.port)));
}

/// A self-signed certificate for `localhost` and a TLS server configuration with it.
fn localhost_certificate() -> (String, Arc<rustls::ServerConfig>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("make a certificate");
    let der = CertificateDer::from(certified.cert.der().to_vec());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![der], key)
        .expect("a server configuration");
    (certified.cert.pem(), Arc::new(config))
}

#[test]
fn https_with_a_trusted_ca_gets_answers_checked_like_plaintext() {
    let (ca_pem, config) = localhost_certificate();
    let server = serve_tls(config, |request, _| match request.method.as_str() {
        // A body larger than rustls' 64 KiB write buffer, and chunked answers.
        "POST" if request.body.len() == 200_000 => status(201, ""),
        "POST" => status(400, "short body"),
        _ => Reply::Bytes(vec![b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec(), b"b\r\n{\"ok\":true}\r\n".to_vec(), b"0\r\n\r\n".to_vec()]),
    });
    let url = format!("https://localhost:{}", server.port);
    let sources = json!([
        { "weight": 3, "list": [{ "method": "GET", "path": "/json", "expectStatus": 200, "expectBody": OK }] },
        { "weight": 1, "list": [{ "method": "POST", "path": "/items", "body": "x".repeat(200_000), "expectStatus": 201 }] }
    ]);
    let (outcome, _) = run_job(&job(&url, json!({ "ratePerSecond": 100, "connections": 4, "verifyEvery": 1, "sources": sources, "tls": { "caPem": ca_pem } })));
    let planned = outcome.planned_in_window.unwrap();
    let counts = &outcome.counts;
    assert_eq!((counts.responses, counts.expected_status, counts.errors, counts.timeouts), (planned, planned, 0, 0), "{:?}", outcome.first_error);
    assert!(counts.status_counts.get("201").is_some_and(|&count| count > 0), "{counts:?}");
    assert!(counts.verified > 0 && counts.mismatches == 0, "{counts:?}");
    assert!(server.received.lock().unwrap().iter().all(|request| request.host == format!("localhost:{}", server.port)));
}

#[test]
fn https_to_an_untrusted_certificate_fails_every_connect_with_the_reason() {
    let (_, config) = localhost_certificate();
    let server = serve_tls(config, |_, _| ok_json(OK));
    let url = format!("https://localhost:{}", server.port);
    let (outcome, _) = run_job(&job(&url, json!({ "ratePerSecond": 50, "connections": 2 })));
    assert_eq!(outcome.counts.responses, 0);
    assert!(outcome.counts.errors > 0);
    let first_error = outcome.first_error.unwrap_or_default();
    assert!(first_error.contains("TLS handshake failed: invalid peer certificate: UnknownIssuer"), "{first_error}");
    assert!(server.received.lock().unwrap().is_empty(), "no request went over an unverified connection");
}

#[test]
fn https_checks_the_name_in_the_certificate() {
    // The certificate is for `localhost`; the IP address is not in it.
    let (ca_pem, config) = localhost_certificate();
    let server = serve_tls(config, |_, _| ok_json(OK));
    let url = format!("https://127.0.0.1:{}", server.port);
    let (outcome, _) = run_job(&job(&url, json!({ "ratePerSecond": 50, "connections": 2, "tls": { "caPem": ca_pem } })));
    assert_eq!(outcome.counts.responses, 0);
    assert!(outcome.first_error.unwrap_or_default().contains("invalid peer certificate"));
}
