#!/usr/bin/env python3
"""Runs Fleche (Swift) and the reference library (Python) side by side on the same
workload, interleaved A B A B, and reports medians, ratios and the targets of issue 6.

Absolute times on these shared machines drift several-fold between runs, so every claim is a
ratio of two medians measured in the same run: against the reference, and against floors
(file creation, file read, hashing, raw write) measured by the Swift side in the same process
and file system.

usage: compare.py --fleche BIN --python PY [--n 10000] [--reps 5] [--growth 1000,10000,100000]
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
    parser.add_argument("--growth", default="1000,10000,100000")
    args = parser.parse_args()
    n = args.n
    reference_cmd = [args.python, os.path.join(HERE, "reference_bench.py")]

    fleche_runs, reference_runs = [], []
    for rep in range(args.reps):
        # A B A B: each repetition runs both sides back to back on fresh stores.
        fleche_runs.append(run_side_n(args.fleche, "workload", n))
        reference_runs.append(run_reference(reference_cmd, n))
        print(f"rep {rep + 1}/{args.reps}: fleche misses {fmt_time(fleche_runs[-1]['a_miss_total_s'])}, "
              f"reference misses {fmt_time(reference_runs[-1]['a_miss_total_s'])}", flush=True)

    growth = {}
    for size in [int(s) for s in args.growth.split(",") if s]:
        runs = [run_side_n(args.fleche, "growth", size) for _ in range(3 if size <= 10_000 else 1)]
        growth[size] = {key: median(runs, key) / size for key in
                        ("a_miss_total_s", "b_hit_total_s", "c_query_count_s", "d_gc_s")}
        growth[size]["floor"] = min(median(runs, "floor_create_small_file_s"), median(runs, "floor_create_small_file_after_s"))
        print(f"growth N={size}: miss {fmt_time(growth[size]['a_miss_total_s'])}/call, "
              f"hit {fmt_time(growth[size]['b_hit_total_s'])}/call", flush=True)

    # Manifest reading: Fleche's readers against Foundation's on the workload's manifest,
    # interleaved round by round inside one process (the best of 5 rounds of 20,000 reads).
    reading = run_side_n(args.fleche, "json", 20_000)
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
    print(f"manifest reading: hit path {fmt_time(reading['json_fleche_result_only_s'])} vs "
          f"JSONDecoder {fmt_time(reading['json_foundation_decoder_result_only_s'])}", flush=True)

    F = lambda key: median(fleche_runs, key)
    R = lambda key: median(reference_runs, key)
    rows, verdicts = [], []

    def row(label, key, per=None, target=None, floor=None, floor_target=None, floor_label=""):
        fleche, reference = F(key), R(key)
        ratio = reference / fleche
        shown_f = fmt_time(fleche / per) + "/op" if per else fmt_time(fleche)
        shown_r = fmt_time(reference / per) + "/op" if per else fmt_time(reference)
        notes = []
        met = True
        if target is not None:
            ok = ratio >= target
            met &= ok
            notes.append(f"≥ {target:g}× the reference: {'met' if ok else 'MISSED'}")
        if floor is not None:
            multiple = (fleche / (per or 1)) / floor
            ok = multiple <= floor_target
            met &= ok
            notes.append(f"{multiple:.2f}× {floor_label} (≤ {floor_target:g}×): {'met' if ok else 'MISSED'}")
        rows.append(f"| {label} | {shown_f} | {shown_r} | {ratio:.1f}× | {'; '.join(notes) or '-'} |")
        if notes:
            verdicts.append(met)

    floor_create = min(F("floor_create_small_file_s"), F("floor_create_small_file_after_s"))
    floor_read = F("floor_read_small_file_s")
    row("(a) miss", "a_miss_total_s", per=n, target=10, floor=floor_create, floor_target=1.5,
        floor_label="the file-creation floor (1 file written per miss)")
    row("(b) hit", "b_hit_total_s", per=n, target=20, floor=floor_read, floor_target=2,
        floor_label="the open+read floor")
    row(f"(c) query by name, count ({n:,} calls)", "c_query_count_s", target=10)
    row("(c) query by name, load every result", "c_query_results_s")
    row("(c) query by name and one argument", "c_query_by_arg_s")
    row(f"(d) evict {n // 2:,} calls", "d_evict_half_s")
    row("(d) gc after evicting half", "d_gc_s", target=10)
    row("(e) save 16 MiB incompressible", "e_save_16MiB_s", target=2,
        floor=F("floor_sha256_16MiB_s") + F("floor_raw_write_16MiB_s"), floor_target=1.5,
        floor_label="the hash + raw write floor")
    row("(e) load 16 MiB incompressible", "e_load_16MiB_s", target=1.5)
    row("(e) save 16 MiB compressible", "e_compressible_save_16MiB_s")
    row("(e) load 16 MiB compressible", "e_compressible_load_16MiB_s")

    growth_rows = []
    sizes = sorted(growth)
    for size in sizes:
        g = growth[size]
        growth_rows.append(f"| {size:,} | {fmt_time(g['a_miss_total_s'])} | {fmt_time(g['b_hit_total_s'])} | "
                           f"{fmt_time(g['c_query_count_s'])} | {fmt_time(g['d_gc_s'])} | {fmt_time(g['floor'])} |")
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
                          f"Misses as a multiple of the file-creation floor measured at the same size: "
                          f"{small['a_miss_total_s'] / small['floor']:.2f}× at {sizes[0]:,}, "
                          f"{large['a_miss_total_s'] / large['floor']:.2f}× at {sizes[-1]:,}.")

    floors = [
        f"| create + write + rename a small file (smaller of: before the misses "
        f"{fmt_time(F('floor_create_small_file_s'))}, right after them {fmt_time(F('floor_create_small_file_after_s'))}) "
        f"| {fmt_time(floor_create)} |",
        f"| open + read + close a small file | {fmt_time(floor_read)} |",
        f"| SHA-256, 16 MiB | {fmt_time(F('floor_sha256_16MiB_s'))} ({16 / F('floor_sha256_16MiB_s') / 1024:.2f} GiB/s) |",
        f"| XXH3, 16 MiB | {fmt_time(F('floor_xxh3_16MiB_s'))} ({16 / F('floor_xxh3_16MiB_s') / 1024:.2f} GiB/s) |",
        f"| zlib level 1, 16 MiB of text | {fmt_time(F('floor_zlib1_16MiB_s'))} ({16 / F('floor_zlib1_16MiB_s'):.0f} MiB/s) |",
        f"| write + rename 16 MiB | {fmt_time(F('floor_raw_write_16MiB_s'))} |",
    ]
    reference_version = subprocess.run([args.python, "-c", "import fleche; print(fleche.__version__)"],
                                       capture_output=True, text=True).stdout.strip()
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    table = "\n".join([
        f"Measured {when} on {machine()}; N = {n:,}, {args.reps} interleaved repetitions, medians; "
        f"reference: fleche {reference_version} (Python {platform.python_version()}), pickle store; "
        f"Fleche: release build, default file store (SHA-256). "
        f"{sum(verdicts)} of {len(verdicts)} targets met.",
        "",
        "| measure | Fleche | reference | speed-up | targets |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Floors, measured in the same run and file system:",
        "",
        "| floor | time |",
        "|---|---|",
        *floors,
        "",
        "Growth (Fleche, cost per call):",
        "",
        "| calls | miss | hit | query (count) | gc | file-creation floor |",
        "|---|---|---|---|---|---|",
        *growth_rows,
        "",
        growth_verdict,
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


def run_side_n(binary, mode, n):
    return run_side_args([binary, mode], n)


def run_reference(command, n):
    return run_side_args(command, n)


def run_side_args(command, n):
    """Runs one repetition on a fresh store in a new temp directory; returns its JSON."""
    os.sync()  # flush earlier repetitions' writeback outside the timed region
    directory = tempfile.mkdtemp(prefix="fleche-bench-")
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
