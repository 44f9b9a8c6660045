#include <string.h>
#include "ring-wire.h"

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

void wire_encode(uint8_t out[HEADER_BYTES], const wire_header *h, const uint8_t trace[24]) {
  put32(out, h->magic);
  out[4] = h->version;
  out[5] = h->kind;
  out[6] = h->op;
  out[7] = h->dtype;
  put32(out + 8, h->sender);
  put32(out + 12, (uint32_t)h->seq);
  put32(out + 16, (uint32_t)(h->seq >> 32));
  put32(out + 20, h->step);
  put32(out + 24, h->offset);
  put32(out + 28, h->count);
  put32(out + 32, h->total);
  put32(out + 36, h->aux);
  if (trace) memcpy(out + TRACE_OFFSET, trace, 24);
  else memset(out + TRACE_OFFSET, 0, 24);
}

void wire_decode(const uint8_t in[HEADER_BYTES], wire_header *h) {
  h->magic = get32(in);
  h->version = in[4];
  h->kind = in[5];
  h->op = in[6];
  h->dtype = in[7];
  h->sender = get32(in + 8);
  h->seq = (uint64_t)get32(in + 12) | (uint64_t)get32(in + 16) << 32;
  h->step = get32(in + 20);
  h->offset = get32(in + 24);
  h->count = get32(in + 28);
  h->total = get32(in + 32);
  h->aux = get32(in + 36);
}
