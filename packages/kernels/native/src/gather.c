/* Row gather (embedding lookup): whole rows copied with memcpy. */
#include <string.h>
#include "kernels.h"

void orq_gather_rows(const uint32_t *table, int64_t d, const int32_t *idx, int64_t n, uint32_t *out) {
  for (int64_t i = 0; i < n; i++) memcpy(out + i * d, table + (int64_t)idx[i] * d, (size_t)d * 4);
}
