/* Reductions over the middle axis of [outer, red, inner], without transposing first. */
#include <math.h>
#include <string.h>
#include "kernels.h"

ORQ_DISPATCH
static void sum_rows(const float *x, int64_t red, int64_t inner, float *out) {
  memcpy(out, x, (size_t)inner * sizeof(float));
  for (int64_t r = 1; r < red; r++) {
    const float *row = x + r * inner;
    for (int64_t i = 0; i < inner; i++) out[i] += row[i];
  }
}

ORQ_DISPATCH
float orq_sum_contiguous(const float *x, int64_t n) {
  /* Eight partial sums: vectorisable without -ffast-math, and a fixed order (deterministic). */
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += x[i + j];
  float s = 0;
  for (int j = 0; j < 16; j++) s += acc[j];
  for (; i < n; i++) s += x[i];
  return s;
}

void orq_sum(const float *x, int64_t outer, int64_t red, int64_t inner, float *out) {
  if (red == 0) {
    memset(out, 0, (size_t)(outer * inner) * sizeof(float));
    return;
  }
  for (int64_t o = 0; o < outer; o++) {
    if (inner == 1) out[o] = orq_sum_contiguous(x + o * red, red);
    else sum_rows(x + o * red * inner, red, inner, out + o * inner);
  }
}

ORQ_DISPATCH
static void max_rows(const float *x, int64_t red, int64_t inner, float *out) {
  memcpy(out, x, (size_t)inner * sizeof(float));
  for (int64_t r = 1; r < red; r++) {
    const float *row = x + r * inner;
    for (int64_t i = 0; i < inner; i++) out[i] = row[i] > out[i] || row[i] != row[i] ? row[i] : out[i];
  }
}

/* Max of a contiguous run in 16 lanes; NaN anywhere makes the result NaN, as in tfjs. */
ORQ_DISPATCH
float orq_max_contiguous(const float *x, int64_t n) {
  float acc[16];
  int nan = 0;
  for (int j = 0; j < 16; j++) acc[j] = -INFINITY;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) {
      const float v = x[i + j];
      acc[j] = v > acc[j] ? v : acc[j];
      nan |= v != v;
    }
  float best = -INFINITY;
  for (int j = 0; j < 16; j++) best = acc[j] > best ? acc[j] : best;
  for (; i < n; i++) {
    best = x[i] > best ? x[i] : best;
    nan |= x[i] != x[i];
  }
  return nan ? NAN : best;
}

void orq_mean(const float *x, int64_t outer, int64_t red, int64_t inner, float *out) {
  orq_sum(x, outer, red, inner, out);
  const float scale = 1.0f / (float)red;
  for (int64_t i = 0; i < outer * inner; i++) out[i] *= scale;
}

void orq_max(const float *x, int64_t outer, int64_t red, int64_t inner, float *out) {
  for (int64_t o = 0; o < outer; o++) {
    if (inner == 1) {
      out[o] = orq_max_contiguous(x + o * red, red);
    } else {
      max_rows(x + o * red * inner, red, inner, out + o * inner);
    }
  }
}
