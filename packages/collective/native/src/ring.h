/*
 * One rank's place in a ring of the native data plane: a PULL socket that receives from the left
 * neighbour and a PUSH socket connected to the right one, in a ZeroMQ context of their own.
 *
 * Operations (ring_run) run the steps of the ring all-reduce of ring-all-reduce.ts, on whatever
 * thread calls them (libuv's workers), one at a time: the same chunks, segments, step numbers and
 * summation order, so results are bit-identical to the TypeScript ring. Frames are the collective's
 * wire format (wire.ts): a 64-byte header and a payload of little-endian float32 elements.
 */
#ifndef ORQ_RING_H
#define ORQ_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>

/* Outcomes of ring_run and ring_probe. */
enum {
  RING_OK = 0,
  RING_CANCELLED = 1, /* ring_cancel was called (the group failed or closes) */
  RING_MISMATCH = 2,  /* the left neighbour sent a frame this operation did not expect (detail says which) */
  RING_IO = 3,        /* a ZeroMQ call failed */
  RING_TIMEOUT = 4    /* ring_probe: nothing arrived in time */
};

typedef struct {
  int self;     /* this rank's number in the whole group (the sender field of our frames) */
  int left;     /* the group rank we receive from */
  int right;    /* the group rank we send to */
  int position; /* our place in this ring, 0..size-1: chunk arithmetic is relative to it */
  int size;     /* ranks in this ring */
  int wire_version;
  int has_curve;
  char public_key[41];  /* Z85 */
  char secret_key[41];  /* Z85 */
  char server_key[41];  /* the right neighbour's public key (Z85) */
  uint8_t client_key[32]; /* the only key allowed to connect: the left neighbour's */
} ring_config;

typedef struct {
  float *data;
  size_t length;       /* elements of the whole tensor */
  int first, last;     /* ring steps to run (ring-all-reduce.ts numbering) */
  uint32_t step_base;  /* added to the step numbers on the wire (several rings' steps in one operation) */
  uint64_t seq;        /* the group's operation number */
  uint8_t op_code;     /* wire.ts OP_CODE of the operation */
  size_t segment;      /* elements per segment (segmentLength of the TypeScript side) */
  uint8_t trace[24];   /* trace context stamped into every header, zero for none */
} ring_op;

typedef struct ring ring;

/* Opens the sockets and binds `bind_endpoint` (tcp://HOST:* picks a port). NULL with `err` on failure. */
ring *ring_open(const ring_config *config, const char *bind_endpoint, char *err, size_t errlen);
/* The endpoint the PULL socket is bound to (the port resolved). */
const char *ring_endpoint(const ring *r);
/* Binds the PULL socket to one more endpoint (the left neighbour connects to one of them); its resolved
 * address goes to `out`. RING_IO with `err` on failure. */
int ring_bind(ring *r, const char *endpoint, char *out, size_t outlen, char *err, size_t errlen);
/* Connects the PUSH socket to the right neighbour's endpoint. RING_IO with `err` on failure. */
int ring_connect(ring *r, const char *endpoint, char *err, size_t errlen);
/* Sends a hello to the right neighbour and waits up to timeout_ms for the left one's. */
int ring_probe(ring *r, int timeout_ms, char *err, size_t errlen);
/* Runs one operation. On RING_MISMATCH `err` names what the left neighbour sent. */
int ring_run(ring *r, const ring_op *op, char *err, size_t errlen);
/* Messages received since the ring opened (progress for the caller's watchdog). Any thread. */
uint64_t ring_progress(const ring *r);
/* Makes the running (and every later) operation return RING_CANCELLED within ~50 ms. Any thread. */
void ring_cancel(ring *r);
/* Zero-copy sends of the caller's memory that ZeroMQ has not released yet. */
int ring_outstanding(const ring *r);
/* Closes the sockets (pending messages dropped) and the context. Not while an operation runs. */
void ring_close(ring *r);

/* Reduction kernels (reduce.c); the pointers need no alignment. */
void ring_add_into(float *dst, const float *src, size_t n);
/* local = in + local (the operands in ring_add_into's order, so the bits are the same). */
void ring_sum_into_local(const float *in, float *local, size_t n);

/* The ZAP handler (zap.c): answers CURVE authentication requests of `context`, allowing one key. */
typedef struct zap_handler zap_handler;
zap_handler *zap_start(void *context, const uint8_t key[32], char *err, size_t errlen);
void zap_stop(zap_handler *z);

#endif
