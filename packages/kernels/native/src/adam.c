/*
 * Adam(W) over a flat parameter vector. The arithmetic is the JS FlatOptimizer's, in double
 * with float32 storage and no fused multiply-adds (-std=c11 keeps contraction off), so the
 * native and JS updates give the same bits.
 */
#include <math.h>
#include "kernels.h"

void orq_adam(float *p, const float *g, float *m, float *v, int64_t n, double lr, double b1,
              double b2, double c1, double c2, double eps, double decay, double grad_scale) {
  const double a1 = 1 - b1, a2 = 1 - b2;
  for (int64_t j = 0; j < n; j++) {
    const double gj = (double)g[j] * grad_scale;
    const double mj = b1 * (double)m[j] + a1 * gj;
    const double vj = b2 * (double)v[j] + a2 * gj * gj;
    m[j] = (float)mj;
    v[j] = (float)vj;
    p[j] = (float)((double)p[j] * decay - (lr * (mj / c1)) / (sqrt(vj / c2) + eps));
  }
}
