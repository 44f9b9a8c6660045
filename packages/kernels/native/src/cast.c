/*
 * Casts between float32 and int32 with JavaScript's conversions, which tfjs's wasm Cast uses
 * (TypedArray.set): float -> int32 truncates toward zero, wraps modulo 2^32 (ToInt32) and maps
 * NaN and infinities to 0; int32 -> float32 rounds to nearest.
 */
#include <math.h>
#include "kernels.h"

static int32_t to_int32(float x) {
  if (x > -2147483648.0f && x < 2147483648.0f) return (int32_t)x;
  if (!isfinite(x)) return 0;
  double m = fmod(trunc((double)x), 4294967296.0);
  if (m < 0) m += 4294967296.0;
  return (int32_t)(uint32_t)m;
}

ORQ_DISPATCH
void orq_cast_f32_i32(const float *restrict x, int64_t n, int32_t *restrict out) {
  for (int64_t i = 0; i < n; i++) out[i] = to_int32(x[i]);
}

ORQ_DISPATCH
void orq_cast_i32_f32(const int32_t *restrict x, int64_t n, float *restrict out) {
  for (int64_t i = 0; i < n; i++) out[i] = (float)x[i];
}
