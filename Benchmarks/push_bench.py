#!/usr/bin/env python3
"""fleche push against plain `rsync -a` of the same tree (issue 10's benchmark).

A store of N calls (FlecheTestWorker's `nested`: a record with arrays, part of them shared by
every call) on tmpfs, pushed to an empty store, then pushed again after 1% new calls; beside
each push, `rsync -a` of the whole store to its own copy, and as the floor of a re-push,
`rsync --list-only` of the destination (a listing) plus `rsync -a` of only the new files.
Runs are interleaved, repeated, and the minimum and median reported, side by side.

    python3 Benchmarks/push_bench.py --bin .build/release [--n 10000] [--reps 5] [--dir /dev/shm]
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time


def timed(command, **kwargs):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="the folder of the release build (fleche, FlecheTestWorker)")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--dir", default="/dev/shm" if os.path.isdir("/dev/shm") else None)
    args = parser.parse_args()
    fleche, worker = os.path.join(args.bin, "fleche"), os.path.join(args.bin, "FlecheTestWorker")
    root = tempfile.mkdtemp(prefix="fleche-push-bench-", dir=args.dir)
    try:
        source = os.path.join(root, "source")
        subprocess.run([worker, source, "0", str(args.n), "nested"], check=True, stdout=subprocess.DEVNULL)
        new = max(1, args.n // 100)
        rows = {k: [] for k in ("push", "rsync", "repush", "resync", "floor")}
        for rep in range(args.reps):
            pushed, copied = os.path.join(root, f"pushed{rep}"), os.path.join(root, f"copied{rep}")
            base = os.path.join(root, f"base{rep}")
            # A source of N calls for this repetition (the 1% are added below, then removed).
            shutil.rmtree(base, ignore_errors=True)
            shutil.copytree(source, base, symlinks=True)
            rows["push"].append(timed([fleche, "push", pushed, "--store", base]))
            rows["rsync"].append(timed(["rsync", "-a", base + "/", copied + "/"]))
            subprocess.run([worker, base, str(args.n), str(new), "nested"], check=True, stdout=subprocess.DEVNULL)
            before = set()
            for folder, _, files in os.walk(pushed):
                before.update(os.path.relpath(os.path.join(folder, f), pushed) for f in files)
            rows["repush"].append(timed([fleche, "push", pushed, "--store", base]))
            rows["resync"].append(timed(["rsync", "-a", base + "/", copied + "/"]))
            # The floor: a listing of the destination, and a copy of only the new files.
            after = set()
            for folder, _, files in os.walk(pushed):
                after.update(os.path.relpath(os.path.join(folder, f), pushed) for f in files)
            added = sorted(after - before)
            floor_copy = os.path.join(root, f"floor{rep}")
            listing = timed(["rsync", "--list-only", "-r", copied + "/"])
            with tempfile.NamedTemporaryFile("w", delete=False, dir=root) as names:
                names.write("\n".join(added) + "\n")
            copy = timed(["rsync", "-a", f"--files-from={names.name}", base + "/", floor_copy + "/"])
            rows["floor"].append(listing + copy)
            for folder in (pushed, copied, base, floor_copy):
                shutil.rmtree(folder, ignore_errors=True)
        def cell(key):
            values = rows[key]
            return f"{min(values) * 1000:.0f} ms", f"{statistics.median(values) * 1000:.0f} ms"
        print(f"push of {args.n:,} calls (FlecheTestWorker nested) on {args.dir or 'the disk'}, {args.reps} interleaved repetitions\n")
        print("| operation | min | median | against |")
        print("|---|---|---|---|")
        ratio = lambda a, b: f"{min(rows[a]) / min(rows[b]):.2f}×"
        print(f"| `fleche push` to an empty store | {' | '.join(cell('push'))} | {ratio('push', 'rsync')} `rsync -a` |")
        print(f"| `rsync -a` of the store | {' | '.join(cell('rsync'))} | |")
        print(f"| `fleche push` after 1% new calls | {' | '.join(cell('repush'))} | {ratio('repush', 'floor')} the floor, {ratio('repush', 'resync')} `rsync -a` |")
        print(f"| `rsync -a` after 1% new calls | {' | '.join(cell('resync'))} | |")
        print(f"| floor: listing + copy of the new files | {' | '.join(cell('floor'))} | |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
