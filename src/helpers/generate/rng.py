"""Seeded random streams and the few sampling helpers every module shares.

Each part of the generator draws from its own named stream, derived from the user's seed with a
SeedSequence whose spawn key is a CRC of the name. Adding a source, or changing how many numbers
one source draws, therefore never shifts the numbers another source sees. (Python's ``hash()`` is
salted per process, so CRC32 is used instead.)
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa

from . import text


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent, reproducible generator for one named part of the generator."""
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(zlib.crc32(name.encode()),)))


def weighted(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """n indices drawn with the given (unnormalised) weights."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def bernoulli(rng: np.random.Generator, p, n: int | None = None) -> np.ndarray:
    """Boolean mask, True with probability p (scalar or per-element array)."""
    if n is None:
        n = np.shape(p)[0]
    return rng.random(n) < p


def unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """n distinct random integers in [low, high) — redraws the rare collisions, vectorised."""
    out = rng.integers(low, high, size=n, dtype=np.int64)
    for _ in range(64):
        _, first = np.unique(out, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            return out
        out[dup] = rng.integers(low, high, size=int(dup.sum()), dtype=np.int64)
    raise RuntimeError("unique_ints: range too small for the requested count")


class Pool:
    """String values of several groups laid end to end, with per-group draw probabilities.

    Drawing returns integer codes into one Arrow array, so sampling a few hundred thousand
    country-specific names is one `rng.choice` per group and one `take`.
    """

    def __init__(self, tables: dict[int, tuple[tuple[str, ...] | list[str], np.ndarray]]):
        values: list[str] = []
        self.start: dict[int, int] = {}
        self.p: dict[int, np.ndarray] = {}
        for g, (vals, p) in tables.items():
            self.start[g] = len(values)
            values.extend(vals)
            p = np.asarray(p, dtype=float)
            self.p[g] = p / p.sum()
        self.values = pa.array(values, pa.string())

    def draw(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        """One code per element, drawn from the element's group distribution."""
        out = np.zeros(len(groups), dtype=np.int64)
        for g, p in self.p.items():
            m = groups == g
            k = int(m.sum())
            if k:
                out[m] = self.start[g] + rng.choice(len(p), size=k, p=p)
        return out

    def take(self, codes: np.ndarray) -> pa.Array:
        """Strings for codes (-1 = null)."""
        return text.take(self.values, codes)
