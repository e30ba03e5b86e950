//! The OpenAI-compatible chat client against a local server, and case loading.

mod replay_common;

use lakehouse::http::HttpOptions;
use lakehouse::replay::{
    cases_from_evidence, load_cases_jsonl, load_evidence_jsonl, parse_cases_jsonl, CaseKind,
    ChatMessage, ChatModel, ChatParams, Label, OpenAiChat, OpenAiChatConfig,
};
use replay_common::{task, ChatServer};

fn client(server: &ChatServer, read_timeout_ms: u64) -> OpenAiChat {
    OpenAiChat::new(OpenAiChatConfig {
        base_url: server.url.clone(),
        model: "test-model".into(),
        api_key: Some("sk-test".into()),
        http: HttpOptions {
            timeout_ms: read_timeout_ms,
            max_retries: 2,
            backoff_base_ms: 1,
            backoff_max_ms: 20,
            ..HttpOptions::default()
        },
    })
    .unwrap()
}

fn ask(
    chat: &OpenAiChat,
    scenario: &str,
    case: &str,
) -> lakehouse::Result<lakehouse::replay::Completion> {
    let msgs = [
        ChatMessage::system("be brief"),
        ChatMessage::user(format!("Task: {}\n", task(scenario, case))),
    ];
    chat.complete(&msgs, &ChatParams::default())
}

#[test]
fn good_answer_carries_model_and_usage() {
    let server = ChatServer::start();
    let c = ask(&client(&server, 5_000), "good_sms", "a").unwrap();
    assert!(c.content.contains("Reply STOP"));
    assert_eq!(
        (c.model.as_str(), c.prompt_tokens, c.completion_tokens),
        ("test-model", 100, 20)
    );
    assert_eq!(server.count(), 1);
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times() {
    let server = ChatServer::start();
    let e = ask(&client(&server, 5_000), "error500", "b").unwrap_err();
    assert_eq!(e.code(), "HTTP");
    match &e {
        lakehouse::Error::Http { status, reason, .. } => {
            assert_eq!(*status, Some(500));
            assert!(reason.contains("3 attempts"), "{reason}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(server.count(), 3, "first attempt + max_retries = 2");
}

#[test]
fn rate_limit_then_success() {
    let server = ChatServer::start();
    let c = ask(&client(&server, 5_000), "flaky429", "c").unwrap();
    assert!(c.content.contains("Lakeside Staffing"));
    assert_eq!(server.count(), 2);
}

#[test]
fn a_long_retry_after_fails_at_once() {
    let server = ChatServer::start();
    let e = ask(&client(&server, 5_000), "busy_hour", "h").unwrap_err();
    assert!(e.to_string().contains("retry after 3600 s"), "{e}");
    assert_eq!(server.count(), 1);
}

#[test]
fn slow_answers_time_out() {
    let server = ChatServer::start();
    let e = ask(&client(&server, 200), "slow", "d").unwrap_err();
    assert_eq!(e.code(), "TIMEOUT", "{e}");
    // The per-call deadline wins over a generous read timeout.
    let chat = client(&server, 60_000);
    let params = ChatParams {
        timeout_ms: Some(200),
        ..Default::default()
    };
    let msgs = [ChatMessage::user(task("slow", "e"))];
    let e = chat.complete(&msgs, &params).unwrap_err();
    assert!(
        matches!(e, lakehouse::Error::Timeout { ms: 200, .. }),
        "{e}"
    );
}

#[test]
fn garbage_and_unreachable_servers_are_http_errors() {
    let server = ChatServer::start();
    let e = ask(&client(&server, 5_000), "garbage", "f").unwrap_err();
    assert_eq!(e.code(), "HTTP");
    assert!(e.to_string().contains("not a chat completion"), "{e}");

    // A port nobody listens on: bind, learn the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = OpenAiChat::new(OpenAiChatConfig {
        base_url: format!("http://127.0.0.1:{port}"),
        http: HttpOptions {
            max_retries: 0,
            ..HttpOptions::default()
        },
        ..Default::default()
    })
    .unwrap();
    let e = dead
        .complete(&[ChatMessage::user("hi")], &ChatParams::default())
        .unwrap_err();
    assert_eq!(e.code(), "HTTP", "{e}");
    assert!(dead.complete(&[], &ChatParams::default()).is_err());
}

#[test]
fn cases_file_errors_name_the_line() {
    let good = r#"{"case_id":"c-1","kind":"sms","query":"forklift Dayton","task":"t","recipient":"w-1","original_label":"pass"}"#;
    let cases = parse_cases_jsonl(&format!("{good}\n\n")).unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].original_label, Some(Label::Pass));

    let e = parse_cases_jsonl(&format!("{good}\n{{\"case_id\": 5}}\n")).unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
    let e = parse_cases_jsonl(&format!("{good}\n{good}\n")).unwrap_err();
    assert!(
        e.to_string().contains("line 2") && e.to_string().contains("twice"),
        "{e}"
    );
    let fill = r#"{"case_id":"c-2","kind":"fill","query":"forklift"}"#;
    let e = parse_cases_jsonl(fill).unwrap_err();
    assert!(e.to_string().contains("job_order"), "{e}");
    let label = r#"{"case_id":"c-3","kind":"sms","query":"q","original_label":"maybe"}"#;
    assert!(parse_cases_jsonl(label).is_err());
    let unknown = r#"{"case_id":"c-3","kind":"sms","query":"q","colour":"red"}"#;
    assert!(parse_cases_jsonl(unknown).is_err());

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.jsonl");
    std::fs::write(&path, format!("{good}\nnot json\n")).unwrap();
    let e = load_cases_jsonl(&path).unwrap_err();
    assert!(e.to_string().contains("cases.jsonl line 2"), "{e}");
    assert_eq!(
        load_cases_jsonl(dir.path().join("missing"))
            .unwrap_err()
            .code(),
        "IO"
    );
}

#[test]
fn evidence_generation_records_become_cases() {
    // The shape the materializer's sms_draft / fill_proposal transforms write.
    let sms = serde_json::json!({
        "schema": "evidence_record.v1", "id": "ev-1", "transform": "sms_draft",
        "source_stream": "sms_draft", "source_line": 3, "ts": "2026-11-25T09:00:00Z",
        "day": "2026-11-25", "kind": "generation", "task": "sms_outreach",
        "input": {"template": null, "prompt": "Text Ana about the Tuesday shift"},
        "output": {"body": "…"}, "label": "valid", "model": "m", "prompt_tokens": 1,
        "completion_tokens": 1, "latency_ms": 5, "worker_ids": ["w-1"], "order_id": null,
        "metadata": {"verdict": null, "sent": true}
    });
    let mut search = sms.clone();
    search["kind"] = "retrieval".into();
    search["transform"] = "search".into();
    let mut fill = sms.clone();
    fill["id"] = "ev-2".into();
    fill["transform"] = "fill_proposal".into();
    fill["label"] = "invalid".into();
    fill["order_id"] = "o-1".into();
    fill["input"] =
        serde_json::json!({"client": "Acme", "role": "forklift operator", "headcount": 2});
    let mut orphan = fill.clone();
    orphan["id"] = "ev-3".into();
    orphan["order_id"] = "o-404".into();

    let order: lakehouse::validate::JobOrder =
        serde_json::from_value(replay_common::job_order("o-1")).unwrap();
    let got = cases_from_evidence(&[sms, search, fill, orphan], vec![order]);
    assert_eq!(got.ignored, 1);
    assert_eq!(got.cases.len(), 2);
    let (a, b) = (&got.cases[0], &got.cases[1]);
    assert_eq!((a.case_id.as_str(), a.kind), ("ev-1", CaseKind::Sms));
    assert_eq!(a.recipient.as_deref(), Some("w-1"));
    assert_eq!(a.task, "Text Ana about the Tuesday shift");
    assert_eq!(a.original_label, Some(Label::Pass));
    assert_eq!(
        (b.kind, b.original_label),
        (CaseKind::Fill, Some(Label::Fail))
    );
    assert_eq!(b.job_order.as_ref().unwrap().order_id, "o-1");
    assert_eq!(got.skipped.len(), 1);
    assert_eq!(got.skipped[0].id, "ev-3");
    assert!(
        got.skipped[0].reason.contains("o-404"),
        "{}",
        got.skipped[0].reason
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evidence.jsonl");
    std::fs::write(
        &path,
        "{}
not json
",
    )
    .unwrap();
    let e = load_evidence_jsonl(&path, vec![]).unwrap_err();
    assert!(e.to_string().contains("line 2"), "{e}");
}
