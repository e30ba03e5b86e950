//! HTTPS for the embedding and chat clients: a loopback rustls server whose CA the
//! test creates (rcgen), a certificate nobody vouches for (typed `HTTP` error, not
//! retried), and proxies (an explicit one and one from `HTTPS_PROXY`) tunnelling the
//! TLS connection with `CONNECT`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use lakehouse::embed::{Api, Embedder, HttpEmbedder, HttpEmbedderConfig};
use lakehouse::http::HttpOptions;
use lakehouse::replay::{ChatMessage, ChatModel, ChatParams, OpenAiChat, OpenAiChatConfig};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{json, Value};

/// A CA and a leaf certificate for 127.0.0.1 / localhost signed by it.
struct Pki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    leaf_key: Vec<u8>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "lakehouse test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        leaf: leaf.der().clone(),
        leaf_key: leaf_key.serialize_der(),
    }
}

/// A loopback HTTPS server answering embedding and chat requests; counts requests.
struct TlsServer {
    url: String,
    requests: Arc<AtomicUsize>,
}

fn answer(path: &str, req: &Value) -> Value {
    if path.ends_with("/v1/embeddings") {
        let data: Vec<Value> = req["input"]
            .as_array()
            .map(|a| a.as_slice())
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let n = t.as_str().map_or(0, str::len) as f32;
                json!({"index": i, "embedding": [n, 1.0, 0.0]})
            })
            .collect();
        json!({"object": "list", "data": data})
    } else {
        json!({"model": "tls-model",
               "choices": [{"message": {"role": "assistant", "content": "hello over TLS"}}],
               "usage": {"prompt_tokens": 5, "completion_tokens": 3}})
    }
}

/// Reads one HTTP/1.1 request (head + Content-Length body): (path, JSON body).
fn read_request(r: &mut impl BufRead) -> Option<(String, Value)> {
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).ok()?;
    Some((path, serde_json::from_slice(&body).ok()?))
}

impl TlsServer {
    fn start(p: &Pki) -> TlsServer {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![p.leaf.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(p.leaf_key.clone())),
            )
            .unwrap();
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "https://127.0.0.1:{}",
            listener.local_addr().unwrap().port()
        );
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        std::thread::spawn(move || {
            // Bounded: a test makes a handful of connections.
            for stream in listener.incoming().take(64) {
                let Ok(tcp) = stream else { continue };
                let config = config.clone();
                let count = count.clone();
                std::thread::spawn(move || {
                    let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)));
                    let Ok(conn) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut tls = rustls::StreamOwned::new(conn, tcp);
                    let mut reader = BufReader::new(&mut tls);
                    // A client that refuses the certificate ends the handshake here.
                    let Some((path, req)) = read_request(&mut reader) else {
                        return;
                    };
                    drop(reader);
                    count.fetch_add(1, Ordering::SeqCst);
                    let body = answer(&path, &req).to_string();
                    let _ = write!(
                        tls,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.flush();
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                });
            }
        });
        TlsServer { url, requests }
    }
}

/// A loopback HTTP proxy that tunnels `CONNECT host:port` and records the targets.
struct Proxy {
    url: String,
    targets: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    fn start() -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let targets = Arc::new(Mutex::new(Vec::new()));
        let seen = targets.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().take(16) {
                let Ok(client) = stream else { continue };
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(client.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let (Some("CONNECT"), Some(target)) = (parts.next(), parts.next()) else {
                        return;
                    };
                    let target = target.to_string();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                    }
                    seen.lock().unwrap().push(target.clone());
                    let Ok(upstream) = TcpStream::connect(&target) else {
                        return;
                    };
                    let mut c = client;
                    if c.write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                        .is_err()
                    {
                        return;
                    }
                    let (mut c2, mut u2) = (c.try_clone().unwrap(), upstream.try_clone().unwrap());
                    let mut u = upstream;
                    let up = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut reader, &mut u);
                        let _ = u.shutdown(std::net::Shutdown::Write);
                    });
                    let _ = std::io::copy(&mut u2, &mut c2);
                    let _ = c.shutdown(std::net::Shutdown::Both);
                    let _ = up.join();
                });
            }
        });
        Proxy { url, targets }
    }
}

fn ca_file(p: &Pki) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("ca.pem");
    std::fs::write(&path, &p.ca_pem).unwrap();
    (d, path)
}

fn http(root_certs_pem: Option<PathBuf>, proxy: Option<String>) -> HttpOptions {
    HttpOptions {
        timeout_ms: 10_000,
        max_retries: 2,
        backoff_base_ms: 1,
        backoff_max_ms: 20,
        root_certs_pem,
        proxy,
        ..HttpOptions::default()
    }
}

fn embedder(url: &str, http: HttpOptions) -> HttpEmbedder {
    HttpEmbedder::new(HttpEmbedderConfig {
        url: url.to_string(),
        api: Api::OpenAi,
        model: "m".into(),
        dim: 3,
        http,
        ..HttpEmbedderConfig::default()
    })
    .unwrap()
}

fn chat(url: &str, http: HttpOptions) -> OpenAiChat {
    OpenAiChat::new(OpenAiChatConfig {
        base_url: url.to_string(),
        model: "m".into(),
        api_key: Some("sk-test".into()),
        http,
    })
    .unwrap()
}

#[test]
fn embedding_and_chat_over_https_with_the_servers_ca() {
    let p = pki();
    let (_d, ca) = ca_file(&p);
    let server = TlsServer::start(&p);
    let e = embedder(&server.url, http(Some(ca.clone()), Some(String::new())));
    let v = e.embed(&["abc", "de"]).unwrap();
    assert_eq!(v, vec![vec![3.0, 1.0, 0.0], vec![2.0, 1.0, 0.0]]);
    let c = chat(&server.url, http(Some(ca), Some(String::new())));
    let got = c
        .complete(&[ChatMessage::user("hi")], &ChatParams::default())
        .unwrap();
    assert_eq!(got.content, "hello over TLS");
    assert_eq!((got.prompt_tokens, got.completion_tokens), (5, 3));
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn a_certificate_nobody_vouches_for_is_a_typed_error_and_not_retried() {
    let p = pki();
    let server = TlsServer::start(&p);
    // The bundled Mozilla roots do not know the test CA.
    let e = embedder(&server.url, http(None, Some(String::new())));
    let err = e.embed(&["abc"]).unwrap_err();
    assert_eq!(err.code(), "HTTP", "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert!(!err.to_string().contains("attempts"), "not retried: {err}");
    // Another CA than the server's: refused the same way, by the chat client too.
    let other = pki();
    let (_d, wrong_ca) = ca_file(&other);
    let c = chat(&server.url, http(Some(wrong_ca), Some(String::new())));
    let err = c
        .complete(&[ChatMessage::user("hi")], &ChatParams::default())
        .unwrap_err();
    assert_eq!(err.code(), "HTTP", "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 0);
}

#[test]
fn an_explicit_proxy_tunnels_https() {
    let p = pki();
    let (_d, ca) = ca_file(&p);
    let server = TlsServer::start(&p);
    let proxy = Proxy::start();
    let e = embedder(&server.url, http(Some(ca), Some(proxy.url.clone())));
    assert_eq!(e.embed(&["abcd"]).unwrap(), vec![vec![4.0, 1.0, 0.0]]);
    let port = server.url.rsplit(':').next().unwrap();
    assert_eq!(
        proxy.targets.lock().unwrap().clone(),
        vec![format!("127.0.0.1:{port}")]
    );
}

/// Child of [`https_proxy_from_the_environment`]: runs with `HTTPS_PROXY` set.
#[test]
#[ignore = "run by https_proxy_from_the_environment in a child process"]
fn env_proxy_child() {
    let url = std::env::var("TLS_TEST_URL").unwrap();
    let ca = PathBuf::from(std::env::var("TLS_TEST_CA").unwrap());
    let c = chat(&url, http(Some(ca), None));
    let got = c
        .complete(&[ChatMessage::user("hi")], &ChatParams::default())
        .unwrap();
    assert_eq!(got.content, "hello over TLS");
}

#[test]
fn https_proxy_from_the_environment() {
    let p = pki();
    let (_d, ca) = ca_file(&p);
    let server = TlsServer::start(&p);
    let proxy = Proxy::start();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "env_proxy_child",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .env("HTTPS_PROXY", &proxy.url)
        .env("TLS_TEST_URL", &server.url)
        .env("TLS_TEST_CA", &ca)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 passed"));
    assert_eq!(proxy.targets.lock().unwrap().len(), 1);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
    // NO_PROXY exempts the host: the request goes direct.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "env_proxy_child",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env("HTTPS_PROXY", &proxy.url)
        .env("NO_PROXY", "127.0.0.1")
        .env("TLS_TEST_URL", &server.url)
        .env("TLS_TEST_CA", &ca)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        proxy.targets.lock().unwrap().len(),
        1,
        "NO_PROXY host bypassed it"
    );
    assert_eq!(server.requests.load(Ordering::SeqCst), 2);
}
