/* Elementwise unary kernels. expf is vectorised through glibc's libmvec (declared SIMD below). */
#include <math.h>
#include "kernels.h"

#if defined(ORQ_X86) && defined(__GNUC__) && !defined(__clang__)
float expf(float) __attribute__((simd("notinbranch")));
#endif

ORQ_DISPATCH
static void exp_kernel(const float *restrict x, int64_t n, float *restrict out) {
  for (int64_t i = 0; i < n; i++) out[i] = expf(x[i]);
}

ORQ_DISPATCH
static void simple_kernel(int op, const float *restrict x, int64_t n, float *restrict out) {
  switch (op) {
    case ORQ_SQRT:
      for (int64_t i = 0; i < n; i++) out[i] = sqrtf(x[i]);
      break;
    case ORQ_RSQRT:
      for (int64_t i = 0; i < n; i++) out[i] = 1.0f / sqrtf(x[i]);
      break;
    case ORQ_SQUARE:
      for (int64_t i = 0; i < n; i++) out[i] = x[i] * x[i];
      break;
    case ORQ_RELU:
      for (int64_t i = 0; i < n; i++) out[i] = x[i] > 0.0f ? x[i] : (x[i] != x[i] ? x[i] : 0.0f);
      break;
    case ORQ_NEG:
      for (int64_t i = 0; i < n; i++) out[i] = -x[i];
      break;
    default:
      break;
  }
}

ORQ_DISPATCH
void orq_exp_shifted(const float *restrict x, float shift, int64_t n, float *restrict out) {
  for (int64_t i = 0; i < n; i++) out[i] = expf(x[i] - shift);
}

void orq_unary(int op, const float *x, int64_t n, float *out) {
  /* In place (out == x) is fine: each element is read before it is written. */
  if (op == ORQ_EXP) exp_kernel(x, n, out);
  else simple_kernel(op, x, n, out);
}
