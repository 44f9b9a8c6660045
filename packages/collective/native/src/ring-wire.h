/* The collective's frame header (wire.ts): 64 little-endian bytes. */
#ifndef ORQ_RING_WIRE_H
#define ORQ_RING_WIRE_H

#include <stdint.h>

#define WIRE_MAGIC 0x4351524fu /* 'ORQC' */
#define HEADER_BYTES 64
#define TRACE_OFFSET 40
#define KIND_DATA 1
#define KIND_HELLO 2
#define DTYPE_F32 0

typedef struct {
  uint32_t magic;
  uint8_t version, kind, op, dtype;
  uint32_t sender;
  uint64_t seq;
  uint32_t step, offset, count, total, aux;
} wire_header;

void wire_encode(uint8_t out[HEADER_BYTES], const wire_header *h, const uint8_t trace[24]);
void wire_decode(const uint8_t in[HEADER_BYTES], wire_header *h);

#endif
