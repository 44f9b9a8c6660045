/*
 * Dropout keep masks: 0 with probability `rate`, else 1 / (1 - rate). The generator is the
 * one in @orquesta/model's dropout.ts (splitmix32 seeding, xorshift128+ over 32-bit halves,
 * uniform = (t + u mod 2^32) / 2^32 compared in double), so a mask made here is bit-identical
 * to the JS one and runs resumed or mixed-backend stay reproducible.
 */
#include "kernels.h"

static uint32_t next32(uint32_t *s) {
  *s += 0x9e3779b9u;
  uint32_t z = *s;
  z = (z ^ (z >> 16)) * 0x85ebca6bu;
  z = (z ^ (z >> 13)) * 0xc2b2ae35u;
  return z ^ (z >> 16);
}

void orq_keep_mask(uint32_t seed, double rate, float *out, int64_t n) {
  uint32_t s = seed;
  uint32_t a = next32(&s) | 1u;
  uint32_t b = next32(&s);
  const float keep = (float)(1.0 / (1.0 - rate));
  /* x / 2^32 < rate  <=>  x < rate * 2^32: both sides exact in double, no division per draw. */
  const double threshold = rate * 4294967296.0;
  for (int64_t i = 0; i < n; i++) {
    uint32_t t = a;
    const uint32_t u = b;
    a = u;
    t ^= t << 23;
    t ^= t >> 17;
    t ^= u ^ (u >> 26);
    b = t;
    out[i] = (double)(uint32_t)(t + u) < threshold ? 0.0f : keep;
  }
}
