/* Sizes the kernel buffers of a ZeroMQ socket's Unix-socket connections (see socket-buffers.h). */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <zmq.h>
#include "socket-buffers.h"

struct buffer_watch {
  void *socket, *monitor;
  int bytes;
};

buffer_watch *buffer_watch_start(void *context, void *socket, int bytes, char *err, size_t errlen) {
  static atomic_uint next_id;
  char endpoint[64];
  snprintf(endpoint, sizeof endpoint, "inproc://orquesta-ring-buffers-%u", atomic_fetch_add(&next_id, 1));
  buffer_watch *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  w->socket = socket;
  w->bytes = bytes;
  if (zmq_socket_monitor(socket, endpoint, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_ACCEPTED) != 0) {
    snprintf(err, errlen, "cannot monitor the ring's socket: %s", zmq_strerror(zmq_errno()));
    free(w);
    return NULL;
  }
  /* Connected before the socket connects or accepts anything: a monitor drops events nobody listens to. */
  w->monitor = zmq_socket(context, ZMQ_PAIR);
  const int linger = 0;
  if (!w->monitor || zmq_setsockopt(w->monitor, ZMQ_LINGER, &linger, sizeof linger) != 0 || zmq_connect(w->monitor, endpoint) != 0) {
    snprintf(err, errlen, "cannot listen to the ring's socket monitor: %s", zmq_strerror(zmq_errno()));
    buffer_watch_stop(w);
    return NULL;
  }
  return w;
}

/* One monitor event (two frames: 16-bit event, 32-bit value, then the endpoint); 0 when none is waiting. */
static int next_event(buffer_watch *w, uint32_t *fd, int *unix_socket) {
  zmq_msg_t head, address;
  zmq_msg_init(&head);
  if (zmq_msg_recv(&head, w->monitor, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&head);
    return 0;
  }
  const int valid = zmq_msg_size(&head) == 6 && zmq_msg_more(&head);
  if (valid) memcpy(fd, (const uint8_t *)zmq_msg_data(&head) + 2, 4);
  zmq_msg_close(&head);
  zmq_msg_init(&address);
  *unix_socket = 0;
  if (valid && zmq_msg_recv(&address, w->monitor, 0) >= 0)
    *unix_socket = zmq_msg_size(&address) >= 6 && memcmp(zmq_msg_data(&address), "ipc://", 6) == 0;
  zmq_msg_close(&address);
  return 1;
}

int buffer_watch_apply(buffer_watch *w) {
  int sized = 0;
  uint32_t fd;
  int unix_socket;
  while (w && next_event(w, &fd, &unix_socket)) {
    if (!unix_socket) continue; /* libzmq sized it (TCP) */
    /* Best effort: a connection that is already gone (its number maybe reused) is left alone. */
    int domain = 0;
    socklen_t size = sizeof domain;
    if (getsockopt((int)fd, SOL_SOCKET, SO_DOMAIN, &domain, &size) != 0 || domain != AF_UNIX) continue;
    if (setsockopt((int)fd, SOL_SOCKET, SO_SNDBUF, &w->bytes, sizeof w->bytes) == 0 &&
        setsockopt((int)fd, SOL_SOCKET, SO_RCVBUF, &w->bytes, sizeof w->bytes) == 0)
      sized++;
  }
  return sized;
}

void buffer_watch_stop(buffer_watch *w) {
  if (!w) return;
  zmq_socket_monitor(w->socket, NULL, 0);
  if (w->monitor) zmq_close(w->monitor);
  free(w);
}
