/*
 * Transpose of 4-byte elements, rank <= ORQ_MAX_RANK. Axes that stay innermost are copied as
 * whole rows; a swap of the last two axes runs in 32x32 tiles; anything else walks the output
 * in order with an odometer over the input strides.
 */
#include <string.h>
#include "kernels.h"

#define TILE 32

/* One odometer step over output axes 0..last, moving *src by the matching input strides. */
static inline void advance(int last, const int64_t *out_shape, const int64_t *stride, int64_t *idx, int64_t *src) {
  for (int d = last; d >= 0; d--) {
    idx[d]++;
    *src += stride[d];
    if (idx[d] < out_shape[d]) return;
    *src -= stride[d] * out_shape[d];
    idx[d] = 0;
  }
}

static void transpose_2d(const uint32_t *x, int64_t rows, int64_t cols, uint32_t *out) {
  for (int64_t i0 = 0; i0 < rows; i0 += TILE)
    for (int64_t j0 = 0; j0 < cols; j0 += TILE) {
      const int64_t i1 = i0 + TILE < rows ? i0 + TILE : rows;
      const int64_t j1 = j0 + TILE < cols ? j0 + TILE : cols;
      for (int64_t i = i0; i < i1; i++)
        for (int64_t j = j0; j < j1; j++) out[j * rows + i] = x[i * cols + j];
    }
}

void orq_transpose(int rank, const int64_t *shape, const int64_t *perm, const uint32_t *x, uint32_t *out) {
  int64_t in_stride[ORQ_MAX_RANK];
  int64_t size = 1;
  for (int d = rank - 1; d >= 0; d--) {
    in_stride[d] = size;
    size *= shape[d];
  }
  if (size == 0) return;
  /* Trailing output axes that are the input's trailing axes, in order, move as one block. */
  int keep = 0;
  while (keep < rank && perm[rank - 1 - keep] == rank - 1 - keep) keep++;
  int64_t block = 1;
  for (int d = rank - keep; d < rank; d++) block *= shape[d];
  const int outer_rank = rank - keep;
  if (outer_rank == 0) {
    memcpy(out, x, (size_t)size * 4);
    return;
  }
  /* [batch..., R, C] -> [batch..., C, R] with unchanged leading axes: tiled 2-d transposes. */
  int leading_fixed = 1;
  for (int d = 0; d < rank - 2; d++) leading_fixed &= perm[d] == d;
  if (keep == 0 && rank >= 2 && leading_fixed && perm[rank - 2] == rank - 1 && perm[rank - 1] == rank - 2) {
    const int64_t r = shape[rank - 2], c = shape[rank - 1];
    for (int64_t off = 0; off < size; off += r * c) transpose_2d(x + off, r, c, out + off);
    return;
  }
  int64_t out_shape[ORQ_MAX_RANK], stride[ORQ_MAX_RANK], idx[ORQ_MAX_RANK] = {0};
  for (int d = 0; d < outer_rank; d++) {
    out_shape[d] = shape[perm[d]];
    stride[d] = in_stride[perm[d]];
  }
  const int64_t blocks = size / block;
  int64_t src = 0;
  if (block == 1) {
    const int last = outer_rank - 1;
    const int64_t n = out_shape[last], s = stride[last];
    for (int64_t o = 0; o < blocks; o += n) {
      for (int64_t j = 0; j < n; j++) out[o + j] = x[src + j * s];
      advance(last - 1, out_shape, stride, idx, &src);
    }
    return;
  }
  for (int64_t o = 0; o < blocks; o++) {
    memcpy(out + o * block, x + src, (size_t)block * 4);
    advance(outer_rank - 1, out_shape, stride, idx, &src);
  }
}
