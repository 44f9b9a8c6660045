/* Label-smoothed softmax cross-entropy and its gradient in three passes over each row. */
#include <math.h>
#include "kernels.h"

ORQ_DISPATCH
static void scale_row(float *restrict g, int64_t v, float a, float b) {
  for (int64_t i = 0; i < v; i++) g[i] = g[i] * a - b;
}

void orq_softmax_xent(const float *x, const int32_t *targets, const float *weights, int64_t n, int64_t v,
                      double eps, float *loss, float *grad) {
  for (int64_t r = 0; r < n; r++) {
    const float *row = x + r * v;
    float *g = grad + r * v;
    const float w = weights[r];
    const float m = orq_max_contiguous(row, v);
    orq_exp_shifted(row, m, v, g); /* g = exp(x - max) */
    const double s = orq_sum_contiguous(g, v);
    const double lse = (double)m + log(s);
    const double mean = (double)orq_sum_contiguous(row, v) / (double)v;
    const int32_t t = targets[r];
    loss[r] = (float)(w * ((1 - eps) * (lse - row[t]) + eps * (lse - mean)));
    scale_row(g, v, (float)(w / s), (float)(w * eps / (double)v));
    g[t] -= (float)(w * (1 - eps));
  }
}
