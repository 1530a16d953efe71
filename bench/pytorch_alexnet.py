#!/usr/bin/env python3
"""PyTorch reference for chapter 9: AlexNet with the parameter names and
layouts ch09_alexnet uses (conv1 ... conv5, fc6, fc7, fc8), so a checkpoint
saved by ch09_alexnet loads here with load_state_dict.

The network: conv1 96 11x11 /4, relu, max-pool 3x3 /2, LRN; conv2 256 5x5
pad 2 (groups), relu, max-pool, LRN; conv3 384 3x3 pad 1, relu; conv4 384
(groups), relu; conv5 256 (groups), relu, max-pool; flatten; dropout, fc6
4096, relu; dropout, fc7 4096, relu; fc8. LRN is the paper's k = 2, n = 5,
alpha = 1e-4, beta = 0.75: PyTorch's LocalResponseNorm divides its alpha by
n, so it is given alpha = 5e-4.

Modes:
  (default)     time training steps (SGD, momentum 0.9, lr 0.01, weight
                decay 5e-4) and inference (forward, arg-max, no_grad) of the
                full-size network (3x227x227, 1000 classes) on one fixed
                batch, and print the median images/s. --layout auto (the
                default) first times a few steps in NCHW (contiguous) and in
                NHWC (channels_last) and measures in the faster one.
  --memory      training steps only, then the peak resident memory (MiB).
  --checkpoint  ch09_alexnet's model.safetensors: rebuild the network from
                its metadata and evaluate it on the Fashion-MNIST test set
                (--data) with the same preprocessing: bilinear resize of the
                28x28 image to the metadata's resize (align_corners=False),
                the centre 227x227 crop, the grey channel repeated to the
                input channels.

bench/compare_alexnet.sh runs it beside bench_alexnet_train. Run with
Debian's interpreter: /usr/bin/python3 bench/pytorch_alexnet.py --threads 1
(for PyTorch at its best, set the environment as bench/compare_lib.sh does).
"""
import argparse
import math
import resource
import statistics

import torch
import torch.nn.functional as F

import pytorch_timing as timing
from pytorch_lenet5 import find, load_idx
from pytorch_lenet5 import load_safetensors_with_metadata as load_safetensors  # (tensors, metadata)

# The paper's LRN constants; torch.nn.LocalResponseNorm computes
# b = a / (k + alpha/n * sum a^2)^beta, so it is given n * alpha.
LRN_SIZE, LRN_ALPHA, LRN_BETA, LRN_K = 5, 1e-4, 0.75, 2.0


def widths(width, groups):
    """conv1 ... conv5 and fc6/fc7 after the width multiplier, as ch09/alexnet.cpp's
    alexnet_widths: each conv width rounded (half away from zero) to whole groups."""
    def rounded(v):
        return int(math.floor(v + 0.5))
    return ([max(1, rounded(n * width / groups)) * groups for n in (96, 256, 384, 384, 256)],
            max(1, rounded(4096 * width)))


class AlexNet(torch.nn.Module):
    def __init__(self, in_channels=3, classes=1000, width=1.0, groups=1, dropout=0.5):
        super().__init__()
        c, fc = widths(width, groups)
        self.conv1 = torch.nn.Conv2d(in_channels, c[0], 11, stride=4)
        self.conv2 = torch.nn.Conv2d(c[0], c[1], 5, padding=2, groups=groups)
        self.conv3 = torch.nn.Conv2d(c[1], c[2], 3, padding=1)
        self.conv4 = torch.nn.Conv2d(c[2], c[3], 3, padding=1, groups=groups)
        self.conv5 = torch.nn.Conv2d(c[3], c[4], 3, padding=1, groups=groups)
        self.fc6 = torch.nn.Linear(c[4] * 6 * 6, fc)
        self.fc7 = torch.nn.Linear(fc, fc)
        self.fc8 = torch.nn.Linear(fc, classes)
        self.lrn = torch.nn.LocalResponseNorm(LRN_SIZE, alpha=LRN_SIZE * LRN_ALPHA, beta=LRN_BETA, k=LRN_K)
        self.dropout = dropout

    def forward(self, x):
        x = self.lrn(F.max_pool2d(F.relu(self.conv1(x)), 3, 2))
        x = self.lrn(F.max_pool2d(F.relu(self.conv2(x)), 3, 2))
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = F.max_pool2d(F.relu(self.conv5(x)), 3, 2).flatten(1)
        x = F.relu(self.fc6(F.dropout(x, self.dropout, self.training)))
        x = F.relu(self.fc7(F.dropout(x, self.dropout, self.training)))
        return self.fc8(x)


def model_from(state, meta):
    """The AlexNet a ch09_alexnet checkpoint describes (its metadata: width,
    groups; the tensors: input channels, classes), its weights loaded (strict)."""
    if meta.get("model") != "alexnet":
        raise ValueError(f"the metadata says model={meta.get('model')!r}, expected 'alexnet'")
    net = AlexNet(state["conv1.weight"].shape[1], state["fc8.weight"].shape[0], float(meta["width"]),
                  int(meta["groups"]), float(meta.get("dropout", 0.5)))
    net.load_state_dict({k: v for k, v in state.items() if not k.startswith("optimizer.")})
    return net


def preprocess(pixels, resize, image, channels):
    """float (N, H, W) in [0, 1] -> (N, channels, image, image): bilinear
    resize to resize x resize, the centre crop, the grey channel repeated."""
    x = pixels.unsqueeze(1)
    if resize != x.shape[-1]:
        x = F.interpolate(x, size=(resize, resize), mode="bilinear", align_corners=False)
    top = (resize - image) // 2
    x = x[:, :, top:top + image, top:top + image]
    return x.expand(-1, channels, -1, -1).contiguous()


def evaluate(args):
    state, meta = load_safetensors(args.checkpoint)
    print("metadata:", ", ".join(f"{k}={v}" for k, v in sorted(meta.items())))
    net = model_from(state, meta)
    net.eval()
    channels = state["conv1.weight"].shape[1]
    resize, image = int(meta["resize"]), int(meta["image"])
    images = load_idx(find(args.data, "t10k-images-idx3-ubyte"))
    labels = load_idx(find(args.data, "t10k-labels-idx1-ubyte")).long()
    correct = 0
    with torch.no_grad():
        for begin in range(0, len(labels), args.batch):
            x = preprocess(images[begin:begin + args.batch].float().div(255), resize, image, channels)
            correct += (net(x).argmax(1) == labels[begin:begin + args.batch]).sum().item()
    print(f"PyTorch {torch.__version__} on {args.checkpoint}: test accuracy {100 * correct / len(labels):.2f}% "
          f"({correct} of {len(labels)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--layout", choices=["auto", "contiguous", "channels_last"], default="auto",
                    help="memory layout of the activations and conv weights (auto: the faster one here)")
    ap.add_argument("--memory", action="store_true", help="training only, then the peak resident memory")
    ap.add_argument("--only", choices=["training", "inference"], help="time only training or only inference")
    ap.add_argument("--checkpoint", help="ch09_alexnet's model.safetensors: evaluate instead of timing")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                    help="folder with the Fashion-MNIST test files (with --checkpoint)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    if args.checkpoint:
        evaluate(args)
        return

    x0 = torch.rand(args.batch, 3, 227, 227)
    y = torch.randint(0, 1000, (args.batch,))
    net = AlexNet()

    def setup(layout):
        model = AlexNet()
        model.load_state_dict(net.state_dict())
        model = model.to(memory_format=timing.FORMATS[layout])
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
        return model, opt, x0.contiguous(memory_format=timing.FORMATS[layout])

    if args.memory:
        # A trial of both layouts would leave its own peak behind: use the one given (auto: channels_last,
        # the faster for training here).
        layout = "channels_last" if args.layout == "auto" else args.layout
        rates = timing.rates_of(timing.training_step(y)(*setup(layout)), args.batch, args.repeats, args.steps,
                                args.warmup)
        print(f"torch AlexNet threads={args.threads} batch={args.batch} training images/s median "
              f"{statistics.median(rates):.2f}  layout {layout}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"torch AlexNet threads={args.threads} batch={args.batch} training peak RSS MiB {peak:.0f}")
        return
    if args.only != "inference":
        timing.measure("AlexNet", "training", timing.training_step(y), setup, args)
    if args.only != "training":
        timing.measure("AlexNet", "inference", timing.inference, setup, args)

if __name__ == "__main__":
    main()
