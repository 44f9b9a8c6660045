#!/usr/bin/env bash
# System packages the test suite needs on Debian/Ubuntu (run as root or with sudo available):
#   python3-torch, python3-numpy  PyTorch references: model parity check and benchmark peers
#   libopenblas0-pthread          a fast BLAS for PyTorch on CPU
#   libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri
#                                 Mesa's OpenGL ES, which the webgpu backend (Dawn) runs on without a GPU
set -euo pipefail
packages=(python3-torch python3-numpy libopenblas0-pthread libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri)
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
