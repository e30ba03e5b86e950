"""Journal → Materializer (with a Python transform) → evidence; ReplayRunner with a
Python chat callable and search; progress, cancellation and Ctrl-C."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from conftest import DIM

import lakehouse as lh

SMS = "Lakeside Staffing: shift Tue 7am. Reply STOP to opt out"


def audit_transform(line: str) -> dict[str, Any]:
    e = json.loads(line)
    if e.get("bad"):
        raise ValueError("bad audit line")
    return {"source_key": e["event_id"], "ts": e["ts"], "kind": "audit", "task": "ping", "input": {"n": e["n"]}, "worker_ids": ["w-1"]}


def fill_kb(kb: Path, n: int) -> lh.Journal:
    j = lh.Journal(kb)
    for i in range(n):
        j.append("pings", {"event_id": f"p-{i}", "ts": f"2026-11-{24 + i % 2}T10:00:00Z", "n": i, "bad": i == 3})
    return j


def test_journal_materialize_read_evidence(tmp_path: Path) -> None:
    kb, out = tmp_path / "kb", tmp_path / "out"
    j = fill_kb(kb, 10)
    assert j.dir == kb and j.path("pings") == kb / "pings.jsonl"
    j.sync_all()
    with pytest.raises(lh.InvalidInputError):
        j.append("bad stream name!", {"x": 1})
    m = lh.Materializer(kb, out, batch_rows=4)
    m.register("pings", audit_transform)
    assert "pings" in m.transform_names()
    seen: list[lh.types.MaterializeProgress] = []
    receipt = m.run(progress=seen.append)
    assert receipt["written"] == 9 and receipt["quarantined"] == 1
    ev = lh.read_evidence(out)
    assert len(ev) == 9 and {e["day"] for e in ev} == {"2026-11-24", "2026-11-25"}
    assert ev[0]["schema"] == "evidence_record.v1" and ev[0]["transform"] == "pings"
    table = pq.read_table(out / "evidence")
    assert table.num_rows == 9
    assert m.run()["written"] == 0  # incremental: nothing new


def test_transform_exception_quarantines_the_line(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    fill_kb(kb, 5)
    m = lh.Materializer(kb, tmp_path / "out")

    def broken(line: str) -> dict[str, Any]:
        raise RuntimeError("transform exploded")

    m.register("pings", broken)
    receipt = m.run()
    assert receipt["written"] == 0 and receipt["quarantined"] == 5


def test_ctrl_c_interrupts_materialize(tmp_path: Path) -> None:
    kb, out = tmp_path / "kb", tmp_path / "out"
    fill_kb(kb, 50)
    m = lh.Materializer(kb, out, progress_every=1)
    m.register("pings", audit_transform)
    calls = 0

    def progress(p: lh.types.MaterializeProgress) -> None:
        nonlocal calls
        calls += 1
        if calls == 5:
            signal.raise_signal(signal.SIGINT)
            time.sleep(0.5)  # the main thread notices it before this callback returns

    with pytest.raises(KeyboardInterrupt):
        m.run(progress=progress)
    assert lh.read_evidence(out) == []  # nothing committed
    assert m.run()["written"] == 49


def canned_chat(messages: list[lh.types.ChatMessage], params: dict[str, Any]) -> str:
    assert messages[-1]["role"] == "user" and "temperature" in params
    return SMS


CASES = [
    {"case_id": f"c-{i}", "kind": "sms", "query": "forklift Dayton", "original_label": "pass"}
    for i in range(6)
]


def test_replay_with_python_chat_and_search(tmp_path: Path, ingested: lh.VectorIndex, emb: lh.HashingEmbedder, workers: list[lh.Worker]) -> None:
    r = lh.Retriever(emb, ingested, lh.VectorIndex("pb", DIM))
    done: list[tuple[int, int]] = []
    runner = lh.ReplayRunner(tmp_path / "kb", canned_chat, search=r, workers=workers[:50], validator={}, concurrency=2, k=4)
    assert runner.options()["concurrency"] == 2
    out = runner.run(CASES, progress=lambda p: done.append((p["done"], p["total"])))
    assert out["report"]["cases"] == 6 and out["report"]["passed"] == 6
    assert out["runs"][0]["schema"] == "replay_run.v1" and out["runs"][0]["response"] == SMS
    assert sorted(done)[-1] == (6, 6)
    lines = runner.log_path.read_text().splitlines()
    assert len(lines) == 6 and {json.loads(x)["case_id"] for x in lines} == {c["case_id"] for c in CASES}
    cases_file = tmp_path / "cases.jsonl"
    cases_file.write_text("\n".join(json.dumps(c) for c in CASES))
    assert [c["case_id"] for c in lh.load_cases_jsonl(cases_file)] == [c["case_id"] for c in CASES]

    calls: list[str] = []

    def search(query: str, k: int) -> list[str]:
        calls.append(query)
        return [w["worker_id"] for w in workers[:k]]

    out2 = lh.ReplayRunner(tmp_path / "kb2", lambda m, p: {"content": SMS, "model": "py", "prompt_tokens": 3}, search=search).run(CASES[:2])
    assert out2["runs"][0]["model"] == "py" and calls


def test_replay_chat_exception_fails_the_case_not_the_run(tmp_path: Path) -> None:
    def chat(messages: list[Any], params: dict[str, Any]) -> str:
        raise ConnectionError("model down")

    out = lh.ReplayRunner(tmp_path / "kb", chat).run(CASES[:2])
    run = out["runs"][0]
    assert run["error_code"] == "CALLBACK" and "model down" in run["error"]


def test_replay_progress_false_cancels_and_ctrl_c_interrupts(tmp_path: Path) -> None:
    runner = lh.ReplayRunner(tmp_path / "kb", canned_chat, concurrency=1)
    with pytest.raises(lh.CancelledError):
        runner.run(CASES, progress=lambda p: p["done"] < 2)

    def interrupt(p: dict[str, Any]) -> None:
        if p["done"] == 2:
            signal.raise_signal(signal.SIGINT)
            time.sleep(0.5)

    with pytest.raises(KeyboardInterrupt):
        lh.ReplayRunner(tmp_path / "kb2", canned_chat, concurrency=1).run(CASES, progress=interrupt)
    with pytest.raises(lh.InvalidInputError):
        runner.run([{"case_id": "x"}])
    with pytest.raises(lh.InvalidInputError):
        lh.ReplayRunner(tmp_path / "kb3", object())
    with pytest.raises(lh.InvalidConfigError):
        lh.ReplayRunner(tmp_path / "kb3", canned_chat, concurency=2)
    assert lh.OpenAiChat(base_url="http://127.0.0.1:9", model="m", api_key="k").url.endswith("/chat/completions")
