{
  # The Orquesta native ring: a ZeroMQ data plane for the collective's ring algorithms, in C over
  # Debian's libzmq (libzmq3-dev). Operations run on libuv's worker threads, receive into libzmq's own
  # message buffers, reduce into the caller's tensor with vector instructions and forward the received
  # buffers without copying.
  "targets": [
    {
      "target_name": "orquesta_ring",
      "sources": ["src/addon.c", "src/ring.c", "src/ring-wire.c", "src/zap.c", "src/reduce.c", "src/socket-buffers.c"],
      "libraries": ["-lzmq", "-lpthread"],
      "cflags": ["-std=gnu11", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["target_arch=='x64'", { "cflags": ["-mavx2"] }]
      ]
    }
  ]
}
