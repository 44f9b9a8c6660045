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

/*
 * Sum of squares in double with four running sums over elements j = 4i + r, combined as
 * (s0 + s1) + (s2 + s3) and then the tail in order: the JS fallback's order exactly (no contraction).
 */
double orq_sum_squares(const float *x, int64_t n) {
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const double a = x[j], b = x[j + 1], c = x[j + 2], d = x[j + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  double s = (s0 + s1) + (s2 + s3);
  for (; j < n; j++) s += (double)x[j] * (double)x[j];
  return s;
}
