#!/usr/bin/env python3
"""`make bench-s3`: the S3 tier against a real SeaweedFS on loopback (its data on tmpfs).

Starts `weed server -s3` (from .build-tools/venv, which .ci/install-s3-tools fills), makes
a bucket, runs FlecheS3Benchmarks (hits and misses through S3 alone and through a stack,
a push of CALLS calls with 1, 8 and 32 requests in flight, and a pull of them into a new
folder), then times `aws s3 sync` of the same store folder (FORMAT, objects, calls) to a
fresh prefix, and of the pushed prefix down to a folder: the same files, the same server,
one after the other in one run. Prints a table; stops the server.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build-tools", "venv", "bin")
KEY, SECRET = "fleche-bench-key", "fleche-bench-secret"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="the release build's bin folder")
    parser.add_argument("--n", type=int, default=1000, help="hits and misses")
    parser.add_argument("--calls", type=int, default=10000, help="calls pushed")
    args = parser.parse_args()
    root = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    work = tempfile.mkdtemp(prefix="fleche-s3-bench-", dir=root)
    base = random.randint(200, 640) * 100
    names = ["master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
             "filer.port.grpc", "s3.port", "s3.port.grpc"]
    ports = {name: base + offset for offset, name in enumerate(names)}
    endpoint = f"http://127.0.0.1:{ports['s3.port']}"
    with open(os.path.join(work, "s3.json"), "w") as config:
        json.dump({"identities": [{"name": "bench", "credentials": [{"accessKey": KEY, "secretKey": SECRET}],
                                   "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, config)
    os.makedirs(os.path.join(work, "data"))
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET, AWS_DEFAULT_REGION="us-east-1")
    weed = subprocess.Popen(
        [os.path.join(TOOLS, "weed"), "server", f"-dir={work}/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-s3",
         f"-s3.config={work}/s3.json", "-master.volumeSizeLimitMB=256", "-s3.port.iceberg=0", "-s3.port.lance=0"]
        + [f"-{name}={port}" for name, port in ports.items()],
        stdout=open(os.path.join(work, "weed.log"), "w"), stderr=subprocess.STDOUT)
    aws = [os.path.join(TOOLS, "aws"), "--endpoint-url", endpoint]
    try:
        for _ in range(120):
            if subprocess.run(aws + ["s3", "mb", "s3://bench"], env=env, capture_output=True).returncode == 0:
                break
            time.sleep(0.5)
        else:
            sys.exit("SeaweedFS did not answer within 60 s")
        out = subprocess.run([os.path.join(args.bin, "FlecheS3Benchmarks"), endpoint, "bench", work, str(args.n),
                              str(args.calls)], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(out.stderr)
        result = json.loads(out.stdout)
        started = time.monotonic()
        sync = subprocess.run(aws + ["s3", "sync", "--only-show-errors", "--exclude", "*", "--include", "FORMAT",
                                     "--include", "objects/*", "--include", "calls/*", os.path.join(work, "source"),
                                     f"s3://bench/bench-{result['run']}/aws-sync"], env=env, capture_output=True, text=True)
        result["aws_sync_s"] = time.monotonic() - started
        if sync.returncode != 0:
            sys.exit(sync.stderr)
        started = time.monotonic()
        down = subprocess.run(aws + ["s3", "sync", "--only-show-errors", f"s3://bench/bench-{result['run']}/push-32",
                                     os.path.join(work, "aws-down")], env=env, capture_output=True, text=True)
        result["aws_sync_down_s"] = time.monotonic() - started
        if down.returncode != 0:
            sys.exit(down.stderr)
    finally:
        weed.kill()
        weed.wait()
        shutil.rmtree(work, ignore_errors=True)
    n, calls = args.n, args.calls
    rows = [
        (f"miss through S3 alone ({n} calls)", f"{result['s3_miss_us']:.0f} µs/call", ""),
        (f"hit through S3 alone ({n} calls)", f"{result['s3_hit_us']:.0f} µs/call", ""),
        ("hit through local+S3, from S3 (back-fill)", f"{result['stack_backfill_us']:.0f} µs/call", ""),
        ("hit through local+S3, from the local store", f"{result['stack_local_hit_us']:.0f} µs/call", ""),
        ("miss through local+S3", f"{result['stack_miss_us']:.0f} µs/call", ""),
    ]
    for flight in (1, 8, 32):
        seconds = result[f"push_{flight}_s"]
        rows.append((f"push {calls} calls, {flight} in flight", f"{seconds:.2f} s",
                     f"{result['aws_sync_s'] / seconds:.2f}× aws s3 sync's speed"))
    rows.append((f"aws s3 sync of the same {calls} calls", f"{result['aws_sync_s']:.2f} s", "10 in flight (its default)"))
    rows.append((f"pull {calls} calls into a new folder, 32 in flight", f"{result['pull_32_s']:.2f} s",
                 f"{result['aws_sync_down_s'] / result['pull_32_s']:.2f}× aws s3 sync's speed"))
    rows.append((f"aws s3 sync of those {calls} calls down", f"{result['aws_sync_down_s']:.2f} s", "10 in flight (its default)"))
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>14}  {note}")


if __name__ == "__main__":
    main()
