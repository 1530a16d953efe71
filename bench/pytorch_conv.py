#!/usr/bin/env python3
"""PyTorch reference for bench_conv: conv2d forward + backward (gradients of
the weights, the bias and the input) on the AlexNet conv1-3 shapes, batch 1
by default; prints the median milliseconds over the repeats per layer.

Run with Debian's interpreter: /usr/bin/python3 bench/pytorch_conv.py --threads 1
For PyTorch at its best on this machine, bench/compare_conv.sh unsets
OPENBLAS_CORETYPE, sets OPENBLAS_NUM_THREADS to the thread count and preloads
tcmalloc (libtcmalloc-minimal4). torch.nn.functional.conv2d on CPU goes to
oneDNN (mkldnn) when PyTorch was built with it, to its own im2col + BLAS
otherwise; the line printed says which backends are available.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F

LAYERS = [  # name, C, H, W, K, F, stride, pad
    ("conv1", 3, 227, 227, 96, 11, 4, 0),
    ("conv2", 96, 27, 27, 256, 5, 1, 2),
    ("conv3", 256, 13, 13, 384, 3, 1, 1),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for name, c, h, w, k, f, stride, pad in LAYERS:
        x = torch.rand(args.batch, c, h, w, requires_grad=True)
        weight = torch.rand(k, c, f, f, requires_grad=True)
        bias = torch.rand(k, requires_grad=True)
        with torch.no_grad():
            g = torch.rand_like(F.conv2d(x, weight, bias, stride=stride, padding=pad))

        def step():
            x.grad = weight.grad = bias.grad = None
            y = F.conv2d(x, weight, bias, stride=stride, padding=pad)
            y.backward(g)

        def forward():
            with torch.no_grad():
                F.conv2d(x, weight, bias, stride=stride, padding=pad)

        def times(fn):
            for _ in range(3):
                fn()
            t = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                fn()
                t.append(1e3 * (time.perf_counter() - t0))
            return sorted(t)

        t = times(step)
        fwd = times(forward)
        print(f"torch layer={name} threads={args.threads} batch={args.batch}  fwd+bwd ms median "
              f"{statistics.median(t):.3f}  (min {t[0]:.3f}, max {t[-1]:.3f}; forward alone "
              f"{statistics.median(fwd):.3f})  torch {torch.__version__} mkldnn="
              f"{torch.backends.mkldnn.is_available()}")


if __name__ == "__main__":
    main()
