/* Element-wise kernels of the ring: IEEE float32 additions, bit-identical to the TypeScript ones
 * (a float32 sum computed in double and rounded is the float32 sum). Vectorized by the compiler. */
#include <stddef.h>
#include "ring.h"

typedef float ufloat __attribute__((aligned(1), may_alias));

void ring_add_into(float *dst, const float *src, size_t n) {
  ufloat *restrict d = (ufloat *)dst;
  const ufloat *restrict s = (const ufloat *)src;
  for (size_t i = 0; i < n; i++) d[i] = d[i] + s[i];
}

void ring_sum_into_local(const float *in, float *local, size_t n) {
  const ufloat *restrict s = (const ufloat *)in;
  ufloat *restrict l = (ufloat *)local;
  for (size_t i = 0; i < n; i++) l[i] = s[i] + l[i];
}
