#!/usr/bin/env python3
"""PyTorch CPU reference for `orquesta bench model`.

Trains the same benchmark Transformer (encoder-decoder, pre-LN, d_model 256, 4 heads, d_ff 1024,
3+3 layers, shared 8,000-token vocabulary with tied embeddings, sinusoidal positions, dropout 0.1,
64 pairs of 32 source and 32 target tokens = 2,048 target tokens per step, label smoothing 0.1,
Adam) with torch.nn.Transformer, and prints one JSON line in the same shape as Orquesta's:
median step time, target tokens/s, forward/backward/optimizer split and peak RSS.

With --size base or big, the same training step of Transformer-base or Transformer-big's shape.

Usage: python3 tools/bench/torch_model_bench.py [--steps 10] [--warmup 2] [--threads 1] [--size bench|base|big]
(Debian: apt-get install python3-torch libopenblas0-pthread; run with OPENBLAS_CORETYPE unset
for OpenBLAS's AVX-512 kernels.)
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time


def _threads_argument(argv: list) -> str:
    """The --threads value (default 1), read before torch loads."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


# torch.set_num_threads does not reach the OpenBLAS that Debian's torch calls for matrix products: it keeps
# a thread pool of its own (a 512 x 512 x 2048 product ran at 157 GFLOP/s with torch.set_num_threads(1) on
# 2 cores, 85 pinned to one). OpenBLAS reads its thread count when it loads, so it is set before torch is
# imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_argument(sys.argv[1:])

import torch  # noqa: E402
from torch import nn  # noqa: E402


# d_model, heads, d_ff, layers per stack: the benchmark Transformer, Transformer-base and Transformer-big.
SIZES = {"bench": (256, 4, 1024, 3), "base": (512, 8, 2048, 6), "big": (1024, 16, 4096, 6)}


class Seq2Seq(nn.Module):
    def __init__(self, vocab: int, d_model: int, heads: int, d_ff: int, layers: int, dropout: float, max_len: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model)
        nn.init.normal_(self.embed.weight, std=d_model ** -0.5)
        position = torch.arange(max_len).unsqueeze(1)
        div = torch.pow(10000.0, torch.arange(0, d_model, 2) / d_model)
        table = torch.zeros(max_len, d_model)
        table[:, 0::2] = torch.sin(position / div)
        table[:, 1::2] = torch.cos(position / div)
        self.register_buffer("positions", table, persistent=False)
        self.scale = math.sqrt(d_model)
        self.drop = nn.Dropout(dropout)
        self.transformer = nn.Transformer(d_model, heads, layers, layers, d_ff, dropout, batch_first=True, norm_first=True)

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        return self.drop(self.embed(ids) * self.scale + self.positions[: ids.shape[1]])

    def forward(self, src: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
        causal = self.transformer.generate_square_subsequent_mask(tgt.shape[1])
        hidden = self.transformer(self.embed_tokens(src), self.embed_tokens(tgt), tgt_mask=causal)  # [B, T, D]
        return hidden @ self.embed.weight.t()  # [B, T, V], tied


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--length", type=int, default=32)
    parser.add_argument("--size", choices=sorted(SIZES), default="bench", help="model shape, as `orquesta bench model --model`")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    vocab = 8000
    d_model, heads, d_ff, layers = SIZES[args.size]
    model = Seq2Seq(vocab, d_model, heads, d_ff, layers, 0.1, max(64, args.length))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    batches = [tuple(torch.randint(4, vocab, (args.batch, args.length)) for _ in range(3)) for _ in range(3)]
    fb, opt, fwd = [], [], []
    for i in range(args.warmup + args.steps):
        src, tgt_in, tgt_out = batches[i % 3]
        t0 = time.perf_counter()
        loss = loss_fn(model(src, tgt_in).reshape(-1, vocab), tgt_out.reshape(-1))
        loss.backward()
        t1 = time.perf_counter()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        t2 = time.perf_counter()
        if i >= args.warmup:
            fb.append(t1 - t0)
            opt.append(t2 - t1)
    for i in range(args.steps):
        src, tgt_in, tgt_out = batches[i % 3]
        t0 = time.perf_counter()
        with torch.enable_grad():
            loss = loss_fn(model(src, tgt_in).reshape(-1, vocab), tgt_out.reshape(-1))
        fwd.append(time.perf_counter() - t0)
        del loss
    step = statistics.median([a + b for a, b in zip(fb, opt)])
    tokens = args.batch * args.length
    print(json.dumps({
        "benchmark": "model",
        "backend": f"pytorch-cpu-{torch.__version__}-{args.threads}thread",
        "parameters": sum(p.numel() for p in model.parameters()),
        "target_tokens_per_step": tokens,
        "steps": args.steps,
        "step_s_median": round(step, 4),
        "target_tokens_per_s": round(tokens / step),
        "forward_s_median": round(statistics.median(fwd), 4),
        "backward_s_median": round(max(0.0, statistics.median(fb) - statistics.median(fwd)), 4),
        "optimizer_s_median": round(statistics.median(opt), 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "size": args.size,
    }))


if __name__ == "__main__":
    main()
