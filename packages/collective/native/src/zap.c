/*
 * A ZAP handler (ZeroMQ RFC 27) on its own thread: CURVE connections to the ring's sockets are
 * accepted only from the one public key allowed (the left neighbour's); every other is refused.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "ring.h"

struct zap_handler {
  void *socket;
  pthread_t thread;
  atomic_int stop;
  uint8_t key[32];
};

static void reply(void *s, const char *frames[6], const size_t sizes[6]) {
  for (int i = 0; i < 6; i++) zmq_send(s, frames[i], sizes[i], i < 5 ? ZMQ_SNDMORE : 0);
}

static void *serve(void *arg) {
  zap_handler *z = arg;
  while (!atomic_load(&z->stop)) {
    /* request: version, request id, domain, address, routing id, mechanism, credentials... */
    zmq_msg_t parts[8];
    int count = 0, more = 1, failed = 0;
    while (more) {
      zmq_msg_t m;
      zmq_msg_init(&m);
      if (zmq_msg_recv(&m, z->socket, 0) < 0) {
        zmq_msg_close(&m);
        failed = 1;
        break;
      }
      more = zmq_msg_more(&m);
      if (count < 8) parts[count++] = m;
      else zmq_msg_close(&m);
    }
    if (failed) {
      for (int i = 0; i < count; i++) zmq_msg_close(&parts[i]);
      if (errno == EAGAIN || errno == EINTR) continue;
      break; /* the context is terminating */
    }
    int allowed = count >= 7 && zmq_msg_size(&parts[5]) == 5 && memcmp(zmq_msg_data(&parts[5]), "CURVE", 5) == 0 &&
                  zmq_msg_size(&parts[6]) == 32 && memcmp(zmq_msg_data(&parts[6]), z->key, 32) == 0;
    const char *frames[6] = {"1.0", count > 1 ? zmq_msg_data(&parts[1]) : "", allowed ? "200" : "400", allowed ? "OK" : "key not allowed", "", ""};
    size_t sizes[6] = {3, count > 1 ? zmq_msg_size(&parts[1]) : 0, 3, allowed ? 2 : 15, 0, 0};
    reply(z->socket, frames, sizes);
    for (int i = 0; i < count; i++) zmq_msg_close(&parts[i]);
  }
  return NULL;
}

zap_handler *zap_start(void *context, const uint8_t key[32], char *err, size_t errlen) {
  zap_handler *z = calloc(1, sizeof *z);
  if (!z) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  memcpy(z->key, key, 32);
  z->socket = zmq_socket(context, ZMQ_REP);
  int timeout = 100, linger = 0;
  if (!z->socket || zmq_setsockopt(z->socket, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0 ||
      zmq_setsockopt(z->socket, ZMQ_LINGER, &linger, sizeof linger) != 0 || zmq_bind(z->socket, "inproc://zeromq.zap.01") != 0) {
    snprintf(err, errlen, "cannot start the ZAP handler: %s", zmq_strerror(zmq_errno()));
    if (z->socket) zmq_close(z->socket);
    free(z);
    return NULL;
  }
  if (pthread_create(&z->thread, NULL, serve, z) != 0) {
    snprintf(err, errlen, "cannot start the ZAP thread");
    zmq_close(z->socket);
    free(z);
    return NULL;
  }
  return z;
}

void zap_stop(zap_handler *z) {
  if (!z) return;
  atomic_store(&z->stop, 1);
  pthread_join(z->thread, NULL);
  zmq_close(z->socket);
  free(z);
}
