/* Layer norm over the last axis, forward and backward, one row at a time (rows stay in L1). */
#include <math.h>
#include <string.h>
#include "kernels.h"

ORQ_DISPATCH
static void normalise_row(const float *restrict row, const float *restrict gamma, const float *restrict beta, int64_t d,
                          float mean, float inv, float *restrict h, float *restrict o) {
  for (int64_t i = 0; i < d; i++) {
    const float v = (row[i] - mean) * inv;
    h[i] = v;
    o[i] = v * gamma[i] + beta[i];
  }
}

ORQ_DISPATCH
static float centred_square_sum(const float *restrict row, int64_t d, float mean) {
  float acc[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= d; i += 16)
    for (int j = 0; j < 16; j++) {
      const float c = row[i + j] - mean;
      acc[j] += c * c;
    }
  float s = 0;
  for (int j = 0; j < 16; j++) s += acc[j];
  for (; i < d; i++) s += (row[i] - mean) * (row[i] - mean);
  return s;
}

void orq_layer_norm(const float *x, const float *gamma, const float *beta, int64_t rows, int64_t d,
                    float eps, float *y, float *xhat, float *rstd) {
  for (int64_t r = 0; r < rows; r++) {
    const float *row = x + r * d;
    const float mean = orq_sum_contiguous(row, d) / (float)d;
    const float inv = 1.0f / sqrtf(centred_square_sum(row, d, mean) / (float)d + eps);
    rstd[r] = inv;
    normalise_row(row, gamma, beta, d, mean, inv, xhat + r * d, y + r * d);
  }
}

ORQ_DISPATCH
static void grad_row(const float *restrict dy, const float *restrict h, float inv, const float *restrict gamma, int64_t d,
                     float *restrict dx, float *restrict dgamma, float *restrict dbeta) {
  float sg[16] = {0}, sgh[16] = {0};
  int64_t i = 0;
  for (; i + 16 <= d; i += 16)
    for (int j = 0; j < 16; j++) {
      const float g = dy[i + j] * gamma[i + j];
      sg[j] += g;
      sgh[j] += g * h[i + j];
    }
  float mg = 0, mgh = 0;
  for (int j = 0; j < 16; j++) {
    mg += sg[j];
    mgh += sgh[j];
  }
  for (; i < d; i++) {
    const float g = dy[i] * gamma[i];
    mg += g;
    mgh += g * h[i];
  }
  mg /= (float)d;
  mgh /= (float)d;
  for (i = 0; i < d; i++) {
    dx[i] = (dy[i] * gamma[i] - mg - h[i] * mgh) * inv;
    dgamma[i] += dy[i] * h[i];
    dbeta[i] += dy[i];
  }
}

void orq_layer_norm_grad(const float *dy, const float *xhat, const float *rstd, const float *gamma, int64_t rows,
                         int64_t d, float *dx, float *dgamma, float *dbeta) {
  memset(dgamma, 0, (size_t)d * sizeof(float));
  memset(dbeta, 0, (size_t)d * sizeof(float));
  for (int64_t r = 0; r < rows; r++) grad_row(dy + r * d, xhat + r * d, rstd[r], gamma, d, dx + r * d, dgamma, dbeta);
}
