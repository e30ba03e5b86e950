//! Embedders: hashing golden vectors, the HTTP embedder against a loopback server the
//! test starts, and the cache's counters.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lakehouse::embed::{
    Api, CachedEmbedder, Embedder, HashingEmbedder, HttpEmbedder, HttpEmbedderConfig,
};
use lakehouse::http::HttpOptions;
use serde_json::{json, Value};

// ---------------------------------------------------------------- hashing

#[test]
fn hashing_golden_vectors_are_pinned() {
    // These values are the cross-platform contract of HashingEmbedder v1: Python and
    // Node get the same numbers. Changing them requires bumping the model version.
    let e = HashingEmbedder::new(16).unwrap();
    assert_eq!(e.model_id(), "hashing-v1-16");
    let v = e.embed_one("Forklift operator, Chicago IL");
    let golden: [f32; 16] = GOLDEN_16;
    for (i, (a, b)) in v.iter().zip(golden.iter()).enumerate() {
        assert!(
            (a - b).abs() < 1e-6,
            "value {i}: got {a}, pinned {b}\nfull: {v:?}"
        );
    }
    let e768 = HashingEmbedder::new(768).unwrap();
    let v = e768.embed_one("CNA with BLS in Houston, TX");
    let nonzero: Vec<(usize, f32)> = v
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, x)| *x != 0.0)
        .take(4)
        .collect();
    assert_eq!(nonzero.len(), 4);
    for ((i, x), (gi, gx)) in nonzero.iter().zip(GOLDEN_768_FIRST.iter()) {
        assert_eq!(i, gi, "{nonzero:?}");
        assert!((x - gx).abs() < 1e-6, "{nonzero:?}");
    }
    let (imax, vmax) = v
        .iter()
        .copied()
        .enumerate()
        .fold(
            (0, 0.0f32),
            |m, (i, x)| if x.abs() > m.1.abs() { (i, x) } else { m },
        );
    let l1: f32 = v.iter().map(|x| x.abs()).sum();
    assert_eq!(imax, 714, "max |value| {vmax} at {imax}, l1 {l1}");
    assert!(
        (vmax + 0.478_510_17).abs() < 1e-6 && (l1 - 5.742_120_3).abs() < 1e-4,
        "max {vmax} l1 {l1}"
    );
}

const GOLDEN_16: [f32; 16] = [
    -0.059339087,
    0.17801726,
    0.5933909,
    0.059339087,
    0.5340518,
    -0.059339087,
    0.0,
    0.0,
    0.118678175,
    0.0,
    0.5340518,
    0.0,
    0.0,
    0.118678175,
    -0.059339087,
    -0.059339087,
];
const GOLDEN_768_FIRST: [(usize, f32); 4] = [
    (18, -0.06835859),
    (30, -0.06835859),
    (39, -0.06835859),
    (40, -0.06835859),
];

#[test]
fn hashing_is_deterministic_and_normalised() {
    let e = HashingEmbedder::new(768).unwrap();
    let texts = ["welder in Houston", "", "日本語のテキスト", "a b c d e f g"];
    let a = e.embed(&texts).unwrap();
    let b = HashingEmbedder::new(768).unwrap().embed(&texts).unwrap();
    assert_eq!(a, b);
    for v in &a {
        let n: f32 = v.iter().map(|x| x * x).sum();
        assert!((n - 1.0).abs() < 1e-5);
    }
}

// ---------------------------------------------------------------- loopback server

struct Reply {
    status: u16,
    body: String,
    delay_ms: u64,
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        body: body.to_string(),
        delay_ms: 0,
    }
}

type Handler = dyn Fn(usize, &Value) -> Reply + Send + Sync;

struct Server {
    url: String,
    requests: Arc<AtomicUsize>,
    auth: Arc<Mutex<Vec<String>>>,
}

/// A tiny HTTP/1.1 server on 127.0.0.1: one thread per connection, `Connection: close`.
fn serve(handler: impl Fn(usize, &Value) -> Reply + Send + Sync + 'static) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let auth = Arc::new(Mutex::new(Vec::new()));
    let handler: Arc<Handler> = Arc::new(handler);
    let (r, a) = (requests.clone(), auth.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let n = r.fetch_add(1, Ordering::SeqCst);
            let (h, a) = (handler.clone(), a.clone());
            std::thread::spawn(move || handle(stream, n, &*h, &a));
        }
    });
    Server {
        url,
        requests,
        auth,
    }
}

fn handle(stream: TcpStream, n: usize, handler: &Handler, auth: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut len = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            auth.lock().unwrap().push(line.trim().to_string());
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0u8; len];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let req: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reply = handler(n, &req);
    std::thread::sleep(Duration::from_millis(reply.delay_ms));
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        reply.status,
        reply.body.len(),
        reply.body
    );
}

fn inputs(req: &Value) -> Vec<String> {
    req["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Deterministic 4-dim "model": [text length, 1, 0, 0].
fn fake_vec(t: &str) -> Vec<f32> {
    vec![t.len() as f32, 1.0, 0.0, 0.0]
}

fn config(url: &str, api: Api) -> HttpEmbedderConfig {
    HttpEmbedderConfig {
        url: url.to_string(),
        api,
        model: "fake".into(),
        dim: 4,
        api_key: None,
        batch_size: 2,
        http: HttpOptions {
            timeout_ms: 2_000,
            max_retries: 2,
            backoff_base_ms: 1,
            backoff_max_ms: 20,
            ..HttpOptions::default()
        },
    }
}

#[test]
fn ollama_shape_batches_and_orders() {
    let s = serve(|_, req| {
        assert_eq!(req["model"], "fake");
        let embs: Vec<Vec<f32>> = inputs(req).iter().map(|t| fake_vec(t)).collect();
        ok(json!({ "model": "fake", "embeddings": embs }))
    });
    let e = HttpEmbedder::new(config(&s.url, Api::Ollama)).unwrap();
    assert!(e.endpoint().ends_with("/api/embed"));
    assert_eq!(e.model_id(), "ollama/fake/4");
    let texts = ["a", "bb", "ccc", "dddd", "eeeee"];
    let v = e.embed(&texts).unwrap();
    assert_eq!(v.len(), 5);
    for (t, v) in texts.iter().zip(&v) {
        assert_eq!(v, &fake_vec(t));
    }
    assert_eq!(
        s.requests.load(Ordering::SeqCst),
        3,
        "5 texts in batches of 2"
    );
}

#[test]
fn openai_shape_with_out_of_order_indices_and_api_key() {
    let s = serve(|_, req| {
        let mut data: Vec<Value> = inputs(req)
            .iter()
            .enumerate()
            .map(|(i, t)| json!({ "object": "embedding", "index": i, "embedding": fake_vec(t) }))
            .collect();
        data.reverse();
        ok(json!({ "object": "list", "data": data, "model": "fake" }))
    });
    let mut c = config(&format!("{}/v1/embeddings", s.url), Api::OpenAi);
    c.api_key = Some("sk-test".into());
    c.batch_size = 8;
    let e = HttpEmbedder::new(c).unwrap();
    assert_eq!(e.endpoint(), format!("{}/v1/embeddings", s.url));
    let v = e.embed(&["x", "yy", "zzz"]).unwrap();
    assert_eq!(v, vec![fake_vec("x"), fake_vec("yy"), fake_vec("zzz")]);
    let seen = s.auth.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].to_ascii_lowercase(),
        "authorization: bearer sk-test"
    );
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let s = serve(|n, req| {
        if n < 2 {
            Reply {
                status: 503,
                body: "{\"error\":\"warming up\"}".into(),
                delay_ms: 0,
            }
        } else {
            ok(json!({ "embeddings": inputs(req).iter().map(|t| fake_vec(t)).collect::<Vec<_>>() }))
        }
    });
    let e = HttpEmbedder::new(config(&s.url, Api::Ollama)).unwrap();
    assert_eq!(e.embed(&["hello"]).unwrap(), vec![fake_vec("hello")]);
    assert_eq!(s.requests.load(Ordering::SeqCst), 3);
}

#[test]
fn persistent_500_gives_up_after_bounded_retries() {
    let s = serve(|_, _| Reply {
        status: 500,
        body: "boom".into(),
        delay_ms: 0,
    });
    let e = HttpEmbedder::new(config(&s.url, Api::Ollama)).unwrap();
    let err = e.embed(&["hello"]).unwrap_err();
    assert_eq!(err.code(), "HTTP");
    let msg = err.to_string();
    assert!(
        msg.contains("HTTP 500") && msg.contains("boom") && msg.contains("3 attempts"),
        "{msg}"
    );
    assert!(matches!(
        err,
        lakehouse::Error::Http {
            status: Some(500),
            ..
        }
    ));
    assert_eq!(
        s.requests.load(Ordering::SeqCst),
        3,
        "1 try + max_retries 2"
    );
}

#[test]
fn client_errors_are_not_retried() {
    let s = serve(|_, _| Reply {
        status: 404,
        body: "{\"error\":\"model 'fake' not found\"}".into(),
        delay_ms: 0,
    });
    let e = HttpEmbedder::new(config(&s.url, Api::Ollama)).unwrap();
    let err = e.embed(&["hello"]).unwrap_err();
    assert!(
        err.to_string().contains("HTTP 404") && err.to_string().contains("not found"),
        "{err}"
    );
    assert_eq!(s.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn slow_server_times_out() {
    let s = serve(|_, req| Reply {
        delay_ms: 3_000,
        ..ok(json!({ "embeddings": inputs(req).iter().map(|t| fake_vec(t)).collect::<Vec<_>>() }))
    });
    let mut c = config(&s.url, Api::Ollama);
    c.http.timeout_ms = 150;
    c.http.max_retries = 1;
    let err = HttpEmbedder::new(c).unwrap().embed(&["slow"]).unwrap_err();
    assert_eq!(err.code(), "TIMEOUT", "{err}");
    assert!(err.to_string().contains("2 attempts"), "{err}");
    assert_eq!(s.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn wrong_dimension_and_count_are_reported() {
    let s = serve(|_, _| ok(json!({ "embeddings": [[1.0, 2.0, 3.0]] })));
    let e = HttpEmbedder::new(config(&s.url, Api::Ollama)).unwrap();
    let err = e.embed(&["one"]).unwrap_err();
    assert!(err.to_string().contains("dimension 3, expected 4"), "{err}");
    assert_eq!(
        s.requests.load(Ordering::SeqCst),
        1,
        "a wrong dimension is not retried"
    );
    let err = e.embed(&["one", "two"]).unwrap_err();
    assert!(err.to_string().contains("1 vectors for 2 texts"), "{err}");
}

#[test]
fn garbage_json_is_reported() {
    let s = serve(|n, _| Reply {
        status: 200,
        body: if n == 0 {
            "<html>not json".into()
        } else {
            "{\"embeddings\": \"nope\"}".into()
        },
        delay_ms: 0,
    });
    let e = HttpEmbedder::new(config(&s.url, Api::Ollama)).unwrap();
    for _ in 0..2 {
        let err = e.embed(&["x"]).unwrap_err();
        assert_eq!(err.code(), "HTTP");
        assert!(err.to_string().contains("not the expected JSON"), "{err}");
    }
    assert_eq!(s.requests.load(Ordering::SeqCst), 2);
}

#[test]
fn connection_refused_is_named() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut c = config(&format!("http://127.0.0.1:{port}"), Api::OpenAi);
    c.http.max_retries = 1;
    let err = HttpEmbedder::new(c).unwrap().embed(&["x"]).unwrap_err();
    assert_eq!(err.code(), "HTTP");
    assert!(err.to_string().contains("connection refused"), "{err}");
}

#[test]
fn bad_configs_are_refused() {
    let good = config("http://127.0.0.1:1", Api::Ollama);
    for bad in [
        HttpEmbedderConfig {
            url: "ftp://x".into(),
            ..good.clone()
        },
        HttpEmbedderConfig {
            dim: 0,
            ..good.clone()
        },
        HttpEmbedderConfig {
            batch_size: 0,
            ..good.clone()
        },
        HttpEmbedderConfig {
            model: " ".into(),
            ..good.clone()
        },
        HttpEmbedderConfig {
            http: HttpOptions {
                timeout_ms: 0,
                ..HttpOptions::default()
            },
            ..good.clone()
        },
    ] {
        assert_eq!(
            HttpEmbedder::new(bad).err().unwrap().code(),
            "INVALID_CONFIG"
        );
    }
    let parsed: HttpEmbedderConfig = serde_json::from_str(r#"{"api":"openai","dim":3}"#).unwrap();
    assert_eq!(
        (parsed.api, parsed.dim, parsed.batch_size),
        (Api::OpenAi, 3, 64)
    );
}

// ---------------------------------------------------------------- cache

#[test]
fn cache_counts_hits_and_misses_and_skips_the_server() {
    let s = serve(|_, req| {
        ok(json!({ "embeddings": inputs(req).iter().map(|t| fake_vec(t)).collect::<Vec<_>>() }))
    });
    let http = HttpEmbedder::new(config(&s.url, Api::Ollama)).unwrap();
    let c = CachedEmbedder::new(Arc::new(http), 2);
    assert_eq!(c.model_id(), "ollama/fake/4");
    let (v, hit) = c.embed_one("aa").unwrap();
    assert_eq!((v, hit), (fake_vec("aa"), false));
    assert!(c.embed_one("aa").unwrap().1);
    assert_eq!(s.requests.load(Ordering::SeqCst), 1);
    // Batch: "aa" hits, "b" and "ccc" miss and go in one request (batch_size 2).
    let out = c.embed(&["aa", "b", "ccc"]).unwrap();
    assert_eq!(out, vec![fake_vec("aa"), fake_vec("b"), fake_vec("ccc")]);
    assert_eq!(s.requests.load(Ordering::SeqCst), 2);
    let st = c.stats();
    assert_eq!((st.hits, st.misses, st.len, st.capacity), (2, 3, 2, 2));
    // Capacity 2: "aa" was evicted by "b" and "ccc".
    assert!(!c.embed_one("aa").unwrap().1);
    // Errors are not cached.
    let down = CachedEmbedder::new(
        Arc::new(
            HttpEmbedder::new(HttpEmbedderConfig {
                http: HttpOptions {
                    max_retries: 0,
                    ..HttpOptions::default()
                },
                ..config("http://127.0.0.1:1", Api::Ollama)
            })
            .unwrap(),
        ),
        4,
    );
    assert!(down.embed_one("x").is_err());
    assert_eq!(down.stats().len, 0);
}

#[test]
fn cache_is_thread_safe_and_zero_capacity_disables_it() {
    let c = CachedEmbedder::new(Arc::new(HashingEmbedder::new(32).unwrap()), 64);
    std::thread::scope(|s| {
        for t in 0..8 {
            let c = c.clone();
            s.spawn(move || {
                for i in 0..200 {
                    let text = format!("query {}", (i + t) % 16);
                    let (v, _) = c.embed_one(&text).unwrap();
                    assert_eq!(v, HashingEmbedder::new(32).unwrap().embed_one(&text));
                }
            });
        }
    });
    let st = c.stats();
    assert_eq!(st.hits + st.misses, 1600);
    assert!(st.misses >= 16 && st.len == 16);
    let off = CachedEmbedder::new(Arc::new(HashingEmbedder::new(8).unwrap()), 0);
    off.embed_one("x").unwrap();
    assert!(!off.embed_one("x").unwrap().1);
    assert_eq!((off.stats().hits, off.stats().misses), (0, 2));
}
