"""Retriever, validators and sms_segments: conversion and parity with the core."""

from __future__ import annotations

import pytest
from conftest import DIM

import lakehouse as lh

SMS_OK = "Lakeside Staffing: forklift shift Tue 7am, $19.50/hr. Call 555-123-4567. Reply STOP to opt out"
SMS_SSN = "Lakeside Staffing: café crew, your SSN 512-34-7788 is on file. Reply STOP to opt out"

ORDER = {
    "order_id": "ord-1",
    "client": "Acme Logistics",
    "city": "Dayton",
    "state": "OH",
    "role": "forklift operator",
    "headcount": 1,
    "shift_start": "2026-12-07T08:00:00",
    "shift_end": "2026-12-07T16:00:00",
    "pay_rate": 21.5,
}


def test_retriever_search_record_warm_boost(ingested: lh.VectorIndex, emb: lh.HashingEmbedder) -> None:
    playbooks = lh.VectorIndex("playbooks", DIM)
    r = lh.Retriever(emb, ingested, playbooks, cache_capacity=100, playbook_threshold=0.8)
    assert r.config()["playbook_threshold"] == pytest.approx(0.8)
    assert r.workers.name == "workers" and r.playbooks.name == "playbooks"
    cold = r.search("forklift operator Dayton", k=5)
    assert len(cold["hits"]) == 5 and cold["cached"] is False and cold["playbooks_used"] == []
    assert set(cold["hits"][0]) == {"id", "base_score", "boost", "score", "metadata"}
    assert r.search("forklift operator Dayton", k=5)["cached"] is True
    chosen = cold["hits"][-1]["id"]
    pid = r.record("forklift operator Dayton", [chosen])
    assert isinstance(pid, str) and len(playbooks) == 1
    warm = r.search("forklift operator Dayton", k=5, use_playbook=True)
    assert warm["hits"][0]["id"] == chosen and warm["hits"][0]["boost"] > 0
    assert warm["playbooks_used"] == [pid]
    swapped = r.search("forklift operator Dayton", k=5, exclude_ids=[h["id"] for h in cold["hits"]], filter={"field": "status", "eq": "active"}, ef=128)
    assert not {h["id"] for h in swapped["hits"]} & {h["id"] for h in cold["hits"]}
    assert r.cache_stats()["hits"] >= 1
    r.record("welder", [chosen], outcome="failure")
    with pytest.raises(lh.InvalidInputError):
        r.record("welder", [chosen], outcome="maybe")
    with pytest.raises(lh.InvalidConfigError):
        lh.Retriever(lh.HashingEmbedder(DIM * 2), ingested, playbooks)
    with pytest.raises(lh.InvalidConfigError):
        lh.Retriever(emb, ingested, playbooks, playbook_treshold=0.5)


def test_email_validator_spans_in_bytes_and_chars() -> None:
    v = lh.EmailValidator()
    ok = v.validate({"kind": "sms", "body": SMS_OK})
    assert ok == {"ok": True, "violations": []}
    bad = v.validate({"kind": "sms", "body": SMS_SSN})
    assert bad["ok"] is False
    (viol,) = [x for x in bad["violations"] if x["code"] == "PII_SSN"]
    span, (cs, ce) = viol["span"], viol["char_span"]
    # Byte offsets (wire format) differ from code points after the "é".
    assert SMS_SSN.encode()[span["start"]:span["end"]].decode() == "512-34-7788"
    assert SMS_SSN[cs:ce] == "512-34-7788" and cs == span["start"] - 1 and viol["severity"] == "error"
    assert v.config()["agency_name"] == "Lakeside Staffing"
    custom = lh.EmailValidator({"agency_name": "Acme Temps"}, max_sms_segments=2)
    assert custom.config()["agency_name"] == "Acme Temps" and custom.config()["max_sms_segments"] == 2
    job = v.validate_for_job({"kind": "sms", "body": SMS_OK}, ORDER)
    assert set(job) == {"ok", "violations"}
    with pytest.raises(lh.InvalidInputError):
        v.validate({"kind": "fax", "body": "x"})
    with pytest.raises(lh.InvalidConfigError):
        lh.EmailValidator(max_sms_segmnts=2)


def test_fill_validator(workers: list[lh.Worker]) -> None:
    w = next(w for w in workers if w["status"] == "active")
    order = dict(ORDER, city=w["city"], state=w["state"], role=w["role"], pay_rate=40.0)
    fv = lh.FillValidator(None, workers, [], {"Acme Logistics": []})
    assert len(fv) == len(workers)
    verdict = fv.validate(order, {"order_id": "ord-1", "worker_ids": ["no-such-worker"]})
    assert verdict["ok"] is False and verdict["violations"][0]["worker_id"] == "no-such-worker"
    fv.add_do_not_return("Acme Logistics", w["worker_id"])
    dnr = fv.validate(order, {"order_id": "ord-1", "worker_ids": [w["worker_id"]]})
    assert any(v["worker_id"] == w["worker_id"] for v in dnr["violations"])
    fv.assign({"worker_id": w["worker_id"], "order_id": "ord-0", "start": "2026-12-07T06:00:00", "end": "2026-12-07T12:00:00"})
    with pytest.raises(lh.InvalidInputError):
        fv.assign({"worker_id": "x", "order_id": "o", "start": "2026-12-07T12:00:00", "end": "2026-12-07T06:00:00"})


def test_sms_segments() -> None:
    assert lh.sms_segments("hello") == {"encoding": "gsm7", "units": 5, "segments": 1}
    assert lh.sms_segments("héllo ☃")["encoding"] == "ucs2"
    assert lh.sms_segments("x" * 161)["segments"] == 2
