#!/usr/bin/env python3
"""Automatic trimming under load: W writer processes (FlecheTestWorker, `blob` calls of 3,000
bytes that do not compress) fill a store many times its budget, with `auto_trim` and without
a budget, interleaved run by run in the same folder. While they run, the store's bytes on disk
(allocated blocks of objects/ and calls/) are sampled every 10 ms.

Prints, per variant: the largest sample against the budget, the slowest single call any
writer saw (a save that waited for a trim included), the longest time any save waited on
cleanup (measured inside the library: for the store's lock while a gc held it, plus for
another process's trim), the mean of that wait per save, and the wall time of the run.

    python3 Benchmarks/trim_bench.py --bin .build/release [--dir /dev/shm] [--budget 1M]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def size_on_disk(store):
    total = 0
    for part in ("objects", "calls"):
        top = os.path.join(store, part)
        try:
            shards = list(os.scandir(top))
        except FileNotFoundError:
            continue
        for shard in shards:
            try:
                for entry in os.scandir(shard.path):
                    try:
                        total += entry.stat(follow_symlinks=False).st_blocks * 512
                    except FileNotFoundError:
                        pass
            except (FileNotFoundError, NotADirectoryError):
                pass
    return total


def parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def run(worker, root, budget, writers, calls):
    shutil.rmtree(root, ignore_errors=True)
    subprocess.run([worker, root, "0", "0", "blob"], check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, FLECHE_WORKER_SLOWEST="1")
    if budget:
        env["FLECHE_WORKER_BUDGET"] = budget
    start = time.perf_counter()
    processes = [
        subprocess.Popen([worker, root, str(w * 100_000), str(calls), "blob"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for w in range(writers)
    ]
    largest = 0
    while any(p.poll() is None for p in processes):
        largest = max(largest, size_on_disk(root))
        time.sleep(0.01)
    wall = time.perf_counter() - start
    largest = max(largest, size_on_disk(root))
    slowest = 0
    longest_wait = 0
    wait_total = 0
    saves = 0
    for p in processes:
        out, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"worker failed: {err}")
        for line in out.splitlines():
            fields = line.split()
            if fields[0] == "slowest_us":
                slowest = max(slowest, int(fields[1]))
            elif fields[0] == "longest_cleanup_wait_us":
                longest_wait = max(longest_wait, int(fields[1]))
            elif fields[0] == "cleanup_wait_total_us":
                wait_total += int(fields[1])
                saves += int(fields[3])
    return largest, slowest, wall, longest_wait, wait_total / max(1, saves)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--dir", default="/dev/shm")
    parser.add_argument("--budget", default="1M")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    worker = os.path.join(args.bin, "FlecheTestWorker")
    budget = parse_size(args.budget)
    base = tempfile.mkdtemp(prefix="fleche-trim-", dir=args.dir)
    root = os.path.join(base, "store")
    results = {"auto_trim": [], "no budget": []}
    try:
        for _ in range(args.reps):
            results["auto_trim"].append(run(worker, root, args.budget, args.writers, args.calls))
            results["no budget"].append(run(worker, root, None, args.writers, args.calls))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{args.writers} writers x {args.calls} calls of 3,000 bytes, budget {args.budget}, in {args.dir}, "
          f"{args.reps} interleaved runs each")
    print(f"{'variant':<10} {'largest/budget':>15} {'slowest call':>13} {'longest cleanup wait':>21} "
          f"{'mean wait/save':>15} {'wall (median)':>14}")
    for name, runs in results.items():
        largest = max(r[0] for r in runs)
        slowest = max(r[1] for r in runs)
        wall = statistics.median(r[2] for r in runs)
        longest_wait = max(r[3] for r in runs)
        mean_wait = statistics.mean(r[4] for r in runs)
        print(f"{name:<10} {largest / budget:>14.2f}x {slowest / 1000:>10.1f} ms {longest_wait / 1000:>18.1f} ms "
              f"{mean_wait / 1000:>12.2f} ms {wall:>12.2f} s")


if __name__ == "__main__":
    main()
