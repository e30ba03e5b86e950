//! Shared pieces of the replay tests: a deterministic OpenAI-compatible chat server on
//! 127.0.0.1, a small roster, and a keyword worker search.
//!
//! The server answers by the directive `[scenario=NAME case=ID]` it finds in the last
//! user message (the replay bundle puts the case task there):
//!
//! | scenario | answer |
//! |---|---|
//! | `good_email` / `good_sms` | a draft that passes the default validators |
//! | `ssn_email` / `ssn_sms` | the same with an SSN in it |
//! | `long_sms` | a 230-character SMS |
//! | `wrong_name` | an SMS greeting someone else |
//! | `fill:ID,ID` | a fenced JSON proposal of those ids |
//! | `malformed_fill` | prose instead of JSON |
//! | `slow` | a good SMS after 1.5 s |
//! | `error500` | always HTTP 500 |
//! | `flaky429` | 429 (`Retry-After: 0`) on the first request of the case, then a good SMS |
//! | `garbage` | HTTP 200 with an HTML body |
//! | `busy_hour` | 429 with `Retry-After: 3600` |
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveDate;
use lakehouse::replay::WorkerSearch;
use lakehouse::{Certification, Worker, WorkerStatus};

/// A running test chat server.
pub struct ChatServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Requests received (all paths, all scenarios).
    pub requests: Arc<AtomicUsize>,
}

#[derive(Default)]
struct State {
    seen: Mutex<HashMap<String, usize>>,
}

impl ChatServer {
    /// Binds an ephemeral port and serves until the test process exits.
    pub fn start() -> ChatServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(State::default());
        let counter = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let counter = counter.clone();
                let state = state.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &counter, &state);
                });
            }
        });
        ChatServer { url, requests }
    }

    /// Requests received so far.
    pub fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, counter: &AtomicUsize, state: &State) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut len = 0usize;
    let mut first = String::new();
    reader.read_line(&mut first)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    counter.fetch_add(1, Ordering::SeqCst);
    let (status, extra, text) = answer(&first, &body, state);
    let mut out = stream;
    let resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{text}",
        text.len()
    );
    out.write_all(resp.as_bytes())?;
    out.flush()
}

fn completion(content: &str) -> String {
    serde_json::json!({
        "id": "cmpl-1",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    })
    .to_string()
}

fn answer(first_line: &str, body: &[u8], state: &State) -> (&'static str, String, String) {
    if !first_line.starts_with("POST /v1/chat/completions ") {
        return ("404 Not Found", String::new(), "{}".into());
    }
    let Ok(req) = serde_json::from_slice::<serde_json::Value>(body) else {
        return ("400 Bad Request", String::new(), "{}".into());
    };
    let user = req["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or("")
        .to_string();
    let scenario = directive(&user, "scenario=").unwrap_or_default();
    let case = directive(&user, "case=").unwrap_or_default();
    let first = recipient_first_name(&user).unwrap_or_else(|| "there".into());
    let ok = |content: String| ("200 OK", String::new(), completion(&content));
    match scenario.as_str() {
        "good_email" => ok(good_email(&first, "")),
        "ssn_email" => ok(good_email(
            &first,
            "We have your SSN 219-09-9999 on file.\n",
        )),
        "good_sms" => ok(good_sms(&first)),
        "ssn_sms" => ok(format!(
            "Lakeside Staffing: Hi {first}, SSN 219-09-9999 ok. Reply STOP to opt out"
        )),
        "wrong_name" => ok(good_sms("Bartholomew")),
        "long_sms" => ok(format!(
            "Lakeside Staffing: Hi {first}, {} Reply STOP to opt out",
            "we have a great forklift shift for you next week. ".repeat(4)
        )),
        "malformed_fill" => ok("I would go with w-1 and w-2, they look great.".into()),
        s if s.starts_with("fill:") => {
            let ids: Vec<&str> = s["fill:".len()..]
                .split(',')
                .filter(|x| !x.is_empty())
                .collect();
            ok(format!(
                "```json\n{}\n```",
                serde_json::json!({ "worker_ids": ids })
            ))
        }
        "slow" => {
            std::thread::sleep(Duration::from_millis(1500));
            ok(good_sms(&first))
        }
        "error500" => (
            "500 Internal Server Error",
            String::new(),
            r#"{"error":"boom"}"#.into(),
        ),
        "flaky429" => {
            let n = {
                let mut seen = state.seen.lock().expect("lock");
                let n = seen.entry(case).or_insert(0);
                *n += 1;
                *n
            };
            if n == 1 {
                (
                    "429 Too Many Requests",
                    "Retry-After: 0\r\n".into(),
                    r#"{"error":"slow down"}"#.into(),
                )
            } else {
                ok(good_sms(&first))
            }
        }
        "garbage" => ("200 OK", String::new(), "<html>oops</html>".into()),
        "busy_hour" => (
            "429 Too Many Requests",
            "Retry-After: 3600\r\n".into(),
            r#"{"error":"come back later"}"#.into(),
        ),
        _ => ok(good_sms(&first)),
    }
}

fn good_email(first: &str, extra: &str) -> String {
    format!(
        "Subject: Forklift shift on Tuesday\n\nHi {first},\n\nLakeside Staffing has a forklift \
         shift in Dayton on Tuesday at 7am. {extra}Call us at 555-123-4567 to confirm.\n\n\
         To unsubscribe, reply UNSUBSCRIBE.\nLakeside Staffing, 200 Harbor Street, Lakeside, MI 49116"
    )
}

fn good_sms(first: &str) -> String {
    format!("Lakeside Staffing: Hi {first}, forklift shift Tue 7am in Dayton. Call 555-123-4567. Reply STOP to opt out")
}

/// The word after `key` up to a space or `]`.
fn directive(text: &str, key: &str) -> Option<String> {
    let start = text.find(key)? + key.len();
    let rest = &text[start..];
    let end = rest.find([' ', ']', '\n']).unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// First name on the recipient card (`Recipient:\n- id: … | name: First Last | …`).
fn recipient_first_name(text: &str) -> Option<String> {
    let card = &text[text.find("Recipient:\n")?..];
    let name = &card[card.find("name: ")? + "name: ".len()..];
    Some(name.split_whitespace().next()?.to_string())
}

/// The task text carrying a server directive.
pub fn task(scenario: &str, case_id: &str) -> String {
    format!("Offer the Tuesday forklift shift. [scenario={scenario} case={case_id}]")
}

/// A worker of the test roster.
pub fn worker(
    id: &str,
    first: &str,
    last: &str,
    city: &str,
    state: &str,
    status: WorkerStatus,
) -> Worker {
    let n: u32 = id.trim_start_matches("w-").parse().unwrap_or(0);
    Worker {
        worker_id: id.into(),
        first_name: first.into(),
        last_name: last.into(),
        phone: format!("555-201-{:04}", n),
        email: format!(
            "{}.{}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        ),
        city: city.into(),
        state: state.into(),
        zip: "45402".into(),
        role: "forklift operator".into(),
        skills: vec!["forklift".into(), "pallet jack".into()],
        certifications: vec![Certification {
            name: "Forklift".into(),
            expires: NaiveDate::from_ymd_opt(2030, 1, 1),
        }],
        years_experience: 4,
        hourly_rate: 19.0,
        availability: vec![],
        status,
        rating: 4.2,
        summary: "Forklift operator".into(),
    }
}

/// Eight forklift operators: w-1..w-6 active in Dayton OH, w-7 inactive, w-8 in Austin TX.
pub fn roster() -> Vec<Worker> {
    let names = [
        ("Ana", "Rivera"),
        ("Ben", "Okafor"),
        ("Chloe", "Nguyen"),
        ("Dev", "Patel"),
        ("Eva", "Kowalski"),
        ("Finn", "Murphy"),
        ("Gus", "Larsen"),
        ("Hana", "Sato"),
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, (f, l))| {
            let id = format!("w-{}", i + 1);
            match i + 1 {
                7 => worker(&id, f, l, "Dayton", "OH", WorkerStatus::Inactive),
                8 => worker(&id, f, l, "Austin", "TX", WorkerStatus::Active),
                _ => worker(&id, f, l, "Dayton", "OH", WorkerStatus::Active),
            }
        })
        .collect()
}

/// A job order for two forklift operators in Dayton, OH.
pub fn job_order(order_id: &str) -> serde_json::Value {
    serde_json::json!({
        "order_id": order_id,
        "client": "Acme Logistics",
        "city": "Dayton",
        "state": "OH",
        "role": "forklift operator",
        "headcount": 2,
        "shift_start": "2026-12-01T07:00:00",
        "shift_end": "2026-12-01T15:00:00",
        "pay_rate": 19.0,
        "required_certs": ["Forklift"]
    })
}

/// Ranks roster workers by how many query words their role and city contain.
pub struct KeywordSearch {
    pub workers: Vec<Worker>,
    pub calls: AtomicUsize,
}

impl KeywordSearch {
    pub fn new(workers: Vec<Worker>) -> Self {
        KeywordSearch {
            workers,
            calls: AtomicUsize::new(0),
        }
    }
}

impl WorkerSearch for KeywordSearch {
    fn search(&self, query: &str, k: usize) -> lakehouse::Result<Vec<String>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let mut scored: Vec<(usize, &Worker)> = self
            .workers
            .iter()
            .map(|w| {
                let hay = format!("{} {} {}", w.role, w.city, w.state).to_lowercase();
                (words.iter().filter(|q| hay.contains(q.as_str())).count(), w)
            })
            .filter(|(s, _)| *s > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.worker_id.cmp(&b.1.worker_id)));
        Ok(scored
            .into_iter()
            .take(k)
            .map(|(_, w)| w.worker_id.clone())
            .collect())
    }
}
