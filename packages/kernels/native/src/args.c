#include <stdio.h>
#include "args.h"
#include "kernels.h"

static int fail(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return 0;
}

int orq_read_args(napi_env env, napi_callback_info info, size_t expected, orq_args *out) {
  out->env = env;
  out->argc = ORQ_MAX_ARGS;
  if (napi_get_cb_info(env, info, &out->argc, out->argv, NULL, NULL) != napi_ok) return fail(env, "ERR_ORQ_ARGS", "cannot read arguments");
  if (out->argc < expected) {
    char msg[96];
    snprintf(msg, sizeof msg, "expected %zu arguments, got %zu", expected, out->argc);
    return fail(env, "ERR_ORQ_ARGS", msg);
  }
  return 1;
}

int orq_float_buffer(orq_args *a, size_t i, float **data, int64_t *length) {
  bool is_ab = false, is_ta = false;
  void *ptr = NULL;
  size_t bytes = 0;
  napi_is_arraybuffer(a->env, a->argv[i], &is_ab);
  if (is_ab) {
    if (napi_get_arraybuffer_info(a->env, a->argv[i], &ptr, &bytes) != napi_ok) return fail(a->env, "ERR_ORQ_ARGS", "cannot read ArrayBuffer");
    *data = (float *)ptr;
    *length = (int64_t)(bytes / 4);
    return 1;
  }
  napi_is_typedarray(a->env, a->argv[i], &is_ta);
  if (is_ta) {
    napi_typedarray_type type;
    size_t count = 0, offset = 0;
    napi_value ab;
    if (napi_get_typedarray_info(a->env, a->argv[i], &type, &count, &ptr, &ab, &offset) != napi_ok) return fail(a->env, "ERR_ORQ_ARGS", "cannot read typed array");
    if (type != napi_float32_array) return fail(a->env, "ERR_ORQ_ARGS", "expected a Float32Array");
    *data = (float *)ptr;
    *length = (int64_t)count;
    return 1;
  }
  return fail(a->env, "ERR_ORQ_ARGS", "expected an ArrayBuffer or Float32Array");
}

int orq_int(orq_args *a, size_t i, int64_t *out) {
  if (napi_get_value_int64(a->env, a->argv[i], out) != napi_ok) return fail(a->env, "ERR_ORQ_ARGS", "expected an integer");
  return 1;
}

int orq_heap_and_ints(orq_args *a, float **heap, int64_t *length, int64_t *v, int count) {
  if (!orq_float_buffer(a, 0, heap, length)) return 0;
  for (int i = 0; i < count; i++)
    if (!orq_int(a, (size_t)i + 1, &v[i])) return 0;
  return 1;
}

int orq_double(orq_args *a, size_t i, double *out) {
  if (napi_get_value_double(a->env, a->argv[i], out) != napi_ok) return fail(a->env, "ERR_ORQ_ARGS", "expected a number");
  return 1;
}

int orq_int_array(orq_args *a, size_t i, int64_t *out, int *rank) {
  bool is_array = false;
  uint32_t n = 0;
  napi_is_array(a->env, a->argv[i], &is_array);
  if (!is_array) return fail(a->env, "ERR_ORQ_ARGS", "expected an array of integers");
  napi_get_array_length(a->env, a->argv[i], &n);
  if (n > ORQ_MAX_RANK) return fail(a->env, "ERR_ORQ_RANK", "rank above 6 is not supported");
  for (uint32_t k = 0; k < n; k++) {
    napi_value v;
    napi_get_element(a->env, a->argv[i], k, &v);
    if (napi_get_value_int64(a->env, v, &out[k]) != napi_ok || out[k] < 0) return fail(a->env, "ERR_ORQ_ARGS", "expected non-negative integers");
  }
  *rank = (int)n;
  return 1;
}

int orq_in_bounds(orq_args *a, const char *what, int64_t offset, int64_t extent, int64_t length) {
  if (offset < 0 || extent < 0 || offset > length || extent > length - offset) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s out of bounds: elements [%lld, %lld) of %lld", what, (long long)offset,
             (long long)(offset + extent), (long long)length);
    return fail(a->env, "ERR_ORQ_BOUNDS", msg);
  }
  return 1;
}

int64_t orq_extent(int rank, const int64_t *shape, const int64_t *stride) {
  int64_t last = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 0) return 0;
    last += (shape[d] - 1) * stride[d];
  }
  return last + 1;
}
