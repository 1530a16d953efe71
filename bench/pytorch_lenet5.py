#!/usr/bin/env python3
"""PyTorch reference for chapter 8: the lecture's LeNet-5 with the parameter
names and layouts ch08_lenet5 uses (c1, c3, c5, f6, output), so a checkpoint
saved by ch08_lenet5 loads here with load_state_dict and the other way round.

Default: trains on one fixed minibatch of 28x28 images, repeated (SGD with
momentum 0.9, as ch08_lenet5's default), and prints the median images/s; then
the same for inference (forward and arg-max under torch.no_grad()).
PyTorch at its best: --layout auto (the default) first times a few steps in
each memory layout, NCHW (contiguous) and NHWC (torch.channels_last), and
measures in the faster one; on this machine channels_last trains about 40 %
faster. --layout contiguous or channels_last forces one.
bench/compare_lenet5.sh runs it beside bench_lenet5_train.
--checkpoint FILE.safetensors loads ch08_lenet5's weights and prints the
logits of a fixed input (and, with --data, the Fashion-MNIST test accuracy).

Run with Debian's interpreter: /usr/bin/python3 bench/pytorch_lenet5.py --threads 1
(for PyTorch at its best, set the environment as bench/compare_mlp.sh does).
"""
import argparse
import gzip
import json
import os
import statistics
import struct
import time

import torch
import torch.nn.functional as F


class LeNet5(torch.nn.Module):
    """28x28 input zero-padded to 32x32; conv 6@5x5, tanh, avg-pool 2, conv 16@5x5,
    tanh, avg-pool 2, conv 120@5x5, tanh, dense 84, tanh, dense 10 logits."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 6, 5)
        self.c3 = torch.nn.Conv2d(6, 16, 5)
        self.c5 = torch.nn.Conv2d(16, 120, 5)
        self.f6 = torch.nn.Linear(120, 84)
        self.output = torch.nn.Linear(84, 10)

    def forward(self, x):
        x = F.pad(x, (2, 2, 2, 2))
        x = F.avg_pool2d(torch.tanh(self.c1(x)), 2)
        x = F.avg_pool2d(torch.tanh(self.c3(x)), 2)
        x = torch.tanh(self.c5(x)).flatten(1)
        return self.output(torch.tanh(self.f6(x)))


def load_safetensors(path):
    """A float32-only safetensors reader (no dependency on the safetensors package)."""
    return load_safetensors_with_metadata(path)[0]


def load_safetensors_with_metadata(path):
    """The tensors of a float32 safetensors file, and its __metadata__ (a dict)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    state = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] != "F32":
            raise ValueError(f"{path}: {name}: dtype {e['dtype']}, expected F32")
        begin, end = e["data_offsets"]
        state[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(e["shape"])
    return state, header.get("__metadata__", {})


def load_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(dims)


def find(folder, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise FileNotFoundError(os.path.join(folder, stem))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--layout", choices=["auto", "contiguous", "channels_last"], default="auto",
                    help="memory layout of the activations and conv weights (auto: the faster one here)")
    ap.add_argument("--checkpoint", help="ch08_lenet5's model.safetensors: evaluate instead of timing")
    ap.add_argument("--data", help="folder with the Fashion-MNIST test files (with --checkpoint)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    net = LeNet5()
    print(f"LeNet-5: {sum(p.numel() for p in net.parameters())} parameters")

    if args.checkpoint:
        net.load_state_dict(load_safetensors(args.checkpoint))
        with torch.no_grad():
            x = torch.linspace(0, 1, 2 * 28 * 28).reshape(2, 1, 28, 28)
            print("logits of linspace(0, 1) images:", net(x))
            if args.data:
                images = load_idx(find(args.data, "t10k-images-idx3-ubyte")).float().div(255).unsqueeze(1)
                labels = load_idx(find(args.data, "t10k-labels-idx1-ubyte")).long()
                acc = (net(images).argmax(1) == labels).float().mean().item()
                print(f"test accuracy {100 * acc:.2f}% on {len(labels)} images")
        return

    x0 = torch.rand(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))
    formats = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}

    def setup(layout):
        """The network, its optimiser and the input in one memory layout."""
        model = LeNet5()
        model.load_state_dict(net.state_dict())
        model = model.to(memory_format=formats[layout])
        return model, torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9), \
            x0.contiguous(memory_format=formats[layout])

    def step_fn(model, opt, x):
        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return step

    def infer_fn(model, opt, x):
        def infer():
            with torch.no_grad():
                model(x).argmax(1)
        return infer

    def rates_of(fn, repeats, steps):
        for _ in range(10):
            fn()
        rates = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(steps):
                fn()
            rates.append(args.batch * steps / (time.perf_counter() - t0))
        return rates

    def measure(what, make):
        layout = args.layout
        if layout == "auto":
            # A short trial of each layout, alternated three times, then the
            # full measurement in the faster one.
            trial = {name: [] for name in formats}
            for _ in range(3):
                for name in formats:
                    trial[name] += rates_of(make(*setup(name)), 1, max(5, args.steps // 4))
            best = {name: statistics.median(r) for name, r in trial.items()}
            layout = max(best, key=best.get)
            print(f"torch LeNet-5 {what}: trial images/s " +
                  ", ".join(f"{name} {rate:.0f}" for name, rate in best.items()) + f" -> {layout}", flush=True)
        rates = rates_of(make(*setup(layout)), args.repeats, args.steps)
        print(f"torch LeNet-5 threads={args.threads} batch={args.batch} {what} images/s median "
              f"{statistics.median(rates):.0f}  (min {min(rates):.0f}, max {max(rates):.0f}, {args.repeats} repeats)"
              f"  layout {layout}  torch {torch.__version__}", flush=True)

    measure("training", step_fn)
    measure("inference", infer_fn)


if __name__ == "__main__":
    main()
