/*
 * Orquesta native kernels. Every kernel works on float32 data inside one ArrayBuffer (in
 * practice the WebAssembly.Memory of tfjs's wasm backend), addressed by element offsets, so
 * nothing is copied in or out. Shapes and offsets are checked against the buffer in args.c
 * before a kernel runs.
 */
#ifndef ORQ_KERNELS_H
#define ORQ_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#if defined(ORQ_X86) && defined(__GNUC__) && !defined(__clang__)
/* One AVX2 (+FMA) build, with an AVX-512 clone picked at load time. */
#define ORQ_DISPATCH __attribute__((target_clones("default", "avx512f")))
#else
#define ORQ_DISPATCH
#endif

#define ORQ_MAX_RANK 6

/* C[b] = op(A[b]) . op(B[b]) for b < batch; stride 0 broadcasts an operand over the batch. */
void orq_gemm_batched(int trans_a, int trans_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                      const float *a, int64_t stride_a, const float *b, int64_t stride_b,
                      float *c, int64_t stride_c);

/* Sum and max of a contiguous run, in 16 fixed lanes (vectorised, deterministic order). */
float orq_sum_contiguous(const float *x, int64_t n);
float orq_max_contiguous(const float *x, int64_t n);

/* out[o, i] = sum_r x[o, r, i]: x viewed as [outer, red, inner]. */
void orq_sum(const float *x, int64_t outer, int64_t red, int64_t inner, float *out);
/* out[o, i] = mean_r x[o, r, i] (red > 0). */
void orq_mean(const float *x, int64_t outer, int64_t red, int64_t inner, float *out);
/* out[o, i] = max_r x[o, r, i]. */
void orq_max(const float *x, int64_t outer, int64_t red, int64_t inner, float *out);

enum orq_unary { ORQ_EXP = 0, ORQ_SQRT = 1, ORQ_RSQRT = 2, ORQ_SQUARE = 3, ORQ_RELU = 4, ORQ_NEG = 5 };
void orq_unary(int op, const float *x, int64_t n, float *out);

enum orq_binary { ORQ_ADD = 0, ORQ_SUB = 1, ORQ_MUL = 2, ORQ_DIV = 3 };
/* out = a op b over `rank` output dims; strides in elements, 0 where an operand broadcasts. */
void orq_binary(int op, int rank, const int64_t *shape, const float *a, const int64_t *stride_a,
                const float *b, const int64_t *stride_b, float *out);

/* Casts with JavaScript's conversion rules (see cast.c). */
void orq_cast_f32_i32(const float *x, int64_t n, int32_t *out);
void orq_cast_i32_f32(const int32_t *x, int64_t n, float *out);

/* out = transpose(x, perm) for 4-byte elements, rank <= ORQ_MAX_RANK. */
void orq_transpose(int rank, const int64_t *shape, const int64_t *perm, const uint32_t *x, uint32_t *out);

/* out[i, :] = table[idx[i], :] for rows of d 4-byte elements; indices checked by the caller. */
void orq_gather_rows(const uint32_t *table, int64_t d, const int32_t *idx, int64_t n, uint32_t *out);

/* Dropout keep mask, bit-identical to the JS generator of @orquesta/model's DropoutRng. */
void orq_keep_mask(uint32_t seed, double rate, float *out, int64_t n);

/* Layer norm over rows of d: y = (x - mean) * rstd * gamma + beta; also writes xhat and rstd. */
void orq_layer_norm(const float *x, const float *gamma, const float *beta, int64_t rows, int64_t d,
                    float eps, float *y, float *xhat, float *rstd);
/* Its gradient: dx, and dgamma / dbeta summed over rows. */
void orq_layer_norm_grad(const float *dy, const float *xhat, const float *rstd, const float *gamma, int64_t rows,
                         int64_t d, float *dx, float *dgamma, float *dbeta);

/* exp(x - shift) into out (no reduction). */
void orq_exp_shifted(const float *x, float shift, int64_t n, float *out);

/*
 * Label-smoothed softmax cross-entropy per row of v logits, with its gradient:
 *   loss_i = w_i ((1 - eps)(lse_i - x_it) + eps (lse_i - mean_v x_iv))
 *   grad_iv = w_i (softmax_iv - eps / v) - [v == t_i] w_i (1 - eps)
 */
void orq_softmax_xent(const float *x, const int32_t *targets, const float *weights, int64_t n, int64_t v,
                      double eps, float *loss, float *grad);

/* One Adam(W) step over a flat parameter vector, computed in double like the JS optimizer. */
double orq_sum_squares(const float *x, int64_t n);
void orq_adam(float *p, const float *g, float *m, float *v, int64_t n, double lr, double b1,
              double b2, double c1, double c2, double eps, double decay, double grad_scale);

#endif
