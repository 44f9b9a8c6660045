#include <errno.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>
#include "ring-wire.h"
#include "ring.h"
#include "socket-buffers.h"

struct ring {
  ring_config cfg;
  void *context, *pull, *push;
  buffer_watch *pull_buffers, *push_buffers; /* sizes Unix-socket connections (libzmq sizes TCP ones) */
  zap_handler *zap;
  char endpoint[256];
  atomic_uint_fast64_t progress;
  atomic_int cancelled;
  atomic_int outstanding;
};

/* wire.ts OP_CODE, for messages. */
static const char *const OP_NAMES[] = {"connect", "allReduce", "broadcast", "allGather", "barrier", "reduceScatter", "shardGather"};
static const char *op_name(unsigned op) { return op < sizeof OP_NAMES / sizeof OP_NAMES[0] ? OP_NAMES[op] : "an unknown operation"; }

static int io_error(char *err, size_t errlen, const char *what) {
  snprintf(err, errlen, "%s: %s", what, zmq_strerror(zmq_errno()));
  return RING_IO;
}

static int set(void *socket, int option, const void *value, size_t size) { return zmq_setsockopt(socket, option, value, size); }
static int set_int(void *socket, int option, int value) { return zmq_setsockopt(socket, option, &value, sizeof value); }

/*
 * libzmq allocates a buffer for every message it receives. Keeping freed memory in the process
 * (instead of glibc returning it to the kernel and faulting it in again for the next message) makes
 * large all-reduces markedly cheaper; the same values as RECOMMENDED_RANK_ENV's GLIBC_TUNABLES.
 */
static void keep_freed_memory(void) {
  static int done = 0;
  if (done) return;
  done = 1;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

/* Kernel socket buffers of 4 MiB (capped by net.core.wmem_max / rmem_max): a segment crosses in fewer
 * wake-ups of the sender and receiver threads than with the 208 KiB default. ZMQ_SNDBUF/RCVBUF for TCP,
 * a buffer watch (socket-buffers.c) for Unix sockets. */
#define SOCKET_BUFFER_BYTES (4 << 20)

ring *ring_open(const ring_config *config, const char *bind_endpoint, char *err, size_t errlen) {
  keep_freed_memory();
  ring *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  r->cfg = *config;
  r->context = zmq_ctx_new();
  if (!r->context) {
    io_error(err, errlen, "cannot create a ZeroMQ context");
    free(r);
    return NULL;
  }
  zmq_ctx_set(r->context, ZMQ_IO_THREADS, 1);
  if (config->has_curve) {
    if (!zmq_has("curve")) {
      snprintf(err, errlen, "this libzmq has no CURVE support");
      goto fail;
    }
    r->zap = zap_start(r->context, config->client_key, err, errlen);
    if (!r->zap) goto fail;
  }
  r->pull = zmq_socket(r->context, ZMQ_PULL);
  r->push = zmq_socket(r->context, ZMQ_PUSH);
  if (!r->pull || !r->push) {
    io_error(err, errlen, "cannot create the ring's sockets");
    goto fail;
  }
  r->pull_buffers = buffer_watch_start(r->context, r->pull, SOCKET_BUFFER_BYTES, err, errlen);
  r->push_buffers = r->pull_buffers ? buffer_watch_start(r->context, r->push, SOCKET_BUFFER_BYTES, err, errlen) : NULL;
  if (!r->push_buffers) goto fail;
  const int64_t max_message = (int64_t)1 << 30;
  if (set_int(r->pull, ZMQ_RCVHWM, 0) || set_int(r->pull, ZMQ_LINGER, 0) || set_int(r->pull, ZMQ_RCVTIMEO, 50) ||
      set(r->pull, ZMQ_MAXMSGSIZE, &max_message, sizeof max_message) || set_int(r->push, ZMQ_SNDHWM, 0) || set_int(r->push, ZMQ_LINGER, 0) ||
      set_int(r->pull, ZMQ_RCVBUF, SOCKET_BUFFER_BYTES) || set_int(r->push, ZMQ_SNDBUF, SOCKET_BUFFER_BYTES)) {
    io_error(err, errlen, "cannot set socket options");
    goto fail;
  }
  if (config->has_curve) {
    if (set_int(r->pull, ZMQ_CURVE_SERVER, 1) || set(r->pull, ZMQ_CURVE_SECRETKEY, config->secret_key, 40) ||
        set(r->pull, ZMQ_ZAP_DOMAIN, "orquesta", 8) || set(r->push, ZMQ_CURVE_SERVERKEY, config->server_key, 40) ||
        set(r->push, ZMQ_CURVE_PUBLICKEY, config->public_key, 40) || set(r->push, ZMQ_CURVE_SECRETKEY, config->secret_key, 40)) {
      io_error(err, errlen, "cannot set the CURVE keys");
      goto fail;
    }
  }
  if (zmq_bind(r->pull, bind_endpoint) != 0) {
    char what[320];
    snprintf(what, sizeof what, "cannot listen on %s", bind_endpoint);
    io_error(err, errlen, what);
    goto fail;
  }
  size_t size = sizeof r->endpoint;
  if (zmq_getsockopt(r->pull, ZMQ_LAST_ENDPOINT, r->endpoint, &size) != 0) {
    io_error(err, errlen, "cannot read the bound endpoint");
    goto fail;
  }
  return r;
fail:
  ring_close(r);
  return NULL;
}

const char *ring_endpoint(const ring *r) { return r->endpoint; }

int ring_bind(ring *r, const char *endpoint, char *out, size_t outlen, char *err, size_t errlen) {
  if (zmq_bind(r->pull, endpoint) != 0) {
    char what[320];
    snprintf(what, sizeof what, "cannot listen on %s", endpoint);
    return io_error(err, errlen, what);
  }
  size_t size = outlen;
  if (zmq_getsockopt(r->pull, ZMQ_LAST_ENDPOINT, out, &size) != 0) return io_error(err, errlen, "cannot read the bound endpoint");
  return RING_OK;
}

int ring_connect(ring *r, const char *endpoint, char *err, size_t errlen) {
  if (zmq_connect(r->push, endpoint) != 0) {
    char what[320];
    snprintf(what, sizeof what, "cannot connect to %s", endpoint);
    return io_error(err, errlen, what);
  }
  return RING_OK;
}

uint64_t ring_progress(const ring *r) { return atomic_load(&r->progress); }
void ring_cancel(ring *r) { atomic_store(&r->cancelled, 1); }
int ring_outstanding(const ring *r) { return atomic_load(&r->outstanding); }

void ring_close(ring *r) {
  if (!r) return;
  buffer_watch_stop(r->pull_buffers);
  buffer_watch_stop(r->push_buffers);
  if (r->pull) zmq_close(r->pull);
  if (r->push) zmq_close(r->push);
  zap_stop(r->zap);
  if (r->context) zmq_ctx_term(r->context);
  free(r);
}

static void released(void *data, void *hint) { atomic_fetch_sub(&((ring *)hint)->outstanding, 1); }

static int send_part(ring *r, zmq_msg_t *m, int flags, char *err, size_t errlen) {
  while (zmq_msg_send(m, r->push, flags) < 0) {
    if (zmq_errno() == EINTR) continue;
    zmq_msg_close(m);
    return io_error(err, errlen, "send failed");
  }
  return RING_OK;
}

static int send_header(ring *r, const ring_op *op, int kind, int step, size_t offset, size_t count, char *err, size_t errlen) {
  zmq_msg_t head;
  zmq_msg_init_size(&head, HEADER_BYTES);
  const wire_header h = {
      .magic = WIRE_MAGIC,
      .version = (uint8_t)r->cfg.wire_version,
      .kind = (uint8_t)kind,
      .op = op ? op->op_code : 0,
      .dtype = DTYPE_F32,
      .sender = (uint32_t)r->cfg.self,
      .seq = op ? op->seq : 0,
      .step = (uint32_t)step + (op ? op->step_base : 0),
      .offset = (uint32_t)offset,
      .count = (uint32_t)count,
      .total = op ? (uint32_t)op->length : 0,
      .aux = op ? 0 : (uint32_t)r->cfg.size,
  };
  wire_encode(zmq_msg_data(&head), &h, op ? op->trace : NULL);
  return send_part(r, &head, ZMQ_SNDMORE, err, errlen);
}

/* Sends [start, end) of the caller's tensor without copying, in segments (one empty one if start = end). */
static int send_range(ring *r, const ring_op *op, int step, size_t start, size_t end, size_t segment, char *err, size_t errlen) {
  if (start == end) {
    zmq_msg_t empty;
    zmq_msg_init(&empty);
    int rc = send_header(r, op, KIND_DATA, step, start, 0, err, errlen);
    return rc ? (zmq_msg_close(&empty), rc) : send_part(r, &empty, 0, err, errlen);
  }
  for (size_t pos = start; pos < end; pos += segment) {
    const size_t count = end - pos < segment ? end - pos : segment;
    int rc = send_header(r, op, KIND_DATA, step, pos, count, err, errlen);
    if (rc) return rc;
    zmq_msg_t body;
    atomic_fetch_add(&r->outstanding, 1);
    if (zmq_msg_init_data(&body, op->data + pos, count * 4, released, r) != 0) {
      atomic_fetch_sub(&r->outstanding, 1);
      return io_error(err, errlen, "cannot wrap a segment");
    }
    rc = send_part(r, &body, 0, err, errlen);
    if (rc) return rc;
  }
  return RING_OK;
}

/*
 * The next message from the pull socket: its header decoded into *h (when it has 64 bytes) and its
 * payload in *payload (initialized; the caller closes it). Waits in 50 ms slices, checking for
 * cancellation; gives up at `deadline_ms` (CLOCK_MONOTONIC ms; 0 = never) with RING_TIMEOUT.
 */
static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A further part of a message being received (already here: libzmq delivers the parts of a message together). */
static int recv_part(ring *r, zmq_msg_t *m, int *more) {
  while (zmq_msg_recv(m, r->pull, 0) < 0)
    if (zmq_errno() != EAGAIN && zmq_errno() != EINTR) return -1;
  *more = zmq_msg_more(m);
  return 0;
}

static int receive(ring *r, wire_header *h, int *well_formed, zmq_msg_t *payload, double deadline_ms, char *err, size_t errlen) {
  for (;;) {
    if (atomic_load(&r->cancelled)) return RING_CANCELLED;
    zmq_msg_t head;
    zmq_msg_init(&head);
    if (zmq_msg_recv(&head, r->pull, 0) < 0) {
      const int e = zmq_errno();
      zmq_msg_close(&head);
      if (e == EAGAIN || e == EINTR) {
        if (deadline_ms > 0 && now_ms() > deadline_ms) return RING_TIMEOUT;
        continue;
      }
      return io_error(err, errlen, "receive failed");
    }
    atomic_fetch_add(&r->progress, 1);
    int more = zmq_msg_more(&head);
    *well_formed = zmq_msg_size(&head) == HEADER_BYTES && more;
    if (zmq_msg_size(&head) == HEADER_BYTES) wire_decode(zmq_msg_data(&head), h);
    zmq_msg_close(&head);
    zmq_msg_init(payload);
    if (more && recv_part(r, payload, &more) != 0) {
      zmq_msg_close(payload);
      return io_error(err, errlen, "receive failed");
    }
    while (more) { /* the parts of a message arrive together; parts beyond the second are dropped */
      zmq_msg_t extra;
      zmq_msg_init(&extra);
      const int failed = recv_part(r, &extra, &more);
      zmq_msg_close(&extra);
      if (failed) {
        zmq_msg_close(payload);
        return io_error(err, errlen, "receive failed");
      }
      *well_formed = 0;
    }
    return RING_OK;
  }
}

static int mismatch(char *err, size_t errlen, const char *format, ...) __attribute__((format(printf, 3, 4)));
static int mismatch(char *err, size_t errlen, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(err, errlen, format, args);
  va_end(args);
  return RING_MISMATCH;
}

/* The checks of op-channel.ts (mismatch, misplaced) on a received data frame. */
static int check(const ring *r, const ring_op *op, const wire_header *h, int well_formed, size_t payload_bytes, int step, size_t offset, size_t end,
                 char *err, size_t errlen) {
  const int left = r->cfg.left;
  if (!well_formed || h->magic != WIRE_MAGIC) return mismatch(err, errlen, "rank %d sent a frame that is not a collective message", left);
  if (h->version != r->cfg.wire_version)
    return mismatch(err, errlen, "rank %d speaks wire version %u, this rank %d", left, h->version, r->cfg.wire_version);
  if (h->kind != KIND_DATA) return mismatch(err, errlen, "rank %d sent a message of kind %u on the data plane", left, h->kind);
  if ((int)h->sender != left) return mismatch(err, errlen, "data from rank %u, which is not the left neighbour %d", h->sender, left);
  if (h->seq != op->seq)
    return mismatch(err, errlen, "rank %d sent a frame of operation #%llu during #%llu", left, (unsigned long long)h->seq, (unsigned long long)op->seq);
  if (h->op != op->op_code) return mismatch(err, errlen, "rank %d called %s, this rank %s", left, op_name(h->op), op_name(op->op_code));
  if (h->dtype != DTYPE_F32) return mismatch(err, errlen, "rank %d sends fp16 elements (compression differs)", left);
  if (h->total != op->length) return mismatch(err, errlen, "rank %d passed %u elements, this rank %zu", left, h->total, op->length);
  if (h->step != (uint32_t)step + op->step_base || h->offset != offset)
    return mismatch(err, errlen, "rank %d is out of order: step %u offset %u, expected step %u offset %zu", left, h->step, h->offset,
                    (uint32_t)step + op->step_base, offset);
  const int empty = end == offset;
  if (empty ? h->count != 0 : h->count == 0 || offset + h->count > end)
    return mismatch(err, errlen, "rank %d sent a segment of %u elements at %zu in a range ending at %zu", left, h->count, offset, end);
  if (payload_bytes != (size_t)h->count * 4)
    return mismatch(err, errlen, "rank %d sent %zu payload bytes for %u elements", left, payload_bytes, h->count);
  return RING_OK;
}

static size_t chunk_start(size_t length, int n, int i) {
  const size_t base = length / (size_t)n, extra = length % (size_t)n;
  return (size_t)i * base + ((size_t)i < extra ? (size_t)i : extra);
}

static int mod(int i, int n) { return ((i % n) + n) % n; }

int ring_run(ring *r, const ring_op *op, char *err, size_t errlen) {
  const int n = r->cfg.size, me = r->cfg.position;
  if (n == 1) return RING_OK;
  if (atomic_load(&r->cancelled)) return RING_CANCELLED;
  buffer_watch_apply(r->pull_buffers);
  buffer_watch_apply(r->push_buffers);
  const size_t len = op->length, segment = op->segment > 0 ? op->segment : 1;
  const int sent = mod(me - op->first, n);
  int rc = send_range(r, op, op->first, chunk_start(len, n, sent), chunk_start(len, n, sent + 1), segment, err, errlen);
  for (int t = op->first; rc == RING_OK && t <= op->last; t++) {
    const int c = mod(me - t - 1, n);
    const size_t end = chunk_start(len, n, c + 1);
    size_t pos = chunk_start(len, n, c);
    do {
      wire_header h;
      int well_formed;
      zmq_msg_t payload;
      rc = receive(r, &h, &well_formed, &payload, 0, err, errlen);
      if (rc) break;
      rc = check(r, op, &h, well_formed, zmq_msg_size(&payload), t, pos, end, err, errlen);
      if (rc) {
        zmq_msg_close(&payload);
        break;
      }
      float *in = zmq_msg_data(&payload), *local = op->data + pos;
      const size_t count = h.count;
      if (t < n - 2) ring_add_into(in, local, count);
      else if (t == n - 2) ring_sum_into_local(in, local, count);
      else if (count > 0) memcpy(local, in, count * 4);
      if (t == n - 2) {
        /* The finished sum is in the tensor: send it from there (without copying) and free the buffer. */
        zmq_msg_close(&payload);
        if (t < op->last) rc = send_range(r, op, t + 1, pos, pos + count, count > 0 ? count : 1, err, errlen);
      } else if (t < op->last) {
        rc = send_header(r, op, KIND_DATA, t + 1, pos, count, err, errlen);
        if (rc == RING_OK) rc = send_part(r, &payload, 0, err, errlen);
        else zmq_msg_close(&payload);
      } else zmq_msg_close(&payload);
      pos += count;
    } while (rc == RING_OK && pos < end);
  }
  /* The caller may change its tensor once we return: wait until ZeroMQ let go of the segments it sent. */
  while (rc == RING_OK && atomic_load(&r->outstanding) > 0) {
    if (atomic_load(&r->cancelled)) return RING_CANCELLED;
    const struct timespec pause = {0, 20000};
    nanosleep(&pause, NULL);
  }
  return rc;
}

int ring_probe(ring *r, int timeout_ms, char *err, size_t errlen) {
  zmq_msg_t empty;
  zmq_msg_init(&empty);
  int rc = send_header(r, NULL, KIND_HELLO, 0, 0, 0, err, errlen);
  if (rc) {
    zmq_msg_close(&empty);
    return rc;
  }
  rc = send_part(r, &empty, 0, err, errlen);
  if (rc) return rc;
  wire_header h;
  int well_formed;
  zmq_msg_t payload;
  rc = receive(r, &h, &well_formed, &payload, now_ms() + timeout_ms, err, errlen);
  if (rc == RING_TIMEOUT) {
    snprintf(err, errlen, "no hello from rank %d on the data plane within %d ms", r->cfg.left, timeout_ms);
    return rc;
  }
  if (rc) return rc;
  zmq_msg_close(&payload);
  if (!well_formed || h.magic != WIRE_MAGIC || h.kind != KIND_HELLO || (int)h.sender != r->cfg.left || h.version != r->cfg.wire_version ||
      (int)h.aux != r->cfg.size)
    return mismatch(err, errlen, "rank %d answered the data plane's hello with an unexpected frame (sender %u, wire version %u, ring of %u)", r->cfg.left,
                    h.sender, h.version, h.aux);
  return RING_OK;
}
