#!/usr/bin/env bash
# Fashion-MNIST for notebook 02. Keras downloads it where its server is reachable; offline, Debian's
# dataset-fashion-mnist package provides the original files (mnist_cnn checks their sha256).
# Installs that package when running as root on Debian/Ubuntu and the files are missing.
set -euo pipefail
dir=/usr/share/datasets/fashion-mnist
if [ -f "$dir/t10k-labels-idx1-ubyte.gz" ] || [ -n "${FASHION_MNIST_DIR:-}" ]; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's dataset-fashion-mnist (Fashion-MNIST for notebook 02)"
    if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq dataset-fashion-mnist >/dev/null; }; then
        echo "note: could not install dataset-fashion-mnist; notebook 02 will try Keras's download"
    fi
else
    echo "note: Fashion-MNIST (notebook 02) will come from Keras's download; offline, run" \
         "'sudo apt-get install dataset-fashion-mnist' or set FASHION_MNIST_DIR"
fi
