#!/usr/bin/env python3
"""PyTorch reference for bench_mlp_train: the chapter-5 MLP (784-256-128-10,
ReLU, softmax cross-entropy, SGD with momentum 0.9) trained on one fixed
minibatch, repeated; prints the median images/s over the repeats.

Run with Debian's interpreter: /usr/bin/python3 bench/pytorch_mlp.py --threads 1
For PyTorch at its best on this machine, bench/compare_mlp.sh unsets
OPENBLAS_CORETYPE, sets OPENBLAS_NUM_THREADS to the thread count and preloads
tcmalloc (libtcmalloc-minimal4).
"""
import argparse
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.rand(args.batch, 784)
    y = torch.randint(0, 10, (args.batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(20):
        step()
    rates = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            step()
        rates.append(args.batch * args.steps / (time.perf_counter() - t0))
    print(f"torch threads={args.threads} batch={args.batch} optimizer=sgd-momentum  images/s median "
          f"{statistics.median(rates):.0f}  (min {min(rates):.0f}, max {max(rates):.0f}, {args.repeats} repeats)"
          f"  torch {torch.__version__}")


if __name__ == "__main__":
    main()
