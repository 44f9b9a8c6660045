#!/usr/bin/python3
"""Reference all-reduce benchmark with PyTorch's gloo backend, timed like `orquesta bench allreduce`.

For every combination of --ranks and --bytes it starts that many rank processes on 127.0.0.1, runs
--warmup untimed and --repeats timed all_reduce(SUM) calls on a float32 tensor (each preceded by a
barrier), takes the slowest rank's time of each repetition, and prints the median time, algorithm
bandwidth (bytes / time), bus bandwidth (algbw x 2(N-1)/N) and the median CPU time one rank spends on
one all-reduce (all its threads), one JSON line per configuration.

Usage: /usr/bin/python3 tools/bench/gloo_allreduce.py --ranks 2,4 --bytes 4MiB,64MiB --repeats 20 [--warmup auto] [--rank-env K=V] --json
Needs Debian's python3-torch (apt-get install -y python3-torch libopenblas0-pthread).
"""
import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time

UNITS = {"": 1, "b": 1, "kib": 2**10, "mib": 2**20, "gib": 2**30, "kb": 10**3, "mb": 10**6, "gb": 10**9}


def parse_size(text):
    m = re.fullmatch(r"(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-zA-Z]*)", text.strip())
    if not m or m.group(2).lower() not in UNITS:
        raise SystemExit(f"invalid size {text!r} (examples: 4MiB, 64MiB, 1000000)")
    return round(float(m.group(1)) * UNITS[m.group(2).lower()])


def resolve_warmup(text, nbytes):
    """Same rule as `orquesta bench allreduce --warmup auto`."""
    return max(5, -(-(2**28) // nbytes)) if text == "auto" else int(text)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_rank(args):
    import torch
    import torch.distributed as dist

    torch.set_num_threads(args.threads)
    dist.init_process_group("gloo", init_method=f"tcp://{args.master_addr}:{args.port}", rank=args.rank, world_size=args.world_size)
    n = args.bytes // 4
    template = torch.full((n,), float(args.rank + 1), dtype=torch.float32)
    data = torch.empty(n, dtype=torch.float32)
    times = []
    cpu = []
    for i in range(args.warmup + args.repeats):
        data.copy_(template)
        dist.barrier()
        cpu_start = time.process_time()
        start = time.perf_counter()
        dist.all_reduce(data, op=dist.ReduceOp.SUM)
        elapsed = (time.perf_counter() - start) * 1e3
        cpu_used = (time.process_time() - cpu_start) * 1e3
        if i >= args.warmup:
            times.append(elapsed)
            cpu.append(cpu_used)
    expected = args.world_size * (args.world_size + 1) / 2
    if data[0].item() != expected or data[-1].item() != expected:
        raise SystemExit(f"wrong result {data[0].item()}, expected {expected}")
    print(json.dumps({"rank": args.rank, "times": times, "cpu": cpu}), flush=True)
    dist.destroy_process_group()


def run_config(args, world_size, nbytes):
    port = free_port()
    env = dict(os.environ, GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS=str(args.threads))
    for kv in args.rank_env:
        key, _, value = kv.partition("=")
        env[key] = value
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--rank", str(r), "--world-size", str(world_size), "--port", str(port), "--bytes", str(nbytes),
             "--repeats", str(args.repeats), "--warmup", str(resolve_warmup(args.warmup, nbytes)), "--threads", str(args.threads)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for r in range(world_size)
    ]
    per_rank = []
    cpu = []
    for r, p in enumerate(procs):
        out, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"rank {r} exited with {p.returncode}: {err.strip()}")
        result = json.loads(out)
        per_rank.append(result["times"])
        cpu.extend(result["cpu"])
    times = [max(t[i] for t in per_rank) for i in range(args.repeats)]
    med = statistics.median(times)
    algbw = nbytes / (med / 1e3) / 1e9
    busbw = algbw * 2 * (world_size - 1) / world_size
    return {"impl": "torch-gloo", "transport": "tcp", "compression": "none", "ranks": world_size, "bytes": nbytes,
            "warmup": resolve_warmup(args.warmup, nbytes), "repeats": args.repeats, "rank_env": " ".join(args.rank_env),
            "median_ms": med, "min_ms": min(times), "max_ms": max(times), "algbw_gbps": algbw, "busbw_gbps": busbw,
            "cpu_ms_per_rank": statistics.median(cpu)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranks", default="2")
    ap.add_argument("--bytes", default="4MiB")
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--warmup", default="auto", help="untimed all-reduces first; auto: 256 MiB worth, at least 5")
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads per rank")
    ap.add_argument("--rank-env", action="append", default=[], metavar="KEY=VALUE", help="add to the rank processes' environment (repeatable)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rank", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--world-size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--master-addr", default="127.0.0.1", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rank is not None:
        args.bytes = int(args.bytes)
        args.warmup = int(args.warmup)
        return run_rank(args)
    if not args.json:
        print("impl          ranks  bytes        median_ms   min_ms   algbw_GB/s  busbw_GB/s  cpu_ms/rank")
    for world_size in [int(r) for r in args.ranks.split(",")]:
        for nbytes in [parse_size(s) for s in args.bytes.split(",")]:
            row = run_config(args, world_size, nbytes)
            if args.json:
                print(json.dumps(row), flush=True)
            else:
                print(f"{'torch-gloo':<14}{world_size:<7}{nbytes:<13}{row['median_ms']:<12.3f}{row['min_ms']:<9.3f}{row['algbw_gbps']:<12.3f}{row['busbw_gbps']:<12.3f}{row['cpu_ms_per_rank']:.1f}", flush=True)


if __name__ == "__main__":
    main()
