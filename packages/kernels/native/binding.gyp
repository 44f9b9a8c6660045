{
  # The Orquesta native kernels: an N-API addon over OpenBLAS plus small vector kernels.
  # Built for AVX2 + FMA on x86-64; hot loops carry an AVX-512 clone chosen at load time
  # (GCC target_clones), so one binary runs on any x86-64-v3 machine and uses AVX-512 where present.
  "targets": [
    {
      "target_name": "orquesta_kernels",
      "sources": [
        "src/addon.c",
        "src/args.c",
        "src/gemm.c",
        "src/reduce.c",
        "src/gather.c",
        "src/unary.c",
        "src/binary.c",
        "src/cast.c",
        "src/transpose.c",
        "src/keep-mask.c",
        "src/layer-norm.c",
        "src/softmax-xent.c",
        "src/adam.c"
      ],
      "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/openblas"],
      "libraries": ["-lopenblas", "-lm"],
      "cflags": ["-std=c11", "-O3", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["target_arch=='x64'", { "cflags": ["-mavx2", "-mfma"], "defines": ["ORQ_X86=1"] }]
      ]
    }
  ]
}
