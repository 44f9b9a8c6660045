/* Argument reading for the N-API entry points: every failure throws a JS error and returns 0. */
#ifndef ORQ_ARGS_H
#define ORQ_ARGS_H

#include <node_api.h>
#include <stdint.h>

#define ORQ_MAX_ARGS 16

typedef struct {
  napi_env env;
  size_t argc;
  napi_value argv[ORQ_MAX_ARGS];
} orq_args;

int orq_read_args(napi_env env, napi_callback_info info, size_t expected, orq_args *out);
/* A float32 view: an ArrayBuffer (the wasm heap) or a Float32Array. Length in elements. */
int orq_float_buffer(orq_args *a, size_t i, float **data, int64_t *length);
int orq_int(orq_args *a, size_t i, int64_t *out);
/* Argument 0 as the float buffer, arguments 1..count as integers into v. */
int orq_heap_and_ints(orq_args *a, float **heap, int64_t *length, int64_t *v, int count);
int orq_double(orq_args *a, size_t i, double *out);
/* An array of 0..ORQ_MAX_RANK integers; its length goes to *rank. */
int orq_int_array(orq_args *a, size_t i, int64_t *out, int *rank);
/* Checks that [offset, offset + extent) lies inside a buffer of `length` elements. */
int orq_in_bounds(orq_args *a, const char *what, int64_t offset, int64_t extent, int64_t length);
/* Extent of a strided view: 1 + sum (shape[d] - 1) * stride[d], or 0 for an empty shape. */
int64_t orq_extent(int rank, const int64_t *shape, const int64_t *stride);

#endif
