#!/usr/bin/env python3
"""Runs Fleche (Swift) and the reference library (Python) side by side on the same
workload, interleaved A B A B, and reports medians, ratios and the targets of issue 6.

Absolute times on these shared machines drift several-fold between runs, so every claim is a
ratio of two medians measured in the same run: against the reference, and against floors
(file creation, file read, hashing, raw write) measured by the Swift side in the same process
and file system.

Two tables: the primary one on tmpfs (where the library's own cost shows; file creation on
ext4 swings tenfold), a secondary one on the disk; each miss and hit is timed beside its floor
in the store's own folders (FlecheBenchmarks/InterleavedFloors.swift); the miss and hit paths
also get instruction counts under callgrind, tracked from run to run in instructions.json.

usage: compare.py --fleche BIN --python PY [--n 10000] [--reps 5] [--growth 1000,10000,100000]
                  [--tmpfs /dev/shm] [--disk DIR] [--disk-reps 3]
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def median(runs, key):
    return statistics.median(run[key] for run in runs)


def fmt_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} µs"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{platform.machine()}, {cpu}, {os.cpu_count()} cores, Linux {platform.release()}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fleche", required=True, help="the FlecheBenchmarks binary (release)")
    parser.add_argument("--python", required=True, help="a python with fleche installed")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--growth", default=None,
                        help="call counts of the growth table (default 1,000 to 1,000,000; without "
                             "1,000,000 when the tmpfs has less than 8 GiB or 2.5 million files free)")
    parser.add_argument("--scale", type=int, default=1_000_000,
                        help="calls in the store that `fleche ls`, `stats` and `verify` are timed on (0: none)")
    parser.add_argument("--tmpfs", default="/dev/shm", help="a folder on tmpfs: the primary table")
    parser.add_argument("--disk", default=os.path.join(ROOT, ".build-bench", "disk"),
                        help="a folder on the disk: the secondary table")
    parser.add_argument("--disk-reps", type=int, default=3)
    args = parser.parse_args()
    n = args.n
    reference_cmd = [args.python, os.path.join(HERE, "reference_bench.py")]
    os.makedirs(args.disk, exist_ok=True)

    primary = workload(args.fleche, reference_cmd, n, args.reps, args.tmpfs, "tmpfs")
    secondary = workload(args.fleche, reference_cmd, n, args.disk_reps, args.disk, "disk")

    room = has_room(args.tmpfs, 1_000_000)
    growth_sizes = args.growth or ("1000,10000,100000,1000000" if room else "1000,10000,100000")
    growth = {}
    for size in [int(s) for s in growth_sizes.split(",") if s]:
        runs = [run_side_n(args.fleche, "growth", size, args.tmpfs) for _ in range(3 if size <= 10_000 else 1)]
        growth[size] = {key: median(runs, key) / size for key in
                        ("a_miss_total_s", "b_hit_total_s", "c_query_count_s", "d_gc_s", "floor_create_small_file_s")}
        print(f"growth N={size}: miss {fmt_time(growth[size]['a_miss_total_s'])}/call, "
              f"hit {fmt_time(growth[size]['b_hit_total_s'])}/call", flush=True)

    # Manifest reading: Fleche's readers against Foundation's on the workload's manifest,
    # interleaved round by round inside one process (the best of 5 rounds of 20,000 reads).
    reading = run_side_n(args.fleche, "json", 20_000, args.tmpfs)
    json_rows = []
    for label, ours, theirs, their_label in [
        ("the hit path (result member only)", "json_fleche_result_only_s", "json_foundation_decoder_result_only_s",
         "JSONDecoder, a struct with only `result`"),
        ("the whole record", "json_fleche_record_s", "json_foundation_decoder_record_s",
         "JSONDecoder, the manifest as Codable structs"),
        ("a JSON tree", "json_fleche_tree_s", "json_foundation_serialization_tree_s", "JSONSerialization"),
    ]:
        json_rows.append(f"| {label} | {fmt_time(reading[ours])} | {fmt_time(reading[theirs])} ({their_label}) | "
                         f"{reading[theirs] / reading[ours]:.1f}× |")

    instructions = callgrind_rows(args.fleche, args.tmpfs)
    scale = scale_rows(args.fleche, args.tmpfs, args.scale)
    verdicts = primary["verdicts"] + secondary["verdicts"] + instructions["verdicts"] + scale["verdicts"]

    growth_rows = []
    sizes = sorted(growth)
    for size in sizes:
        g = growth[size]
        growth_rows.append(f"| {size:,} | {fmt_time(g['a_miss_total_s'])} | {fmt_time(g['b_hit_total_s'])} | "
                           f"{fmt_time(g['c_query_count_s'])} | {fmt_time(g['d_gc_s'])} | "
                           f"{fmt_time(g['floor_create_small_file_s'])} |")
    growth_verdict = ""
    if len(sizes) >= 2:
        small, large = growth[sizes[0]], growth[sizes[-1]]
        hit_ratio = large["b_hit_total_s"] / small["b_hit_total_s"]
        miss_ratio = large["a_miss_total_s"] / small["a_miss_total_s"]
        ok = hit_ratio <= 1.5 and miss_ratio <= 1.5
        verdicts.append(ok)
        growth_verdict = (f"Per-call cost at {sizes[-1]:,} calls against {sizes[0]:,}: hits {hit_ratio:.2f}×, "
                          f"misses {miss_ratio:.2f}× (target ≤ 1.5×): {'met' if ok else 'MISSED'}. "
                          f"Query and gc per call: {large['c_query_count_s'] / small['c_query_count_s']:.2f}× and "
                          f"{large['d_gc_s'] / small['d_gc_s']:.2f}× (linear growth is 1×). "
                          f"Misses as a multiple of the file-creation floor beside them: "
                          f"{small['a_miss_total_s'] / small['floor_create_small_file_s']:.2f}× at {sizes[0]:,}, "
                          f"{large['a_miss_total_s'] / large['floor_create_small_file_s']:.2f}× at {sizes[-1]:,}.")

    reference_version = subprocess.run([args.python, "-c", "import fleche; print(fleche.__version__)"],
                                       capture_output=True, text=True).stdout.strip()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    table = "\n".join([
        f"Measured {when} on {machine()}; N = {n:,}, medians of interleaved repetitions (Fleche, then the "
        f"reference, on fresh stores); reference: fleche {reference_version} (Python {platform.python_version()}), "
        f"pickle store; Fleche: release build, default file store (SHA-256). Floors: each miss beside a file "
        f"created, written and renamed into the same shard folder of `calls/`, each hit beside an open, read and "
        f"close of the manifest it reads, alternating which goes first. {sum(verdicts)} of {len(verdicts)} targets met.",
        "",
        f"**tmpfs** ({args.tmpfs}, {args.reps} repetitions): the library's own cost.",
        "",
        "| measure | Fleche | reference | speed-up | targets |",
        "|---|---|---|---|---|",
        *primary["rows"],
        "",
        "| floor (tmpfs) | time |",
        "|---|---|",
        *primary["floors"],
        "",
        "Instructions per call under `valgrind --tool=callgrind` (repeatable whatever the machine does; "
        "`FlecheBenchmarks profile-hits` on tmpfs, 2,000 calls, start-up subtracted; target: no more than 2% "
        "above the last run's, kept in Benchmarks/instructions.json):",
        "",
        "| path | instructions per call | last run | target |",
        "|---|---|---|---|",
        *instructions["rows"],
        "",
        f"**disk** ({secondary['filesystem']}, {args.disk_reps} repetitions): what users see; file creation "
        f"swings several-fold between repetitions here.",
        "",
        "| measure | Fleche | reference | speed-up | targets |",
        "|---|---|---|---|---|",
        *secondary["rows"],
        "",
        "| floor (disk) | time |",
        "|---|---|",
        *secondary["floors"],
        "",
        "Growth on tmpfs (Fleche, cost per call):",
        "",
        "| calls | miss | hit | query (count) | gc | file-creation floor |",
        "|---|---|---|---|---|---|",
        *growth_rows,
        "",
        growth_verdict,
        "",
        *scale["text"],
        "",
        f"Reading one manifest ({reading['json_manifest_bytes']} bytes, the workload's), Fleche's hand-written "
        f"reader against Foundation, same process, interleaved:",
        "",
        "| what is read | Fleche | Foundation | Foundation / Fleche |",
        "|---|---|---|---|",
        *json_rows,
    ])
    print()
    print(table)
    replace_between(os.path.join(HERE, "RESULTS.md"), "results", table)
    replace_between(os.path.join(ROOT, "README.md"), "bench", table)


# A million calls take about 4 GB of tmpfs (a page per manifest) and, in the growth run, two
# million files (each miss's floor file is kept until the end): run only with room to spare.
SCALE_ROOM = 8 << 30


def has_room(path, calls):
    """Whether the file system at `path` has 8 GiB and 2.5 files per call free."""
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize >= SCALE_ROOM and stats.f_favail >= 2.5 * calls


def scale_rows(binary, root, n):
    """`fleche ls`, `stats` and `verify` on a store of n calls on tmpfs, against 10, 5 and 60 s."""
    if n <= 0:
        return {"text": [], "verdicts": []}
    if not has_room(root, n):
        stats = os.statvfs(root)
        return {"text": [f"The {n:,}-call store was not made: {root} has "
                         f"{stats.f_bavail * stats.f_frsize / 2**30:.1f} GiB and {stats.f_favail:,} files free; "
                         f"{SCALE_ROOM / 2**30:.0f} GiB and {int(2.5 * n):,} files are needed."], "verdicts": []}
    fleche = os.path.join(os.path.dirname(binary), "fleche")
    directory = tempfile.mkdtemp(prefix="fleche-scale-", dir=root)
    try:
        started = time.monotonic()
        subprocess.run([binary, "profile-hits", directory, str(n)], check=True, capture_output=True)
        filled = time.monotonic() - started
        rows, verdicts = [], []
        for command, target in [("ls", 10), ("stats", 5), ("verify", 60)]:
            began = time.monotonic()
            run = subprocess.run([fleche, command, "--store", os.path.join(directory, "store")],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            elapsed = time.monotonic() - began
            if run.returncode != 0:
                sys.exit(f"fleche {command} failed on the {n:,}-call store:\n{run.stderr[-2000:]}")
            ok = elapsed < target
            verdicts.append(ok)
            rows.append(f"| `fleche {command}` | {elapsed:.2f} s | under {target} s: {'met' if ok else 'MISSED'} |")
            print(f"scale N={n}: fleche {command} {elapsed:.2f} s", flush=True)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    text = [f"The CLI on a store of {n:,} calls on tmpfs (the workload's function, filled by "
            f"`FlecheBenchmarks profile-hits` in {filled:.0f} s; each command run once, output to /dev/null):",
            "", "| command | time | target |", "|---|---|---|", *rows]
    return {"text": text, "verdicts": verdicts}


def filesystem_of(path):
    out = subprocess.run(["df", "--output=fstype", path], capture_output=True, text=True).stdout.split()
    return out[-1] if out else "unknown"


def workload(binary, reference_cmd, n, reps, root, label):
    """The workload's table on one file system: rows with targets, floors, verdicts."""
    fleche_runs, reference_runs = [], []
    for rep in range(reps):
        # A B A B: each repetition runs both sides back to back on fresh stores.
        fleche_runs.append(run_side_n(binary, "workload", n, root))
        reference_runs.append(run_side_args(reference_cmd, n, root))
        print(f"{label} rep {rep + 1}/{reps}: fleche misses {fmt_time(fleche_runs[-1]['a_miss_total_s'])}, "
              f"reference misses {fmt_time(reference_runs[-1]['a_miss_total_s'])}", flush=True)
    F = lambda key: median(fleche_runs, key)
    R = lambda key: median(reference_runs, key)
    rows, verdicts = [], []

    def row(label, key, per=None, target=None, floor=None, floor_target=None, floor_label=""):
        fleche, reference = F(key), R(key)
        ratio = reference / fleche
        shown_f = fmt_time(fleche / per) + "/op" if per else fmt_time(fleche)
        shown_r = fmt_time(reference / per) + "/op" if per else fmt_time(reference)
        notes = []
        if target is not None:
            ok = ratio >= target
            verdicts.append(ok)
            notes.append(f"≥ {target:g}× the reference: {'met' if ok else 'MISSED'}")
        if floor is not None:
            multiple = (fleche / (per or 1)) / floor
            ok = multiple <= floor_target
            verdicts.append(ok)
            notes.append(f"{multiple:.2f}× {floor_label} (≤ {floor_target:g}×): {'met' if ok else 'MISSED'}")
        rows.append(f"| {label} | {shown_f} | {shown_r} | {ratio:.1f}× | {'; '.join(notes)} |")

    floor_create = F("floor_create_small_file_s") / n
    floor_read = F("floor_read_small_file_s") / n
    row("(a) miss", "a_miss_total_s", per=n, target=10, floor=floor_create, floor_target=1.5,
        floor_label="the create+write+rename floor beside it")
    row("(b) hit", "b_hit_total_s", per=n, target=20, floor=floor_read, floor_target=1.5,
        floor_label="the open+read floor beside it")
    row(f"(c) query by name, count ({n:,} calls)", "c_query_count_s", target=10)
    row("(c) query by name, load every result", "c_query_results_s", target=10)
    row("(c) query by name and one argument", "c_query_by_arg_s", target=10)
    row(f"(d) evict {n // 2:,} calls", "d_evict_half_s", target=5)
    row("(d) gc after evicting half", "d_gc_s", target=10)
    row("(e) save 16 MiB incompressible", "e_save_16MiB_s", target=1.5,
        floor=F("floor_sha256_16MiB_s") + F("floor_raw_write_16MiB_s"), floor_target=1.5,
        floor_label="the hash + raw write floor")
    row("(e) load 16 MiB incompressible", "e_load_16MiB_s", target=1.5)
    row("(e) save 16 MiB compressible", "e_compressible_save_16MiB_s", target=1.5)
    row("(e) load 16 MiB compressible", "e_compressible_load_16MiB_s", target=1.5)
    floors = [
        f"| create + write + rename a small file, beside each miss | {fmt_time(floor_create)} |",
        f"| open + read + close the manifest, beside each hit | {fmt_time(floor_read)} |",
        f"| SHA-256, 16 MiB | {fmt_time(F('floor_sha256_16MiB_s'))} ({16 / F('floor_sha256_16MiB_s') / 1024:.2f} GiB/s) |",
        f"| XXH3, 16 MiB | {fmt_time(F('floor_xxh3_16MiB_s'))} ({16 / F('floor_xxh3_16MiB_s') / 1024:.2f} GiB/s) |",
        f"| zlib level 1, 16 MiB of text | {fmt_time(F('floor_zlib1_16MiB_s'))} ({16 / F('floor_zlib1_16MiB_s'):.0f} MiB/s) |",
        f"| write + rename 16 MiB | {fmt_time(F('floor_raw_write_16MiB_s'))} |",
    ]
    return {"rows": rows, "floors": floors, "verdicts": verdicts, "filesystem": f"{root}, {filesystem_of(root)}"}


def callgrind_rows(binary, root):
    """Instructions per miss and per hit under callgrind, against Benchmarks/instructions.json."""
    if shutil.which("valgrind") is None or shutil.which("objcopy") is None:
        return {"rows": ["| (valgrind not installed) | - | - | - |"], "verdicts": []}
    stripped = os.path.join(tempfile.mkdtemp(prefix="fleche-callgrind-"), "FlecheBenchmarks")
    # valgrind cannot read the debug information Swift's release builds carry.
    subprocess.run(["objcopy", "--strip-debug", binary, stripped], check=True)

    def instructions(directory, n):
        out_file = os.path.join(os.path.dirname(stripped), "callgrind.out")
        run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", stripped,
                              "profile-hits", directory, str(n)], capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", run.stderr)
        if run.returncode != 0 or not found:
            sys.exit(f"callgrind failed:\n{run.stderr[-2000:]}")
        return int(found.group(1))

    n = 2000
    filled, empty = tempfile.mkdtemp(dir=root), tempfile.mkdtemp(dir=root)
    try:
        baseline = instructions(empty, 0)
        misses = (instructions(filled, n) - baseline) / n       # the first run fills: n misses
        hits = (instructions(filled, n) - baseline) / (20 * n)  # the second: 20 x n hits
    finally:
        shutil.rmtree(filled, ignore_errors=True)
        shutil.rmtree(empty, ignore_errors=True)
        shutil.rmtree(os.path.dirname(stripped), ignore_errors=True)
    path = os.path.join(HERE, "instructions.json")
    last = json.load(open(path)) if os.path.exists(path) else {}
    rows, verdicts = [], []
    for label, key, value in [("miss", "miss", misses), ("hit", "hit", hits)]:
        previous = last.get(key)
        ok = previous is None or value <= previous * 1.02
        verdicts.append(ok)
        rows.append(f"| {label} | {value:,.0f} | {f'{previous:,.0f}' if previous else '-'} | "
                    f"≤ 1.02× the last run: {'met' if ok else 'MISSED'} |")
    with open(path, "w") as handle:
        json.dump({"miss": round(misses), "hit": round(hits)}, handle, indent=2)
        handle.write("\n")
    return {"rows": rows, "verdicts": verdicts}


def run_side_n(binary, mode, n, root):
    return run_side_args([binary, mode], n, root)


def run_side_args(command, n, root):
    """Runs one repetition on a fresh store in a new folder under `root`; returns its JSON."""
    os.sync()  # flush earlier repetitions' writeback outside the timed region
    directory = tempfile.mkdtemp(prefix="fleche-bench-", dir=root)
    try:
        out = subprocess.run(command + [directory, str(n)], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"benchmark failed: {' '.join(command)}\n{out.stderr}")
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def replace_between(path, marker, text):
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    with open(path) as handle:
        content = handle.read()
    if start not in content:
        content = content.rstrip() + f"\n\n{start}\n{end}\n"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    content = pattern.sub(lambda _: f"{start}\n{text}\n{end}", content)
    with open(path, "w") as handle:
        handle.write(content)


if __name__ == "__main__":
    main()
