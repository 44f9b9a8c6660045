/*
 * Kernel socket buffers for the ring's Unix-socket connections. libzmq applies ZMQ_SNDBUF/ZMQ_RCVBUF to
 * TCP connections only: an ipc:// connection keeps the kernel default (net.core.wmem_default, 208 KiB
 * on Debian), so a 4 MiB segment to a same-host neighbour crossed in about twenty sends, each waking
 * both neighbours' I/O threads. A buffer watch follows one socket's connections through a ZeroMQ
 * socket monitor and gives every new Unix-socket connection the size asked for (capped by the kernel at
 * net.core.wmem_max / rmem_max).
 */
#ifndef ORQ_SOCKET_BUFFERS_H
#define ORQ_SOCKET_BUFFERS_H

#include <stddef.h>

typedef struct buffer_watch buffer_watch;

/* Starts watching `socket` (of `context`); call before it binds or connects. NULL with `err` on failure. */
buffer_watch *buffer_watch_start(void *context, void *socket, int bytes, char *err, size_t errlen);
/* Sizes the buffers of the connections made since the last call; never blocks. Returns how many. */
int buffer_watch_apply(buffer_watch *w);
/* Stops the monitor and frees the watch (NULL is fine). Before the socket closes. */
void buffer_watch_stop(buffer_watch *w);

#endif
