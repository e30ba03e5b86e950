"""Shared fixtures: a small generated corpus and helpers. Tests check conversion,
errors and parity with the core; the core's own logic is tested by cargo test."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import lakehouse as lh

DIM = 32


@pytest.fixture(scope="session")
def corpus_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "workers.parquet"
    lh.generate_workers_parquet(path, 300, seed=7)
    return path


@pytest.fixture(scope="session")
def workers(corpus_path: Path) -> list[lh.Worker]:
    return lh.read_workers(corpus_path)


@pytest.fixture()
def emb() -> lh.HashingEmbedder:
    return lh.HashingEmbedder(DIM)


@pytest.fixture()
def ingested(corpus_path: Path, emb: lh.HashingEmbedder) -> lh.VectorIndex:
    index = lh.VectorIndex("workers", DIM)
    lh.ingest(corpus_path, emb, index, batch_size=64)
    return index


def rng_vectors(n: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def cpu_count() -> int:
    return os.cpu_count() or 1
