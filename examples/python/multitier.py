#!/usr/bin/env python3
"""The main job through the Python binding: the seed's six-scenario multitier load test
(SPEC §3) run from Python threads against `lakehouse`, printing the same table as the
Rust main job (`cargo run --release --example multitier`).

Every search, record and validation crosses the binding, so this measures what a Python
service built on `import lakehouse` gets. The scenarios, weights, queries, templates and
checks are those of examples/multitier/workload/. Blocking calls release the GIL, so
threads overlap inside the core.

    python examples/python/multitier.py                      # 100k workers, dim 768, 60 s
    python examples/python/multitier.py --workers 2000 --duration 10 --json run.json

Needs the wheel installed (see the README's Python section) and numpy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import lakehouse as lh
from lakehouse import filters as f

CORPUS_SEED = 42
K = 10


@dataclass
class Spec:
    role: str
    city: str
    state: str


@dataclass
class Env:
    retriever: lh.Retriever
    workers: lh.VectorIndex
    playbooks: lh.VectorIndex
    email: lh.EmailValidator
    fill: lh.FillValidator
    roster: dict[str, dict[str, Any]]
    agency: dict[str, str]
    specs: list[Spec]
    roles: list[tuple[str, int]]
    ef: int
    _orders: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_order(self) -> int:
        with self._lock:
            self._orders += 1
            return self._orders + 10_000 - 1


class ScenarioFailed(Exception):
    pass


# --- drafts (templates, as in examples/multitier/workload/drafts.rs) -------------------

def title(role: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in role.split(" "))


def email_draft(agency: dict[str, str], w: dict[str, Any], pay: float, order_no: int) -> dict[str, Any]:
    role = title(w["role"])
    body = (
        f"Hi {w['first_name']},\n\n"
        f"We have a {role} shift in {w['city']}, {w['state']} that matches your experience "
        f"(order {order_no}). It pays ${pay:.2f} an hour and starts next week.\n\n"
        f"If you are interested, reply to this email or call us at {agency['phone']}.\n\n"
        f"Thanks,\n{agency['name']}\n{agency['address']}\n\n"
        "To unsubscribe from job alerts, reply with UNSUBSCRIBE."
    )
    return {"kind": "email", "to": w["email"], "subject": f"{role} shift in {w['city']}", "body": body, "recipient": w}


def sms_draft(agency: dict[str, str], w: dict[str, Any], pay: float) -> dict[str, Any]:
    body = (
        f"Hi {w['first_name']}, {agency['name']}: {title(w['role'])} shift in {w['city']}, "
        f"${pay:.2f}/hr. Call {agency['phone']}. Reply STOP to opt out"
    )
    if len(body) > 160:
        body = (
            f"Hi {w['first_name']}, {agency['name']}: shift in {w['city']}, ${pay:.2f}/hr. "
            f"Call {agency['phone']}. Reply STOP to opt out"
        )
    return {"kind": "sms", "to": w["phone"], "subject": None, "body": body, "recipient": w}


def job_order(order_no: int, client: str, s: Spec, headcount: int, pay: float) -> dict[str, Any]:
    return {
        "order_id": f"ord-{order_no}", "client": client, "city": s.city, "state": s.state,
        "role": s.role, "headcount": headcount, "shift_start": "2026-12-07T08:00:00",
        "shift_end": "2026-12-07T16:00:00", "pay_rate": pay, "required_certs": [],
    }


# --- scenarios (as in examples/multitier/workload/scenarios.rs) ------------------------

def local_filter(s: Spec) -> dict[str, Any]:
    return f.and_(f.eq("role", s.role), f.eq("city", s.city), f.eq("state", s.state), f.eq("status", "active"))


def search(env: Env, query: str, **kw: Any) -> lh.SearchResponse:
    try:
        return env.retriever.search(query, K, ef=env.ef, **kw)
    except lh.LakehouseError as e:
        raise ScenarioFailed(f"search '{query}' failed: {e} [{e.code}]") from e


def worker(env: Env, hit: lh.RetrievedHit) -> dict[str, Any]:
    w = env.roster.get(hit["id"])
    if w is None:
        raise ScenarioFailed(f"search returned '{hit['id']}', which is not in the roster")
    return w


def expect_ok(what: str, verdict: lh.Verdict) -> None:
    if not verdict["ok"]:
        codes = "; ".join(f"{v['code']} ({v['message']})" for v in verdict["violations"])
        raise ScenarioFailed(f"{what} failed validation: {codes}")


def pay_for(w: dict[str, Any]) -> float:
    return round(max(w["hourly_rate"], 20.0) * 4.0) / 4.0


def spec(env: Env, rng: random.Random) -> Spec:
    return env.specs[rng.randrange(len(env.specs))]


def cold_search_email(env: Env, rng: random.Random) -> None:
    s = spec(env, rng)
    order = env.next_order()
    res = search(env, f"{s.role} in {s.city}, {s.state} for order {order}", filter=local_filter(s))
    if not res["hits"]:
        raise ScenarioFailed("search returned no workers")
    w = worker(env, res["hits"][0])
    expect_ok("email", env.email.validate(email_draft(env.agency, w, pay_for(w), order)))


def surge_fill_validate(env: Env, rng: random.Random) -> None:
    s = spec(env, rng)
    order = env.next_order()
    query = f"surge: 2 {s.role} needed in {s.city}, {s.state} (order {order})"
    res = search(env, query, filter=local_filter(s))
    if len(res["hits"]) < 2:
        raise ScenarioFailed(f"'{query}' found {len(res['hits'])} workers, need 2")
    chosen = [h["id"] for h in res["hits"][:2]]
    pay = max([20.0] + [pay_for(env.roster[h["id"]]) for h in res["hits"][:2] if h["id"] in env.roster])
    job = job_order(order, "acme-logistics", s, 2, pay)
    expect_ok("fill proposal", env.fill.validate(job, {"order_id": job["order_id"], "worker_ids": chosen}))
    playbook = env.retriever.record(query, chosen, "success")
    if playbook not in env.playbooks:
        raise ScenarioFailed(f"playbook '{playbook}' was acknowledged but is not stored")


def profile_swap(env: Env, rng: random.Random) -> None:
    role, available = env.roles[rng.randrange(len(env.roles))]
    query = f"experienced {role} available this week"
    first = search(env, query, filter=f.eq("role", role))
    first_ids = [h["id"] for h in first["hits"]]
    second = search(env, query, filter=f.eq("role", role), exclude_ids=first_ids)
    dup = [h["id"] for h in second["hits"] if h["id"] in first_ids]
    if dup:
        raise ScenarioFailed(f"swap for '{query}' returned excluded worker '{dup[0]}'")
    expected = min(K, max(available - len(first_ids), 0))
    if len(second["hits"]) != expected:
        raise ScenarioFailed(f"swap for '{query}' returned {len(second['hits'])} workers, expected {expected}")


def repeat_cache(env: Env, rng: random.Random) -> None:
    s = spec(env, rng)
    query = f"{s.role} near {s.city}, {s.state}"
    first: list[str] | None = None
    cached = 0
    for _ in range(5):
        res = search(env, query)
        cached += int(res["cached"])
        got = [h["id"] for h in res["hits"]]
        if first is None:
            first = got
        elif first != got:
            raise ScenarioFailed(f"'{query}' returned a different top-{K} on repeat")
    if cached < 4:
        raise ScenarioFailed(f"'{query}' hit the cache {cached} times in 5, expected ≥ 4")


def sms_validate(env: Env, rng: random.Random) -> None:
    s = spec(env, rng)
    res = search(env, f"{s.role} in {s.city} for a text alert {env.next_order()}", filter=local_filter(s))
    if not res["hits"]:
        raise ScenarioFailed("search returned no workers")
    w = worker(env, res["hits"][0])
    draft = sms_draft(env.agency, w, pay_for(w))
    if len(draft["body"]) > 160 or f"Call {env.agency['phone']}" not in draft["body"]:
        raise ScenarioFailed(f"SMS template broke its own contract: {draft['body']!r}")
    expect_ok("sms", env.email.validate(draft))


def playbook_record_replay(env: Env, rng: random.Random) -> None:
    s = spec(env, rng)
    query = f"reliable {s.role} for {s.city} client shift, order {env.next_order()}"
    cold = search(env, query, filter=f.eq("role", s.role))
    n = len(cold["hits"])
    if n < 4:
        raise ScenarioFailed(f"'{query}' found only {n} workers")
    chosen = [cold["hits"][n // 2]["id"], cold["hits"][n - 1]["id"]]
    env.retriever.record(query, chosen, "success")
    warm = search(env, query, filter=f.eq("role", s.role), use_playbook=True)
    top = [h["id"] for h in warm["hits"][:2]]
    if len(top) != 2 or not all(c in top for c in chosen):
        raise ScenarioFailed(f"after recording {chosen} for '{query}', warm search ranked {top} first")


SCENARIOS: list[tuple[str, int, Callable[[Env, random.Random], None]]] = [
    ("cold_search_email", 35, cold_search_email),
    ("surge_fill_validate", 15, surge_fill_validate),
    ("profile_swap", 15, profile_swap),
    ("repeat_cache", 15, repeat_cache),
    ("sms_validate", 10, sms_validate),
    ("playbook_record_replay", 10, playbook_record_replay),
]


# --- setup, run, report ---------------------------------------------------------------

def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def setup(args: argparse.Namespace) -> tuple[Env, lh.Lakehouse, dict[str, Any]]:
    rep: dict[str, Any] = {}
    data = Path(args.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    corpus = data / ("workers_100k.parquet" if args.workers == 100_000 else f"workers_{args.workers}.parquet")
    rep["corpus_path"] = str(corpus)
    if not corpus.exists():
        log(f"generating {args.workers} workers into {corpus}")
        lh.generate_workers_parquet(corpus, args.workers, seed=CORPUS_SEED)
    t = time.perf_counter()
    roster_list = lh.read_workers(corpus)
    roster = {w["worker_id"]: w for w in roster_list}
    email = lh.EmailValidator()
    fill = lh.FillValidator(workers=roster_list)
    rep["roster_s"] = time.perf_counter() - t
    cfg = email.config()
    agency = {"name": cfg["agency_name"], "phone": cfg["agency_phone"], "address": cfg["agency_address"]}

    lake = lh.Lakehouse.open(data / "lakehouse_py", durability={"buffered": {"interval_ms": 200}})
    emb = lh.HashingEmbedder(args.dim)
    name = f"workers_{args.workers}_{args.dim}"
    t = time.perf_counter()
    index = None
    if name in lake.list():
        index = lake.index(name)
        if len(index) != len(roster):
            log(f"index {name} holds {len(index)} workers, corpus has {len(roster)}: re-ingesting")
            del index
            lake.drop_index(name)
            index = None
        else:
            rep["open_s"] = time.perf_counter() - t
            log(f"opened index {name} ({len(index)} workers) in {rep['open_s']:.2f}s")
    if index is None:
        index = lake.create_index(name, args.dim, ef_search=args.ef)
        log(f"ingesting {corpus} into index {name}")
        t = time.perf_counter()
        report = lh.ingest(corpus, emb, index)
        lake.snapshot(name)
        rep["ingest_s"] = time.perf_counter() - t
        log(f"ingested {report['indexed']} workers ({len(report['rejected'])} rejected) in {rep['ingest_s']:.1f}s")
    if "playbook_memory" in lake.list():
        lake.drop_index("playbook_memory")
    playbooks = lake.create_index("playbook_memory", args.dim, ef_construction=100, background_rebuild_min=256)
    retriever = lh.Retriever(emb, index, playbooks)

    combos: dict[tuple[str, str, str], int] = defaultdict(int)
    role_counts: dict[str, int] = defaultdict(int)
    for w in roster_list:
        role_counts[w["role"]] += 1
        if w["status"] == "active":
            combos[(w["role"], w["city"], w["state"])] += 1
    specs = [Spec(*k) for k, n in sorted(combos.items()) if n >= 3]
    if not specs:
        raise SystemExit("no city and role has 3 active workers; use a larger --workers")
    rep["specs"] = len(specs)
    env = Env(retriever, index, playbooks, email, fill, roster, agency, specs, sorted(role_counts.items()), args.ef)
    return env, lake, rep


def percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return 0.0
    i = min(len(sorted_ms) - 1, max(0, int(round(p / 100.0 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[i]


def run(env: Env, args: argparse.Namespace) -> dict[str, Any]:
    weights = [w for _, w, _ in SCENARIOS]
    lat: list[list[list[float]]] = []
    fails: list[list[int]] = []
    messages: dict[str, list[str]] = defaultdict(list)
    started = time.perf_counter()
    deadline = started + args.duration

    def thread_main(n: int) -> None:
        rng = random.Random(args.seed ^ (n * 0x9E3779B97F4A7C15 & (2**64 - 1)))
        my_lat: list[list[float]] = [[] for _ in SCENARIOS]
        my_fail = [0] * len(SCENARIOS)
        while time.perf_counter() < deadline:
            i = rng.choices(range(len(SCENARIOS)), weights)[0]
            t = time.perf_counter()
            try:
                SCENARIOS[i][2](env, rng)
            except (ScenarioFailed, lh.LakehouseError) as e:
                my_fail[i] += 1
                if len(messages[SCENARIOS[i][0]]) < 3:
                    messages[SCENARIOS[i][0]].append(str(e))
            my_lat[i].append((time.perf_counter() - t) * 1000.0)
        lat.append(my_lat)
        fails.append(my_fail)

    threads = [threading.Thread(target=thread_main, args=(n,)) for n in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    env.workers.wait_idle()
    env.playbooks.wait_idle()
    scenarios = {}
    for i, (name, _, _) in enumerate(SCENARIOS):
        ms = sorted(x for per in lat for x in per[i])
        failures = sum(per[i] for per in fails)
        scenarios[name] = {
            "runs": len(ms), "failures": failures, "fail_pct": 100.0 * failures / max(len(ms), 1),
            "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "p99_ms": percentile(ms, 99),
            "max_ms": ms[-1] if ms else 0.0, "failure_messages": messages.get(name, []),
        }
    total = sum(s["runs"] for s in scenarios.values())
    w, p, c = env.workers.stats(), env.playbooks.stats(), env.retriever.cache_stats()
    return {
        "scenarios": scenarios, "total_runs": total,
        "total_failures": sum(s["failures"] for s in scenarios.values()),
        "duration_s": elapsed, "scenarios_per_sec": total / elapsed,
        "footprint": {
            "peak_rss_mb": peak_rss_mb(), "workers_indexed": w["live"], "playbooks": p["live"],
            "workers_graph_state": w["graph_state"], "playbook_graph_state": p["graph_state"],
            "recovered_panics": w["recovered_panics"] + p["recovered_panics"], "rebuilds": w["rebuilds"] + p["rebuilds"],
            "embed_cache_hit_rate": c["hits"] / max(c["hits"] + c["misses"], 1),
            "workers_vector_mb": w["vector_bytes"] / 1048576.0, "playbook_vector_mb": p["vector_bytes"] / 1048576.0,
        },
        "config": vars(args) | {"binding": "python", "lakehouse": lh.__version__},
    }


def peak_rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def render(r: dict[str, Any]) -> str:
    out = ["| Scenario | Runs | Fail% | p50 | p95 | p99 | max |", "|---|---:|---:|---:|---:|---:|---:|"]
    for name, _, _ in SCENARIOS:
        s = r["scenarios"][name]
        out.append(f"| `{name}` | {s['runs']} | {s['fail_pct']:.1f}% | {s['p50_ms']:.2f}ms | {s['p95_ms']:.2f}ms | {s['p99_ms']:.2f}ms | {s['max_ms']:.2f}ms |")
    out.append(f"| **TOTAL** | **{r['total_runs']}** | {r['total_failures']} failed | | | | |\n")
    ok = sum(1 for s in r["scenarios"].values() if s["failures"] == 0)
    out.append(f"{r['scenarios_per_sec']:.0f} scenarios/s over {r['duration_s']:.1f} s; {ok}/{len(r['scenarios'])} scenarios at 0% failure.\n")
    fp = r["footprint"]
    out += [
        "| Footprint | |", "|---|---:|",
        f"| peak RSS | {fp['peak_rss_mb']:.0f} MB |",
        f"| workers index | {fp['workers_indexed']} vectors, {fp['workers_vector_mb']:.0f} MB of vectors, graph {fp['workers_graph_state']} |",
        f"| playbook_memory | {fp['playbooks']} playbooks, {fp['playbook_vector_mb']:.1f} MB of vectors, graph {fp['playbook_graph_state']} |",
        f"| recovered panics / rebuilds | {fp['recovered_panics']} / {fp['rebuilds']} |",
        f"| embedding cache hit rate | {100.0 * fp['embed_cache_hit_rate']:.1f}% |",
    ]
    for name, s in r["scenarios"].items():
        out += [f"\nfailure in {name}: {m}" for m in s["failure_messages"]]
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description="Six-scenario multitier workload through the Python binding (SPEC §3)")
    p.add_argument("--workers", type=int, default=100_000, help="corpus size")
    p.add_argument("--dim", type=int, default=768, help="embedding dimension")
    p.add_argument("--duration", type=float, default=60.0, help="seconds to run the scenario mix")
    p.add_argument("--concurrency", type=int, default=os.cpu_count() or 2, help="Python threads")
    p.add_argument("--seed", type=int, default=42, help="seed of the scenario mix")
    p.add_argument("--ef", type=int, default=64, help="HNSW search breadth")
    p.add_argument("--data-dir", default="data", help="where the corpus and the lakehouse live")
    p.add_argument("--json", help="also write the report as JSON to this file")
    args = p.parse_args()
    if args.workers < 10 or args.duration <= 0 or args.ef < 1:
        p.error("--workers must be at least 10, --duration and --ef positive")
    env, lake, rep = setup(args)
    log(f"running 6 scenarios for {args.duration:g}s on {args.concurrency} Python threads (seed {args.seed})")
    try:
        report = run(env, args)
    finally:
        lake.close()
    report["setup"] = rep
    print(render(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 1 if report["total_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
