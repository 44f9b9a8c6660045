/*
 * N-API entry points. Each checks its arguments and the bounds of every operand against the
 * buffer before the kernel touches memory; a bad call throws and changes nothing.
 */
#include <cblas.h>
#include <stdio.h>
#include <string.h>
#include "args.h"
#include "kernels.h"

extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);
extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int);

#define READ(n) \
  orq_args a;   \
  if (!orq_read_args(env, info, n, &a)) return NULL

/* gemm(heap, tA, tB, batch, m, n, k, offA, strideA, offB, strideB, offC, strideC) */
static napi_value gemm(napi_env env, napi_callback_info info) {
  READ(13);
  float *heap;
  int64_t len, v[12];
  if (!orq_heap_and_ints(&a, &heap, &len, v, 12)) return NULL;
  const int64_t batch = v[2], m = v[3], n = v[4], k = v[5];
  if (batch < 1 || m < 0 || n < 0 || k < 0 || v[7] < 0 || v[9] < 0 || v[11] < 0) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "gemm: bad sizes or strides");
    return NULL;
  }
  if (!orq_in_bounds(&a, "gemm A", v[6], (batch - 1) * v[7] + m * k, len)) return NULL;
  if (!orq_in_bounds(&a, "gemm B", v[8], (batch - 1) * v[9] + k * n, len)) return NULL;
  if (!orq_in_bounds(&a, "gemm C", v[10], (batch - 1) * v[11] + m * n, len)) return NULL;
  if (m == 0 || n == 0) return NULL;
  if (k == 0) {
    for (int64_t b = 0; b < batch; b++) memset(heap + v[10] + b * v[11], 0, (size_t)(m * n) * 4);
    return NULL;
  }
  orq_gemm_batched((int)v[0], (int)v[1], batch, m, n, k, heap + v[6], v[7], heap + v[8], v[9], heap + v[10], v[11]);
  return NULL;
}

enum { REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX };

/* sum|mean|max(heap, offX, outer, red, inner, offOut) */
static napi_value reduce(napi_env env, napi_callback_info info, int kind) {
  READ(6);
  float *heap;
  int64_t len, v[5];
  if (!orq_heap_and_ints(&a, &heap, &len, v, 5)) return NULL;
  const int64_t outer = v[1], red = v[2], inner = v[3];
  if (outer < 0 || red < 0 || inner < 0 || (kind != REDUCE_SUM && red == 0)) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "reduce: bad sizes");
    return NULL;
  }
  if (!orq_in_bounds(&a, "reduce input", v[0], outer * red * inner, len)) return NULL;
  if (!orq_in_bounds(&a, "reduce output", v[4], outer * inner, len)) return NULL;
  if (kind == REDUCE_MAX) orq_max(heap + v[0], outer, red, inner, heap + v[4]);
  else if (kind == REDUCE_MEAN) orq_mean(heap + v[0], outer, red, inner, heap + v[4]);
  else orq_sum(heap + v[0], outer, red, inner, heap + v[4]);
  return NULL;
}
static napi_value sum(napi_env env, napi_callback_info info) { return reduce(env, info, REDUCE_SUM); }
static napi_value mean(napi_env env, napi_callback_info info) { return reduce(env, info, REDUCE_MEAN); }
static napi_value max(napi_env env, napi_callback_info info) { return reduce(env, info, REDUCE_MAX); }

/* gather(heap, offTable, rows, d, offIdx, n, offOut): int32 indices, 4-byte rows of d elements. */
static napi_value gather(napi_env env, napi_callback_info info) {
  READ(7);
  float *heap;
  int64_t len, v[6];
  if (!orq_heap_and_ints(&a, &heap, &len, v, 6)) return NULL;
  const int64_t rows = v[1], d = v[2], n = v[4];
  if (rows < 0 || d < 0 || n < 0) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "gather: bad sizes");
    return NULL;
  }
  if (!orq_in_bounds(&a, "gather table", v[0], rows * d, len) || !orq_in_bounds(&a, "gather indices", v[3], n, len) ||
      !orq_in_bounds(&a, "gather output", v[5], n * d, len))
    return NULL;
  const int32_t *idx = (const int32_t *)(heap + v[3]);
  for (int64_t i = 0; i < n; i++) {
    if (idx[i] < 0 || idx[i] >= rows) {
      char msg[128];
      snprintf(msg, sizeof msg, "GatherV2: the index value %d is not in [0, %lld]", idx[i], (long long)(rows - 1));
      napi_throw_range_error(env, "ERR_ORQ_INDEX", msg);
      return NULL;
    }
  }
  orq_gather_rows((const uint32_t *)(heap + v[0]), d, idx, n, (uint32_t *)(heap + v[5]));
  return NULL;
}

/* unary(heap, op, offX, n, offOut) */
static napi_value unary(napi_env env, napi_callback_info info) {
  READ(5);
  float *heap;
  int64_t len, v[4];
  if (!orq_heap_and_ints(&a, &heap, &len, v, 4)) return NULL;
  if (v[0] < ORQ_EXP || v[0] > ORQ_NEG) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "unary: unknown op");
    return NULL;
  }
  if (!orq_in_bounds(&a, "unary input", v[1], v[2], len) || !orq_in_bounds(&a, "unary output", v[3], v[2], len)) return NULL;
  orq_unary((int)v[0], heap + v[1], v[2], heap + v[3]);
  return NULL;
}

/* cast(heap, toInt, offX, n, offOut): float32 -> int32 when toInt, else int32 -> float32. */
static napi_value cast(napi_env env, napi_callback_info info) {
  READ(5);
  float *heap;
  int64_t len, v[4];
  if (!orq_heap_and_ints(&a, &heap, &len, v, 4)) return NULL;
  if (!orq_in_bounds(&a, "cast input", v[1], v[2], len) || !orq_in_bounds(&a, "cast output", v[3], v[2], len)) return NULL;
  if (v[0]) orq_cast_f32_i32(heap + v[1], v[2], (int32_t *)(heap + v[3]));
  else orq_cast_i32_f32((const int32_t *)(heap + v[1]), v[2], heap + v[3]);
  return NULL;
}

/* binary(heap, op, shape, offA, stridesA, offB, stridesB, offOut) */
static napi_value binary(napi_env env, napi_callback_info info) {
  READ(8);
  float *heap;
  int64_t len, op, offa, offb, offo, shape[ORQ_MAX_RANK], sa[ORQ_MAX_RANK], sb[ORQ_MAX_RANK], contiguous[ORQ_MAX_RANK];
  int rank, ra, rb;
  if (!orq_float_buffer(&a, 0, &heap, &len) || !orq_int(&a, 1, &op) || !orq_int_array(&a, 2, shape, &rank) ||
      !orq_int(&a, 3, &offa) || !orq_int_array(&a, 4, sa, &ra) || !orq_int(&a, 5, &offb) ||
      !orq_int_array(&a, 6, sb, &rb) || !orq_int(&a, 7, &offo))
    return NULL;
  if (op < ORQ_ADD || op > ORQ_DIV || ra != rank || rb != rank) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "binary: unknown op or stride rank differs from shape rank");
    return NULL;
  }
  int64_t size = 1;
  for (int d = rank - 1; d >= 0; d--) {
    contiguous[d] = size;
    size *= shape[d];
  }
  if (!orq_in_bounds(&a, "binary a", offa, orq_extent(rank, shape, sa), len) ||
      !orq_in_bounds(&a, "binary b", offb, orq_extent(rank, shape, sb), len) ||
      !orq_in_bounds(&a, "binary output", offo, orq_extent(rank, shape, contiguous), len))
    return NULL;
  orq_binary((int)op, rank, shape, heap + offa, sa, heap + offb, sb, heap + offo);
  return NULL;
}

/* transpose(heap, shape, perm, offX, offOut) */
static napi_value transpose(napi_env env, napi_callback_info info) {
  READ(5);
  float *heap;
  int64_t len, offx, offo, shape[ORQ_MAX_RANK], perm[ORQ_MAX_RANK];
  int rank, rp;
  if (!orq_float_buffer(&a, 0, &heap, &len) || !orq_int_array(&a, 1, shape, &rank) || !orq_int_array(&a, 2, perm, &rp) ||
      !orq_int(&a, 3, &offx) || !orq_int(&a, 4, &offo))
    return NULL;
  int seen[ORQ_MAX_RANK] = {0};
  int ok = rp == rank;
  for (int d = 0; ok && d < rank; d++) ok = perm[d] < rank && !seen[perm[d]]++;
  if (!ok) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "transpose: perm is not a permutation of the axes");
    return NULL;
  }
  int64_t size = 1;
  for (int d = 0; d < rank; d++) size *= shape[d];
  if (!orq_in_bounds(&a, "transpose input", offx, size, len) || !orq_in_bounds(&a, "transpose output", offo, size, len)) return NULL;
  orq_transpose(rank, shape, perm, (const uint32_t *)(heap + offx), (uint32_t *)(heap + offo));
  return NULL;
}

/* keepMask(out: ArrayBuffer | Float32Array, offset, n, seed, rate) */
static napi_value keep_mask(napi_env env, napi_callback_info info) {
  READ(5);
  float *out;
  int64_t len, off, n, seed;
  double rate;
  if (!orq_float_buffer(&a, 0, &out, &len) || !orq_int(&a, 1, &off) || !orq_int(&a, 2, &n) || !orq_int(&a, 3, &seed) ||
      !orq_double(&a, 4, &rate))
    return NULL;
  if (!(rate >= 0 && rate < 1)) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "keepMask: rate must be in [0, 1)");
    return NULL;
  }
  if (!orq_in_bounds(&a, "keepMask output", off, n, len)) return NULL;
  orq_keep_mask((uint32_t)seed, rate, out + off, n);
  return NULL;
}

/* layerNorm(heap, offX, offGamma, offBeta, rows, d, eps, offY, offXhat, offRstd) */
static napi_value layer_norm(napi_env env, napi_callback_info info) {
  READ(10);
  float *heap;
  int64_t len, v[9];
  double eps;
  if (!orq_float_buffer(&a, 0, &heap, &len)) return NULL;
  for (int i = 0; i < 9; i++) {
    if (i == 5) continue;
    if (!orq_int(&a, (size_t)i + 1, &v[i])) return NULL;
  }
  if (!orq_double(&a, 6, &eps)) return NULL;
  const int64_t rows = v[3], d = v[4];
  if (rows < 0 || d < 1) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "layerNorm: bad sizes");
    return NULL;
  }
  if (!orq_in_bounds(&a, "layerNorm x", v[0], rows * d, len) || !orq_in_bounds(&a, "layerNorm gamma", v[1], d, len) ||
      !orq_in_bounds(&a, "layerNorm beta", v[2], d, len) || !orq_in_bounds(&a, "layerNorm y", v[6], rows * d, len) ||
      !orq_in_bounds(&a, "layerNorm xhat", v[7], rows * d, len) || !orq_in_bounds(&a, "layerNorm rstd", v[8], rows, len))
    return NULL;
  orq_layer_norm(heap + v[0], heap + v[1], heap + v[2], rows, d, (float)eps, heap + v[6], heap + v[7], heap + v[8]);
  return NULL;
}

/* layerNormGrad(heap, offDy, offXhat, offRstd, offGamma, rows, d, offDx, offDgamma, offDbeta) */
static napi_value layer_norm_grad(napi_env env, napi_callback_info info) {
  READ(10);
  float *heap;
  int64_t len, v[9];
  if (!orq_heap_and_ints(&a, &heap, &len, v, 9)) return NULL;
  const int64_t rows = v[4], d = v[5];
  if (rows < 0 || d < 1) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "layerNormGrad: bad sizes");
    return NULL;
  }
  if (!orq_in_bounds(&a, "layerNormGrad dy", v[0], rows * d, len) || !orq_in_bounds(&a, "layerNormGrad xhat", v[1], rows * d, len) ||
      !orq_in_bounds(&a, "layerNormGrad rstd", v[2], rows, len) || !orq_in_bounds(&a, "layerNormGrad gamma", v[3], d, len) ||
      !orq_in_bounds(&a, "layerNormGrad dx", v[6], rows * d, len) || !orq_in_bounds(&a, "layerNormGrad dgamma", v[7], d, len) ||
      !orq_in_bounds(&a, "layerNormGrad dbeta", v[8], d, len))
    return NULL;
  orq_layer_norm_grad(heap + v[0], heap + v[1], heap + v[2], heap + v[3], rows, d, heap + v[6], heap + v[7], heap + v[8]);
  return NULL;
}

/* softmaxXent(heap, offX, offTargets, offWeights, n, v, eps, offLoss, offGrad): int32 targets. */
static napi_value softmax_xent(napi_env env, napi_callback_info info) {
  READ(9);
  float *heap;
  int64_t len, v[8];
  double eps;
  if (!orq_float_buffer(&a, 0, &heap, &len)) return NULL;
  for (int i = 0; i < 8; i++) {
    if (i == 5) continue;
    if (!orq_int(&a, (size_t)i + 1, &v[i])) return NULL;
  }
  if (!orq_double(&a, 6, &eps)) return NULL;
  const int64_t n = v[3], vocab = v[4];
  if (n < 0 || vocab < 1 || !(eps >= 0 && eps < 1)) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "softmaxXent: bad sizes or epsilon");
    return NULL;
  }
  if (!orq_in_bounds(&a, "softmaxXent logits", v[0], n * vocab, len) || !orq_in_bounds(&a, "softmaxXent targets", v[1], n, len) ||
      !orq_in_bounds(&a, "softmaxXent weights", v[2], n, len) || !orq_in_bounds(&a, "softmaxXent loss", v[6], n, len) ||
      !orq_in_bounds(&a, "softmaxXent grad", v[7], n * vocab, len))
    return NULL;
  const int32_t *targets = (const int32_t *)(heap + v[1]);
  for (int64_t i = 0; i < n; i++) {
    if (targets[i] < 0 || targets[i] >= vocab) {
      char msg[128];
      snprintf(msg, sizeof msg, "softmaxXent: target %d of row %lld is not in [0, %lld]", targets[i], (long long)i, (long long)(vocab - 1));
      napi_throw_range_error(env, "ERR_ORQ_INDEX", msg);
      return NULL;
    }
  }
  orq_softmax_xent(heap + v[0], targets, heap + v[2], n, vocab, eps, heap + v[6], heap + v[7]);
  return NULL;
}

/* adam(p, g, m, v: Float32Array, lr, b1, b2, c1, c2, eps, decay, gradScale) */
static napi_value adam(napi_env env, napi_callback_info info) {
  READ(12);
  float *p, *g, *m, *v;
  int64_t np, ng, nm, nv;
  double h[8];
  if (!orq_float_buffer(&a, 0, &p, &np) || !orq_float_buffer(&a, 1, &g, &ng) || !orq_float_buffer(&a, 2, &m, &nm) ||
      !orq_float_buffer(&a, 3, &v, &nv))
    return NULL;
  for (int i = 0; i < 8; i++)
    if (!orq_double(&a, (size_t)i + 4, &h[i])) return NULL;
  if (ng != np || nm != np || nv != np) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "adam: parameter, gradient and moment lengths differ");
    return NULL;
  }
  orq_adam(p, g, m, v, np, h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
  return NULL;
}

/* sumSquares(x: Float32Array) -> number */
static napi_value sum_squares(napi_env env, napi_callback_info info) {
  READ(1);
  float *x;
  int64_t n;
  if (!orq_float_buffer(&a, 0, &x, &n)) return NULL;
  napi_value out;
  napi_create_double(env, orq_sum_squares(x, n), &out);
  return out;
}

static napi_value blas_info(napi_env env, napi_callback_info info) {
  napi_value obj, config, core, threads;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config);
  napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &core);
  napi_create_int32(env, openblas_get_num_threads(), &threads);
  napi_set_named_property(env, obj, "config", config);
  napi_set_named_property(env, obj, "core", core);
  napi_set_named_property(env, obj, "threads", threads);
  return obj;
}

static napi_value set_blas_threads(napi_env env, napi_callback_info info) {
  READ(1);
  int64_t n;
  if (!orq_int(&a, 0, &n)) return NULL;
  if (n < 1 || n > 1024) {
    napi_throw_range_error(env, "ERR_ORQ_ARGS", "setBlasThreads: need 1..1024");
    return NULL;
  }
  openblas_set_num_threads((int)n);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
      {"sum", NULL, sum, NULL, NULL, NULL, napi_default, NULL},
      {"mean", NULL, mean, NULL, NULL, NULL, napi_default, NULL},
      {"max", NULL, max, NULL, NULL, NULL, napi_default, NULL},
      {"gather", NULL, gather, NULL, NULL, NULL, napi_default, NULL},
      {"unary", NULL, unary, NULL, NULL, NULL, napi_default, NULL},
      {"binary", NULL, binary, NULL, NULL, NULL, napi_default, NULL},
      {"cast", NULL, cast, NULL, NULL, NULL, napi_default, NULL},
      {"transpose", NULL, transpose, NULL, NULL, NULL, napi_default, NULL},
      {"keepMask", NULL, keep_mask, NULL, NULL, NULL, napi_default, NULL},
      {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormGrad", NULL, layer_norm_grad, NULL, NULL, NULL, napi_default, NULL},
      {"softmaxXent", NULL, softmax_xent, NULL, NULL, NULL, napi_default, NULL},
      {"adam", NULL, adam, NULL, NULL, NULL, napi_default, NULL},
      {"sumSquares", NULL, sum_squares, NULL, NULL, NULL, napi_default, NULL},
      {"blasInfo", NULL, blas_info, NULL, NULL, NULL, napi_default, NULL},
      {"setBlasThreads", NULL, set_blas_threads, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
