#!/usr/bin/env python3
"""Checks that Orquesta's Transformer computes what the standard architecture computes in PyTorch.

The script reads an Orquesta checkpoint (safetensors, with the model config as JSON in the
``orquesta.config`` metadata key), builds an ``nn.Module`` of the same shape written
independently of Orquesta's code, loads the weights into it, runs the inputs of a reference
file and compares its logits with the logits Orquesta computed for the same inputs.

What the PyTorch model does (inference only: dropout is the identity and is left out):

* token embedding times sqrt(d_model), plus sinusoidal ("Attention Is All You Need") or learned
  positions;
* encoder blocks (self-attention, feed-forward) and decoder blocks (causal self-attention,
  cross-attention over the encoder output for the encoder-decoder model, feed-forward), each
  sub-layer residual, pre-LN ``x + f(norm(x))`` or post-LN ``norm(x + f(x))``;
* multi-head attention ``softmax(q k^T / sqrt(d_head) + bias) v`` with q, k, v and output
  linears, written by hand (torch 1.13 has no ``scaled_dot_product_attention``);
* masks as additive biases of -1e9: padding keys everywhere, future positions in decoder
  self-attention;
* relu, or gelu in its tanh approximation; LayerNorm with eps 1e-5; a final LayerNorm after each
  stack under pre-LN;
* output logits through the transposed embedding (tied) or an output matrix (untied).

Orquesta stores Linear weights as [in, out]; ``nn.Linear`` holds [out, in], so those are
transposed on loading. Parameter names of the PyTorch model equal the checkpoint's names, and
loading fails on any missing, extra or misshapen tensor.

Usage::

    python3 tools/parity/torch_parity.py CHECKPOINT REFERENCE [--kind auto|seq2seq|lm] [--tolerance 1e-4]

``REFERENCE`` is the JSON written by ``tools/parity/export-reference.mjs``::

    {"inputs": {"src": [[...]], "tgt": [[...]]}  (encoder-decoder) or {"ids": [[...]]}  (LM),
     "logits": [[[...]]]}                        [B, T, vocab], float32 values

The script prints one JSON line ``{"max_abs_diff": ..., "tokens": ..., "ok": ...}`` (plus the
model kind and the tolerance) and exits 0 when the largest absolute logit difference is within
the tolerance, 1 when it is not, and 2 when the checkpoint or the reference cannot be used.
``tokens`` counts the positions compared (B * T, padding included: a padded position's logits
are as well defined as any other).

Needs Python 3 with torch and numpy (Debian: ``apt-get install python3-torch python3-numpy``).
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

CONFIG_KEY = "orquesta.config"
MASKED = -1e9
LAYER_NORM_EPS = 1e-5
SAFETENSORS_DTYPES = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4")}
HEADER_LIMIT = 100 * 1024 * 1024


class ParityInputError(Exception):
    """The checkpoint or the reference file is malformed or does not fit the model."""


# --------------------------------------------------------------------------------------------
# Files


def read_safetensors(path: Path) -> Tuple[Dict[str, np.ndarray], Dict[str, str]]:
    """Parses a safetensors file by hand: u64 LE header length, JSON header, raw LE data.

    Returns the tensors by name (F32 as float32, I32 as int32) and the ``__metadata__`` map.
    """
    data = path.read_bytes()
    if len(data) < 8:
        raise ParityInputError(f"{path}: {len(data)} bytes is too short for safetensors")
    (header_len,) = struct.unpack_from("<Q", data, 0)
    if header_len > HEADER_LIMIT or 8 + header_len > len(data):
        raise ParityInputError(f"{path}: header length {header_len} does not fit a file of {len(data)} bytes")
    try:
        header = json.loads(data[8 : 8 + header_len].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ParityInputError(f"{path}: header is not valid JSON ({error})") from error
    metadata = header.pop("__metadata__", None) or {}
    body = memoryview(data)[8 + header_len :]
    tensors: Dict[str, np.ndarray] = {}
    for name, entry in header.items():
        dtype = SAFETENSORS_DTYPES.get(entry.get("dtype"))
        if dtype is None:
            raise ParityInputError(f"{path}: tensor {name} has dtype {entry.get('dtype')!r}; only F32 and I32 are supported")
        shape = tuple(int(d) for d in entry["shape"])
        begin, end = (int(o) for o in entry["data_offsets"])
        count = math.prod(shape)
        if not 0 <= begin <= end <= len(body) or end - begin != count * dtype.itemsize:
            raise ParityInputError(f"{path}: tensor {name} has offsets [{begin}, {end}] for shape {list(shape)}")
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors, metadata


@dataclass(frozen=True)
class ModelConfig:
    """The fields of Orquesta's ``TransformerConfig`` that shape the forward pass."""

    vocab_size: int
    d_model: int
    heads: int
    d_ff: int
    encoder_layers: int
    decoder_layers: int
    activation: str
    norm: str
    max_len: int
    positional: str
    tie_embeddings: bool
    pad_id: int

    @classmethod
    def from_orquesta(cls, fields: Mapping[str, object]) -> "ModelConfig":
        """Reads the camelCase JSON that Orquesta stores under ``orquesta.config``."""

        def value(key: str) -> object:
            if key not in fields:
                raise ParityInputError(f"model config lacks the field {key!r}")
            return fields[key]

        def integer(key: str) -> int:
            number = value(key)
            if isinstance(number, bool) or not isinstance(number, int):
                raise ParityInputError(f"model config {key} must be an integer, got {number!r}")
            return number

        def choice(key: str, allowed: Tuple[str, ...]) -> str:
            text = value(key)
            if text not in allowed:
                raise ParityInputError(f"model config {key} is {text!r}, expected one of {allowed}")
            return str(text)

        config = cls(
            vocab_size=integer("vocabSize"),
            d_model=integer("dModel"),
            heads=integer("heads"),
            d_ff=integer("dFf"),
            encoder_layers=integer("encoderLayers"),
            decoder_layers=integer("decoderLayers"),
            activation=choice("activation", ("relu", "gelu")),
            norm=choice("norm", ("pre", "post")),
            max_len=integer("maxLen"),
            positional=choice("positional", ("sinusoidal", "learned")),
            tie_embeddings=bool(value("tieEmbeddings")),
            pad_id=integer("padId"),
        )
        if config.d_model % config.heads != 0:
            raise ParityInputError(f"model config dModel {config.d_model} is not divisible by heads {config.heads}")
        return config

    @property
    def kind(self) -> str:
        """``seq2seq`` with an encoder, ``lm`` (decoder-only) without."""
        return "seq2seq" if self.encoder_layers > 0 else "lm"


# --------------------------------------------------------------------------------------------
# The model


def sinusoidal_table(max_len: int, d_model: int) -> Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/D)), PE[pos, 2i+1] = cos(same); computed in float64."""
    positions = np.arange(max_len, dtype=np.float64)[:, None]
    even = np.arange(0, d_model, 2, dtype=np.float64)
    angles = positions / np.power(10000.0, even / d_model)  # [max_len, ceil(D/2)]
    table = np.zeros((max_len, d_model), dtype=np.float64)
    table[:, 0::2] = np.sin(angles)
    table[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return torch.from_numpy(table.astype(np.float32))


def padding_bias(ids: Tensor, pad_id: int) -> Tensor:
    """[B, T] token ids -> [B, 1, 1, T]: -1e9 on padding keys, 0 elsewhere."""
    b, t = ids.shape
    return (ids == pad_id).to(torch.float32).mul(MASKED).view(b, 1, 1, t)


def causal_bias(t: int) -> Tensor:
    """[1, 1, T, T]: -1e9 where key j lies after query i (j > i), 0 elsewhere."""
    return torch.triu(torch.full((t, t), MASKED, dtype=torch.float32), diagonal=1).view(1, 1, t, t)


def activation_fn(kind: str) -> Callable[[Tensor], Tensor]:
    """relu, or gelu in the tanh approximation 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if kind == "relu":
        return F.relu
    return lambda x: F.gelu(x, approximate="tanh")


def residual(x: Tensor, norm: nn.LayerNorm, placement: str, sublayer: Callable[[Tensor], Tensor]) -> Tensor:
    """One residual sub-layer: pre-LN ``x + f(norm(x))``, post-LN ``norm(x + f(x))``."""
    if placement == "pre":
        return x + sublayer(norm(x))
    return norm(x + sublayer(x))


class Embedding(nn.Module):
    """Token embedding ``weight`` [V, D] scaled by sqrt(D), plus ``positions`` [max_len, D]."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.max_len = config.max_len
        self.scale = math.sqrt(config.d_model)
        self.weight = nn.Parameter(torch.empty(config.vocab_size, config.d_model))
        self.positions: Tensor
        if config.positional == "learned":
            self.positions = nn.Parameter(torch.empty(config.max_len, config.d_model))
        else:
            self.register_buffer("positions", sinusoidal_table(config.max_len, config.d_model), persistent=False)

    def forward(self, ids: Tensor) -> Tensor:
        """[B, T] -> [B, T, D]"""
        t = ids.shape[1]
        if t > self.max_len:
            raise ParityInputError(f"sequence of {t} tokens exceeds max_len {self.max_len}")
        return F.embedding(ids, self.weight) * self.scale + self.positions[:t]


class MultiHeadAttention(nn.Module):
    """Multi-head attention with q, k, v and output projections (D -> D, with bias)."""

    def __init__(self, d_model: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.d_head = d_model // heads
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.o = nn.Linear(d_model, d_model)
        self.last_weights: Optional[Tensor] = None

    def _split(self, x: Tensor) -> Tensor:
        """[B, T, D] -> [B, H, T, dh]"""
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.d_head).transpose(1, 2)

    def forward(self, query: Tensor, source: Tensor, bias: Optional[Tensor]) -> Tensor:
        """Queries [B, Tq, D] attend over keys/values from ``source`` [B, Tk, D] -> [B, Tq, D].

        ``bias`` is an additive mask broadcastable to the scores [B, H, Tq, Tk].
        """
        b, tq, d = query.shape
        q = self._split(self.q(query)) * (1.0 / math.sqrt(self.d_head))
        k = self._split(self.k(source))
        v = self._split(self.v(source))
        scores = q @ k.transpose(-2, -1)  # [B, H, Tq, Tk]
        if bias is not None:
            scores = scores + bias
        weights = torch.softmax(scores, dim=-1)  # [B, H, Tq, Tk]
        self.last_weights = weights.detach()
        heads = weights @ v  # [B, H, Tq, dh]
        return self.o(heads.transpose(1, 2).reshape(b, tq, d))


class FeedForward(nn.Module):
    """Position-wise ``down(activation(up(x)))``, D -> d_ff -> D."""

    def __init__(self, d_model: int, d_ff: int, activation: str) -> None:
        super().__init__()
        self.up = nn.Linear(d_model, d_ff)
        self.down = nn.Linear(d_ff, d_model)
        self.activation = activation_fn(activation)

    def forward(self, x: Tensor) -> Tensor:
        return self.down(self.activation(self.up(x)))


class EncoderLayer(nn.Module):
    """Self-attention, then feed-forward; ``norm1`` and ``norm2`` belong to them in that order."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.placement = config.norm
        self.self_attn = MultiHeadAttention(config.d_model, config.heads)
        self.ff = FeedForward(config.d_model, config.d_ff, config.activation)
        self.norm1 = nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS)
        self.norm2 = nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS)

    def forward(self, x: Tensor, src_bias: Tensor) -> Tensor:
        x = residual(x, self.norm1, self.placement, lambda h: self.self_attn(h, h, src_bias))
        return residual(x, self.norm2, self.placement, self.ff)


class DecoderLayer(nn.Module):
    """Causal self-attention, cross-attention (encoder-decoder only), feed-forward.

    Norms in the same order: ``norm1`` self, ``norm2`` cross, ``norm3`` feed-forward; without
    cross-attention ``norm2`` is the feed-forward's.
    """

    def __init__(self, config: ModelConfig, with_cross: bool) -> None:
        super().__init__()
        self.placement = config.norm
        self.self_attn = MultiHeadAttention(config.d_model, config.heads)
        self.cross_attn = MultiHeadAttention(config.d_model, config.heads) if with_cross else None
        self.ff = FeedForward(config.d_model, config.d_ff, config.activation)
        self.norm1 = nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS)
        self.norm2 = nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS)
        self.norm3 = nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS) if with_cross else None

    def forward(self, x: Tensor, self_bias: Tensor, memory: Optional[Tensor] = None, memory_bias: Optional[Tensor] = None) -> Tensor:
        x = residual(x, self.norm1, self.placement, lambda h: self.self_attn(h, h, self_bias))
        if self.cross_attn is None or self.norm3 is None:
            return residual(x, self.norm2, self.placement, self.ff)
        if memory is None or memory_bias is None:
            raise ValueError("an encoder-decoder layer needs the encoder output and its padding bias")
        cross_attn = self.cross_attn
        x = residual(x, self.norm2, self.placement, lambda h: cross_attn(h, memory, memory_bias))
        return residual(x, self.norm3, self.placement, self.ff)


class Stack(nn.Module):
    """``layers``, followed by a final ``norm`` under pre-LN (none under post-LN)."""

    def __init__(self, layers: List[nn.Module], config: ModelConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.norm = nn.LayerNorm(config.d_model, eps=LAYER_NORM_EPS) if config.norm == "pre" else None

    def finish(self, x: Tensor) -> Tensor:
        return self.norm(x) if self.norm is not None else x


class OutputHead(nn.Module):
    """Shared by both models: hidden states [B, T, D] -> logits [B, T, V]."""

    embed: Embedding
    output: Optional[nn.Linear]

    def project(self, hidden: Tensor) -> Tensor:
        if self.output is not None:
            return self.output(hidden)
        return F.linear(hidden, self.embed.weight)  # hidden @ embedding^T


class Seq2SeqTransformer(OutputHead):
    """The encoder-decoder Transformer with a shared source/target embedding."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = Embedding(config)
        self.encoder = Stack([EncoderLayer(config) for _ in range(config.encoder_layers)], config)
        self.decoder = Stack([DecoderLayer(config, with_cross=True) for _ in range(config.decoder_layers)], config)
        self.output = None if config.tie_embeddings else nn.Linear(config.d_model, config.vocab_size, bias=False)

    def forward(self, src: Tensor, tgt: Tensor) -> Tensor:
        """src [B, S], tgt [B, T] token ids -> logits [B, T, V]"""
        src_bias = padding_bias(src, self.config.pad_id)
        x = self.embed(src)
        for layer in self.encoder.layers:
            x = layer(x, src_bias)
        memory = self.encoder.finish(x)
        self_bias = causal_bias(tgt.shape[1]) + padding_bias(tgt, self.config.pad_id)  # [B, 1, T, T]
        y = self.embed(tgt)
        for layer in self.decoder.layers:
            y = layer(y, self_bias, memory, src_bias)
        return self.project(self.decoder.finish(y))


class DecoderOnlyLM(OutputHead):
    """The decoder-only (GPT-style) language model: decoder layers without cross-attention."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = Embedding(config)
        self.decoder = Stack([DecoderLayer(config, with_cross=False) for _ in range(config.decoder_layers)], config)
        self.output = None if config.tie_embeddings else nn.Linear(config.d_model, config.vocab_size, bias=False)

    def forward(self, ids: Tensor) -> Tensor:
        """ids [B, T] -> logits [B, T, V]"""
        bias = causal_bias(ids.shape[1]) + padding_bias(ids, self.config.pad_id)
        x = self.embed(ids)
        for layer in self.decoder.layers:
            x = layer(x, bias)
        return self.project(self.decoder.finish(x))


def load_orquesta_weights(model: nn.Module, tensors: Mapping[str, np.ndarray]) -> None:
    """Copies checkpoint tensors into ``model``, transposing nn.Linear weights ([in, out] -> [out, in]).

    Raises ParityInputError naming every missing, extra, misshapen or non-float tensor.
    """
    linear_weights = {f"{name}.weight" for name, module in model.named_modules() if isinstance(module, nn.Linear)}
    expected = model.state_dict()
    problems = [f"missing {name}" for name in expected if name not in tensors]
    problems += [f"unexpected {name}" for name in tensors if name not in expected]
    state: Dict[str, Tensor] = {}
    for name, target in expected.items():
        array = tensors.get(name)
        if array is None:
            continue
        if array.dtype != np.float32:
            problems.append(f"{name} is {array.dtype}, expected float32")
            continue
        value = torch.from_numpy(np.ascontiguousarray(array.T) if name in linear_weights else array)
        if tuple(value.shape) != tuple(target.shape):
            stored = list(target.shape)[::-1] if name in linear_weights else list(target.shape)  # as Orquesta stores it
            problems.append(f"{name} has shape {list(array.shape)}, the model needs {stored}")
            continue
        state[name] = value
    if problems:
        shown = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more" if len(problems) > 8 else "")
        raise ParityInputError(f"checkpoint does not fit the {type(model).__name__}: {shown}")
    model.load_state_dict(state, strict=True)


def build_model(config: ModelConfig, kind: str) -> nn.Module:
    return Seq2SeqTransformer(config) if kind == "seq2seq" else DecoderOnlyLM(config)


# --------------------------------------------------------------------------------------------
# The check


def id_tensor(inputs: Mapping[str, object], key: str) -> Tensor:
    if key not in inputs:
        raise ParityInputError(f"reference inputs lack {key!r} (have {sorted(inputs)})")
    array = np.asarray(inputs[key], dtype=np.int64)
    if array.ndim != 2:
        raise ParityInputError(f"reference input {key!r} has shape {list(array.shape)}, expected [B, T]")
    return torch.from_numpy(array)


def run_model(model: nn.Module, kind: str, inputs: Mapping[str, object]) -> np.ndarray:
    """Logits [B, T, V] for the reference inputs, as float32."""
    model.eval()
    with torch.no_grad():
        if kind == "seq2seq":
            logits = model(id_tensor(inputs, "src"), id_tensor(inputs, "tgt"))
        else:
            logits = model(id_tensor(inputs, "ids"))
    return logits.numpy().astype(np.float32)


def attention_weights(model: nn.Module, kind: str) -> Dict[str, np.ndarray]:
    """The last forward pass's attention weights by kind, [layer, B, H, Tq, Tk] each."""

    def stacked(modules: List[Optional[MultiHeadAttention]]) -> np.ndarray:
        return np.stack([m.last_weights.numpy() for m in modules if m is not None and m.last_weights is not None]).astype(np.float32)

    decoder_layers = list(model.decoder.layers)
    weights = {"decoder": stacked([layer.self_attn for layer in decoder_layers])}
    if kind == "seq2seq":
        weights["encoder"] = stacked([layer.self_attn for layer in model.encoder.layers])
        weights["cross"] = stacked([layer.cross_attn for layer in decoder_layers])
    return weights


def compare_attention(model: nn.Module, kind: str, expected: Mapping[str, object], tolerance: float) -> Dict[str, object]:
    """Largest |difference| between the attention weights PyTorch computed and the reference's, over every kind."""
    actual = attention_weights(model, kind)
    worst = 0.0
    for name, weights in actual.items():
        if name not in expected:
            raise ParityInputError(f"the reference has no {name} attention weights (has {sorted(expected)})")
        reference = np.asarray(expected[name], dtype=np.float32)
        if reference.shape != weights.shape:
            raise ParityInputError(f"PyTorch {name} attention has shape {list(weights.shape)}, the reference {list(reference.shape)}")
        worst = max(worst, float(np.abs(weights.astype(np.float64) - reference.astype(np.float64)).max()))
    finite = math.isfinite(worst)
    return {"attention_max_abs_diff": worst if finite else None, "attention_ok": finite and worst <= tolerance}


def compare(actual: np.ndarray, expected: np.ndarray, tolerance: float) -> Dict[str, object]:
    if actual.shape != expected.shape:
        raise ParityInputError(f"PyTorch logits have shape {list(actual.shape)}, the reference {list(expected.shape)}")
    diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    worst = float(diff.max()) if diff.size else 0.0
    finite = math.isfinite(worst) and bool(np.isfinite(diff).all())
    return {
        "max_abs_diff": worst if finite else None,
        "tokens": int(math.prod(expected.shape[:-1])),
        "ok": finite and worst <= tolerance,
    }


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="torch_parity.py",
        description="Compare an Orquesta checkpoint's logits with an independent PyTorch implementation.",
    )
    parser.add_argument("checkpoint", type=Path, help="Orquesta safetensors checkpoint (config in the orquesta.config metadata)")
    parser.add_argument("reference", type=Path, help="JSON with inputs and the logits Orquesta computed for them")
    parser.add_argument("--kind", choices=("auto", "seq2seq", "lm"), default="auto", help="model kind; auto: seq2seq when the config has encoder layers")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest acceptable |logit difference| (default 1e-4)")
    parser.add_argument(
        "--attention-tolerance", type=float, default=1e-5, help="largest acceptable |attention weight difference| (default 1e-5), when the reference has weights"
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        tensors, metadata = read_safetensors(args.checkpoint)
        if CONFIG_KEY not in metadata:
            raise ParityInputError(f"{args.checkpoint}: no {CONFIG_KEY} metadata")
        config = ModelConfig.from_orquesta(json.loads(metadata[CONFIG_KEY]))
        kind = config.kind if args.kind == "auto" else args.kind
        reference = json.loads(args.reference.read_text(encoding="utf-8"))
        expected = np.asarray(reference["logits"], dtype=np.float32)
        model = build_model(config, kind)
        load_orquesta_weights(model, tensors)
        result = compare(run_model(model, kind, reference["inputs"]), expected, args.tolerance)
        if "attention" in reference:
            attention = compare_attention(model, kind, reference["attention"], args.attention_tolerance)
            result = {**result, **attention, "ok": bool(result["ok"]) and bool(attention["attention_ok"])}
    except (ParityInputError, KeyError, ValueError, OSError) as error:
        message = f"missing key {error}" if isinstance(error, KeyError) else str(error)
        print(f"torch_parity.py: error: {message}", file=sys.stderr)
        return 2
    print(json.dumps({**result, "kind": kind, "tolerance": args.tolerance}))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
