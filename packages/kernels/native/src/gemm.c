/* Batched single-precision GEMM through OpenBLAS; transposes are cblas flags, never copies. */
#include <cblas.h>
#include "kernels.h"

void orq_gemm_batched(int trans_a, int trans_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                      const float *a, int64_t stride_a, const float *b, int64_t stride_b,
                      float *c, int64_t stride_c) {
  const enum CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
  const enum CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
  const blasint lda = (blasint)(trans_a ? m : k);
  const blasint ldb = (blasint)(trans_b ? k : n);
  /* A shared right operand under an untransposed, batch-contiguous left one is one tall GEMM. */
  if (batch > 1 && stride_b == 0 && !trans_a && stride_a == m * k && stride_c == m * n) {
    cblas_sgemm(CblasRowMajor, ta, tb, (blasint)(m * batch), (blasint)n, (blasint)k, 1.0f, a, lda, b, ldb,
                0.0f, c, (blasint)n);
    return;
  }
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, ta, tb, (blasint)m, (blasint)n, (blasint)k, 1.0f, a + i * stride_a, lda,
                b + i * stride_b, ldb, 0.0f, c + i * stride_c, (blasint)n);
  }
}
