#!/usr/bin/env bash
# System packages for Orquesta on Debian/Ubuntu (run as root or with sudo available).
#   bash tools/setup-system.sh --runtime   what training needs: a C toolchain, OpenBLAS and libzmq, so that
#                                          `npm ci` builds the native kernels (backend wasm-native) and
#                                          the native ring (the collective's ZeroMQ data plane in C)
#   bash tools/setup-system.sh             all of that, plus what the test suite uses:
#
#   build-essential, python3       compiler, make and the Python that node-gyp runs
#   libopenblas-dev                OpenBLAS headers and the pthread library (libopenblas0-pthread)
#   libzmq3-dev                    libzmq's headers and library (libzmq5) for the native ring
#   python3-torch, python3-numpy   PyTorch references: model parity check and benchmark peers
#   libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri
#                                  Mesa's OpenGL ES, which the webgpu backend (Dawn) runs on without a GPU
#   slurm-wlm, munge               a real Slurm for the Slurm launcher tests (infra/slurm/slurm-up.sh)
#   iproute2                       network namespaces as hosts for the multi-host tests (infra/netns)
#   prometheus                     scrapes the coordinator's /metrics in the telemetry test
#   chromium                       the headless browser of the dashboard test (driven by playwright-core)
set -euo pipefail
packages=(build-essential python3 libopenblas-dev libzmq3-dev)
case "${1:-}" in
  --runtime) ;;
  "") packages+=(python3-torch python3-numpy libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri slurm-wlm munge iproute2 prometheus chromium) ;;
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  *) echo "setup-system.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${packages[*]})"
  exit 0
fi
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "system packages: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
