#!/usr/bin/env python3
"""The reference library's side of `make bench`: one repetition of the workload, in one
process, on a fresh pickle store under DIR, printed as one JSON object of seconds.

Same workload as Benchmarks/FlecheBenchmarks (and as the reference's own baseline):
(a) N misses of f(i, s) -> 10 floats, (b) N hits, (c) query by name (count, results, by one
argument), (d) evict N/2 then gc, (e) save/load 16 MiB of random and of compressible bytes.

usage: reference_bench.py DIR N
"""
import json
import os
import sys
import time

import fleche
from fleche import cache, fleche as memo, meta
from fleche.caches import Cache
from fleche.metadata import Runtime


@memo
def f(i: int, s: str) -> list:
    return [i * 0.5 + k for k in range(10)]


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main():
    root, n = sys.argv[1], int(sys.argv[2])
    c = Cache.from_config({"template": "pickle", "root": os.path.join(root, "store")})
    res = {}
    with cache(c), meta(Runtime()):
        res["a_miss_total_s"], _ = timed(lambda: [f(i, f"s{i}") for i in range(n)])
        assert sum(1 for _ in os.scandir(os.path.join(root, "store", "calls"))) == n
        res["b_hit_total_s"], out = timed(lambda: [f(i, f"s{i}") for i in range(n)])
        assert out[-1] == [(n - 1) * 0.5 + k for k in range(10)]
        res["c_query_count_s"], count = timed(lambda: c.query(name="f").count())
        assert count == n
        res["c_query_results_s"], results = timed(lambda: list(c.query(name="f").results()))
        assert len(results) == n
        res["c_query_by_arg_s"], count = timed(lambda: c.query(name="f", arguments={"i": n // 2}).count())
        assert count == 1
        keys = [f.digest(i, f"s{i}") for i in range(0, n, 2)]
        res["d_evict_half_s"], _ = timed(lambda: [c.evict(k) for k in keys])
        res["d_values_before_gc"] = sum(1 for _ in os.scandir(os.path.join(root, "store", "values")))
        res["d_gc_s"], evicted = timed(c.gc)
        res["d_values_evicted"] = len(evicted)
    random_blob = os.urandom(16 * 1024 * 1024)
    pattern = b"fleche memoizes pure functions; "
    text_blob = (pattern * (16 * 1024 * 1024 // len(pattern) + 1))[: 16 * 1024 * 1024]
    for label, blob in (("e", random_blob), ("e_compressible", text_blob)):
        res[f"{label}_digest_16MiB_s"], _ = timed(lambda: fleche.digest.digest(blob))
        res[f"{label}_save_16MiB_s"], key = timed(lambda: c.values.save(blob))
        res[f"{label}_load_16MiB_s"], back = timed(lambda: c.values.load(key))
        assert back == blob
        res[f"{label}_file_size_bytes"] = os.path.getsize(os.path.join(root, "store", "values", key))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
