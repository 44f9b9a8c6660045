/*
 * Elementwise a op b with numpy broadcasting. The caller gives the output shape and, for each
 * operand, its element strides over that shape (0 along broadcast axes). The innermost axis
 * runs as a flat loop specialised for the three stride patterns that occur: both contiguous,
 * a row against a scalar, a scalar against a row.
 */
#include "kernels.h"

#define ORQ_APPLY(op, x, y) ((op) == ORQ_ADD ? (x) + (y) : (op) == ORQ_SUB ? (x) - (y) : (op) == ORQ_MUL ? (x) * (y) : (x) / (y))

#define ORQ_ROW_KERNEL(NAME, OP)                                                                   \
  ORQ_DISPATCH                                                                                     \
  static void NAME(const float *restrict a, int64_t sa, const float *restrict b, int64_t sb,      \
                   float *restrict out, int64_t n) {                                               \
    if (sa == 1 && sb == 1) {                                                                      \
      for (int64_t i = 0; i < n; i++) out[i] = ORQ_APPLY(OP, a[i], b[i]);                          \
    } else if (sa == 1 && sb == 0) {                                                               \
      const float y = b[0];                                                                        \
      for (int64_t i = 0; i < n; i++) out[i] = ORQ_APPLY(OP, a[i], y);                             \
    } else if (sa == 0 && sb == 1) {                                                               \
      const float x = a[0];                                                                        \
      for (int64_t i = 0; i < n; i++) out[i] = ORQ_APPLY(OP, x, b[i]);                             \
    } else {                                                                                       \
      for (int64_t i = 0; i < n; i++) out[i] = ORQ_APPLY(OP, a[i * sa], b[i * sb]);                \
    }                                                                                              \
  }

ORQ_ROW_KERNEL(row_add, ORQ_ADD)
ORQ_ROW_KERNEL(row_sub, ORQ_SUB)
ORQ_ROW_KERNEL(row_mul, ORQ_MUL)
ORQ_ROW_KERNEL(row_div, ORQ_DIV)

typedef void (*row_fn)(const float *, int64_t, const float *, int64_t, float *, int64_t);

void orq_binary(int op, int rank, const int64_t *shape, const float *a, const int64_t *stride_a,
                const float *b, const int64_t *stride_b, float *out) {
  const row_fn row = op == ORQ_ADD ? row_add : op == ORQ_SUB ? row_sub : op == ORQ_MUL ? row_mul : row_div;
  if (rank == 0) {
    row(a, 1, b, 1, out, 1);
    return;
  }
  const int64_t n = shape[rank - 1];
  int64_t rows = 1;
  for (int d = 0; d < rank - 1; d++) rows *= shape[d];
  if (n == 0 || rows == 0) return;
  int64_t idx[ORQ_MAX_RANK] = {0};
  int64_t offa = 0, offb = 0;
  for (int64_t r = 0; r < rows; r++) {
    row(a + offa, stride_a[rank - 1], b + offb, stride_b[rank - 1], out + r * n, n);
    /* Odometer over the outer axes. */
    for (int d = rank - 2; d >= 0; d--) {
      idx[d]++;
      offa += stride_a[d];
      offb += stride_b[d];
      if (idx[d] < shape[d]) break;
      offa -= stride_a[d] * shape[d];
      offb -= stride_b[d] * shape[d];
      idx[d] = 0;
    }
  }
}
