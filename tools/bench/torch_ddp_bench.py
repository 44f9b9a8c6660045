#!/usr/bin/env python3
"""PyTorch reference for `orquesta bench scaling`: the benchmark Transformer of torch_model_bench.py
trained data-parallel by N local processes with DistributedDataParallel over gloo (one thread
each unless --threads), each rank 64 pairs of 32 + 32 tokens per step. Prints one JSON line:
workers, median step time (slowest rank), target tokens/s over all ranks, peak RSS of rank 0.

Usage: python3 tools/bench/torch_ddp_bench.py [--workers 2] [--steps 10] [--warmup 2] [--threads 1]
"""
import argparse
import json
import os
import resource
import socket
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_model_bench import Seq2Seq  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(rank: int, args: argparse.Namespace, port: int, queue) -> None:
    torch.set_num_threads(args.threads)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=args.workers)
    torch.manual_seed(1)
    vocab = 8000
    model = nn.parallel.DistributedDataParallel(Seq2Seq(vocab, 256, 4, 1024, 3, 0.1, 64))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    gen = torch.Generator().manual_seed(rank + 1)
    batches = [tuple(torch.randint(4, vocab, (args.batch, args.length), generator=gen) for _ in range(3)) for _ in range(3)]
    times = []
    for i in range(args.warmup + args.steps):
        src, tgt_in, tgt_out = batches[i % 3]
        t0 = time.perf_counter()
        loss = loss_fn(model(src, tgt_in).reshape(-1, vocab), tgt_out.reshape(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if i >= args.warmup:
            times.append(time.perf_counter() - t0)
    queue.put((rank, times, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024))
    dist.destroy_process_group()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=32)
    args = parser.parse_args()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    port = free_port()
    procs = [ctx.Process(target=run, args=(r, args, port, queue)) for r in range(args.workers)]
    for p in procs:
        p.start()
    results = sorted(queue.get() for _ in procs)
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"rank exited with {p.exitcode}")
    step = statistics.median(max(r[1][i] for r in results) for i in range(args.steps))
    tokens = args.batch * args.length * args.workers
    print(json.dumps({
        "benchmark": "scaling",
        "backend": f"pytorch-ddp-gloo-{torch.__version__}-{args.threads}thread",
        "workers": args.workers,
        "steps": args.steps,
        "step_s_median": round(step, 4),
        "target_tokens_per_s": round(tokens / step),
        "peak_rss_mb_rank0": results[0][2],
    }))


if __name__ == "__main__":
    main()
