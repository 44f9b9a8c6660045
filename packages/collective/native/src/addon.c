/*
 * N-API entry points of the native ring. A ring is an External; operations run as async work on
 * libuv's worker threads (one at a time per ring) and report (code, detail) to a callback.
 * Every entry point checks its arguments and throws a TypeError or RangeError on a bad call.
 */
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "ring.h"

typedef struct {
  ring *r;
  int running;
  int closed;
} handle;

typedef struct {
  napi_async_work work;
  napi_ref callback, data, owner;
  handle *h;
  int probe, timeout_ms, code;
  ring_op op;
  char err[512];
} job;

#define CHECK(call)                                           \
  do {                                                        \
    if ((call) != napi_ok) {                                  \
      napi_throw_error(env, "ERR_ORQ_RING", "N-API call failed: " #call); \
      return NULL;                                            \
    }                                                         \
  } while (0)

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_ORQ_RING_ARGS", message);
  return NULL;
}

static napi_value throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, "ERR_ORQ_RING_ARGS", message);
  return NULL;
}

static int get_int(napi_env env, napi_value obj, const char *name, int *out) {
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok || t != napi_number) return 0;
  return napi_get_value_int32(env, v, out) == napi_ok;
}

/* A string property of at most max-1 bytes into out; 0 when absent or not a string, -1 when too long. */
static int get_string(napi_env env, napi_value obj, const char *name, char *out, size_t max) {
  napi_value v;
  napi_valuetype t;
  size_t len;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok || t != napi_string) return 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len >= max) return -1;
  napi_get_value_string_utf8(env, v, out, max, &len);
  return 1;
}

static void finalize_handle(napi_env env, void *data, void *hint) {
  handle *h = data;
  if (!h->closed) ring_close(h->r);
  free(h);
}

static handle *get_handle(napi_env env, napi_value v) {
  handle *h = NULL;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external || napi_get_value_external(env, v, (void **)&h) != napi_ok || h == NULL) {
    throw_type(env, "expected a ring handle");
    return NULL;
  }
  if (h->closed) {
    napi_throw_error(env, "ERR_ORQ_RING_CLOSED", "the ring is closed");
    return NULL;
  }
  return h;
}

/* open({ self, left, right, position, size, wireVersion, curve?: { publicKey, secretKey, serverKey, clientKey } }, bind) */
static napi_value open_ring(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_type(env, "open(config, bind)");
  ring_config c;
  memset(&c, 0, sizeof c);
  if (!get_int(env, argv[0], "self", &c.self) || !get_int(env, argv[0], "left", &c.left) || !get_int(env, argv[0], "right", &c.right) ||
      !get_int(env, argv[0], "position", &c.position) || !get_int(env, argv[0], "size", &c.size) ||
      !get_int(env, argv[0], "wireVersion", &c.wire_version))
    return throw_type(env, "open: config needs integer self, left, right, position, size and wireVersion");
  if (c.size < 1 || c.position < 0 || c.position >= c.size || c.self < 0 || c.left < 0 || c.right < 0 || c.wire_version < 1 || c.wire_version > 255)
    return throw_range(env, "open: position must be in 0..size-1, ranks non-negative, wireVersion 1..255");
  napi_value curve;
  napi_valuetype t;
  CHECK(napi_get_named_property(env, argv[0], "curve", &curve));
  CHECK(napi_typeof(env, curve, &t));
  if (t == napi_object) {
    char client[41];
    if (get_string(env, curve, "publicKey", c.public_key, 41) != 1 || get_string(env, curve, "secretKey", c.secret_key, 41) != 1 ||
        get_string(env, curve, "serverKey", c.server_key, 41) != 1 || get_string(env, curve, "clientKey", client, 41) != 1 ||
        strlen(c.public_key) != 40 || strlen(c.secret_key) != 40 || strlen(c.server_key) != 40 || strlen(client) != 40 ||
        zmq_z85_decode(c.client_key, client) == NULL)
      return throw_type(env, "open: curve needs publicKey, secretKey, serverKey and clientKey as 40-character Z85 keys");
    c.has_curve = 1;
  } else if (t != napi_undefined && t != napi_null)
    return throw_type(env, "open: curve must be an object or undefined");
  char bind[256];
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_string) return throw_type(env, "open: bind must be a string");
  size_t len;
  CHECK(napi_get_value_string_utf8(env, argv[1], bind, sizeof bind, &len));
  if (len >= sizeof bind - 1) return throw_range(env, "open: bind endpoint too long");
  char err[512];
  ring *r = ring_open(&c, bind, err, sizeof err);
  if (!r) {
    napi_throw_error(env, "ERR_ORQ_RING_OPEN", err);
    return NULL;
  }
  handle *h = calloc(1, sizeof *h);
  h->r = r;
  napi_value out;
  CHECK(napi_create_external(env, h, finalize_handle, NULL, &out));
  return out;
}

static napi_value endpoint(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc < 1 ? (throw_type(env, "endpoint(handle)"), NULL) : get_handle(env, argv[0]);
  if (!h) return NULL;
  CHECK(napi_create_string_utf8(env, ring_endpoint(h->r), NAPI_AUTO_LENGTH, &out));
  return out;
}

/* bind(handle, endpoint) -> the bound endpoint (port or path resolved) */
static napi_value bind_more(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc < 2 ? (throw_type(env, "bind(handle, endpoint)"), NULL) : get_handle(env, argv[0]);
  if (!h) return NULL;
  char ep[256], bound[256], err[512];
  size_t len;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_string) return throw_type(env, "bind: endpoint must be a string");
  CHECK(napi_get_value_string_utf8(env, argv[1], ep, sizeof ep, &len));
  if (len >= sizeof ep - 1) return throw_range(env, "bind: endpoint too long");
  if (ring_bind(h->r, ep, bound, sizeof bound, err, sizeof err) != RING_OK) {
    napi_throw_error(env, "ERR_ORQ_RING_OPEN", err);
    return NULL;
  }
  CHECK(napi_create_string_utf8(env, bound, NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value connect_ring(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc < 2 ? (throw_type(env, "connect(handle, endpoint)"), NULL) : get_handle(env, argv[0]);
  if (!h) return NULL;
  char ep[256], err[512];
  size_t len;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_string) return throw_type(env, "connect: endpoint must be a string");
  CHECK(napi_get_value_string_utf8(env, argv[1], ep, sizeof ep, &len));
  if (ring_connect(h->r, ep, err, sizeof err) != RING_OK) napi_throw_error(env, "ERR_ORQ_RING_CONNECT", err);
  return NULL;
}

static napi_value progress(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc < 1 ? (throw_type(env, "progress(handle)"), NULL) : get_handle(env, argv[0]);
  if (!h) return NULL;
  CHECK(napi_create_double(env, (double)ring_progress(h->r), &out));
  return out;
}

static napi_value cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = argc < 1 ? (throw_type(env, "cancel(handle)"), NULL) : get_handle(env, argv[0]);
  if (h) ring_cancel(h->r);
  return NULL;
}

static napi_value close_ring(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  handle *h = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], (void **)&h) != napi_ok || !h) return throw_type(env, "close(handle)");
  if (h->closed) return NULL;
  if (h->running) {
    napi_throw_error(env, "ERR_ORQ_RING_BUSY", "close: an operation is running (cancel it and wait for its callback)");
    return NULL;
  }
  h->closed = 1;
  ring_close(h->r);
  h->r = NULL;
  return NULL;
}

static void execute(napi_env env, void *data) {
  job *j = data;
  j->code = j->probe ? ring_probe(j->h->r, j->timeout_ms, j->err, sizeof j->err) : ring_run(j->h->r, &j->op, j->err, sizeof j->err);
}

static void complete(napi_env env, napi_status status, void *data) {
  job *j = data;
  j->h->running = 0;
  if (status != napi_ok && j->code == RING_OK) {
    j->code = RING_IO;
    snprintf(j->err, sizeof j->err, "the operation could not run (N-API status %d)", (int)status);
  }
  /* After a failure ZeroMQ may still hold segments of the tensor: keep it alive for good then. */
  if (j->data && (j->code == RING_OK || ring_outstanding(j->h->r) == 0)) napi_delete_reference(env, j->data);
  napi_value cb, argv[2], global;
  napi_get_reference_value(env, j->callback, &cb);
  napi_create_int32(env, j->code, &argv[0]);
  napi_create_string_utf8(env, j->err, NAPI_AUTO_LENGTH, &argv[1]);
  napi_get_global(env, &global);
  napi_delete_reference(env, j->callback);
  napi_delete_reference(env, j->owner);
  napi_delete_async_work(env, j->work);
  free(j);
  napi_call_function(env, global, cb, 2, argv, NULL);
}

/* A job for `owner`'s ring when it is open and idle and `callback` is a function; NULL after throwing. */
static job *new_job(napi_env env, napi_value owner, napi_value callback, const char *name) {
  handle *h = get_handle(env, owner);
  if (!h) return NULL;
  char message[96];
  napi_valuetype t;
  if (h->running) {
    snprintf(message, sizeof message, "%s: another operation is running", name);
    napi_throw_error(env, "ERR_ORQ_RING_BUSY", message);
    return NULL;
  }
  if (napi_typeof(env, callback, &t) != napi_ok || t != napi_function) {
    snprintf(message, sizeof message, "%s: callback must be a function", name);
    throw_type(env, message);
    return NULL;
  }
  job *j = calloc(1, sizeof *j);
  if (j) j->h = h;
  else napi_throw_error(env, "ERR_ORQ_RING", "out of memory");
  return j;
}

static napi_value queue(napi_env env, job *j, napi_value owner, napi_value callback) {
  napi_value name;
  napi_create_reference(env, owner, 1, &j->owner);
  napi_create_reference(env, callback, 1, &j->callback);
  napi_create_string_utf8(env, "orquesta-ring", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute, complete, j, &j->work) != napi_ok || napi_queue_async_work(env, j->work) != napi_ok) {
    napi_throw_error(env, "ERR_ORQ_RING", "cannot queue the operation");
    return NULL;
  }
  j->h->running = 1;
  return NULL;
}

/* run(handle, data: Float32Array, first, last, seq, opCode, segment, stepBase, trace: Buffer | null, callback(code, detail)) */
static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 10) return throw_type(env, "run(handle, data, first, last, seq, opCode, segment, stepBase, trace, callback)");
  bool is_typed;
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_is_typedarray(env, argv[1], &is_typed) != napi_ok || !is_typed) return throw_type(env, "run: data must be a Float32Array");
  CHECK(napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL));
  if (type != napi_float32_array) return throw_type(env, "run: data must be a Float32Array");
  if (length > 0xffffffffu) return throw_range(env, "run: at most 2^32-1 elements");
  int64_t v[6];
  double seq;
  for (int i = 0; i < 6; i++) {
    napi_valuetype t;
    if (napi_typeof(env, argv[2 + i], &t) != napi_ok || t != napi_number)
      return throw_type(env, "run: first, last, seq, opCode, segment and stepBase must be numbers");
  }
  napi_get_value_int64(env, argv[2], &v[0]);
  napi_get_value_int64(env, argv[3], &v[1]);
  napi_get_value_double(env, argv[4], &seq);
  napi_get_value_int64(env, argv[5], &v[3]);
  napi_get_value_int64(env, argv[6], &v[4]);
  napi_get_value_int64(env, argv[7], &v[5]);
  if (v[0] < 0 || v[1] < v[0] || v[1] > 2 * 65536 || seq < 0 || seq > 9007199254740991.0 || v[3] < 0 || v[3] > 255 || v[4] < 1 || v[5] < 0 ||
      v[5] > 0x7fffffff)
    return throw_range(env, "run: bad step range, seq, opCode, segment or stepBase");
  job *j = new_job(env, argv[0], argv[9], "run");
  if (!j) return NULL;
  j->op = (ring_op){.data = data,
                    .length = length,
                    .first = (int)v[0],
                    .last = (int)v[1],
                    .step_base = (uint32_t)v[5],
                    .seq = (uint64_t)seq,
                    .op_code = (uint8_t)v[3],
                    .segment = (size_t)v[4]};
  bool is_buffer = false;
  napi_valuetype tt;
  napi_typeof(env, argv[8], &tt);
  if (tt != napi_null && tt != napi_undefined) {
    void *trace;
    size_t trace_len;
    if (napi_is_buffer(env, argv[8], &is_buffer) != napi_ok || !is_buffer || napi_get_buffer_info(env, argv[8], &trace, &trace_len) != napi_ok || trace_len != 24) {
      free(j);
      return throw_type(env, "run: trace must be a 24-byte Buffer or null");
    }
    memcpy(j->op.trace, trace, 24);
  }
  napi_create_reference(env, argv[1], 1, &j->data);
  return queue(env, j, argv[0], argv[9]);
}

/* probe(handle, timeoutMs, callback(code, detail)) */
static napi_value probe(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_type(env, "probe(handle, timeoutMs, callback)");
  int timeout;
  if (napi_get_value_int32(env, argv[1], &timeout) != napi_ok || timeout < 1) return throw_range(env, "probe: timeoutMs must be a positive integer");
  job *j = new_job(env, argv[0], argv[2], "probe");
  if (!j) return NULL;
  j->probe = 1;
  j->timeout_ms = timeout;
  return queue(env, j, argv[0], argv[2]);
}

static napi_value library(napi_env env, napi_callback_info info) {
  int major, minor, patch;
  zmq_version(&major, &minor, &patch);
  char text[32];
  snprintf(text, sizeof text, "%d.%d.%d", major, minor, patch);
  napi_value obj, version, curve;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &version));
  CHECK(napi_get_boolean(env, zmq_has("curve"), &curve));
  napi_set_named_property(env, obj, "zmq", version);
  napi_set_named_property(env, obj, "curve", curve);
  return obj;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, open_ring, NULL, NULL, NULL, napi_default, NULL},       {"endpoint", NULL, endpoint, NULL, NULL, NULL, napi_default, NULL},
      {"connect", NULL, connect_ring, NULL, NULL, NULL, napi_default, NULL}, {"bind", NULL, bind_more, NULL, NULL, NULL, napi_default, NULL}, {"probe", NULL, probe, NULL, NULL, NULL, napi_default, NULL},
      {"run", NULL, run, NULL, NULL, NULL, napi_default, NULL},              {"progress", NULL, progress, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, cancel, NULL, NULL, NULL, napi_default, NULL},        {"close", NULL, close_ring, NULL, NULL, NULL, napi_default, NULL},
      {"library", NULL, library, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
