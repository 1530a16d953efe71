#!/usr/bin/env python3
"""PyTorch reference for chapter 10: the CIFAR-style ResNet (He et al. 2015,
section 4.2) on 1x28x28 images with the parameter names and layouts that
ch10_beyond and bench_resnet_train use (torchvision's: conv1, bn1,
layer1.0.conv1, layer1.0.bn1, ..., layer2.0.downsample.0/1, fc), so a
checkpoint saved by ch10_beyond loads here with load_state_dict.

The network: conv 3x3 16 (no bias), batch norm, relu; three stages of n basic
blocks (conv 3x3, bn, relu, conv 3x3, bn, + shortcut, relu) 16, 32 and 64
wide, stages 2 and 3 starting with stride 2 and a 1x1 conv + bn projection
shortcut; global average pool; fc. --plain: the same without shortcuts.

Modes:
  (default)     time training steps (SGD, momentum 0.9, lr 0.1, weight decay
                1e-4) and inference (forward, arg-max, no_grad) of ResNet-(6n+2)
                on one fixed batch and print the median images/s; --layout
                auto (the default) times NCHW and channels_last first and
                measures in the faster one.
  --checkpoint  ch10_beyond's model.safetensors: rebuild the network from its
                metadata and evaluate it on the Fashion-MNIST test set
                (--data), pixels / 255 as ch10_beyond feeds them. Batch
                norm's num_batches_tracked is saved as a float and loaded as
                PyTorch's int64.

bench/compare_resnet.sh runs it beside bench_resnet_train. Run with Debian's
interpreter: /usr/bin/python3 bench/pytorch_resnet.py --threads 1 (for
PyTorch at its best, set the environment as bench/compare_lib.sh does).
"""
import argparse

import torch
import torch.nn.functional as F

import pytorch_timing as timing

from pytorch_lenet5 import find, load_idx
from pytorch_lenet5 import load_safetensors_with_metadata as load_safetensors  # (tensors, metadata)


class BasicBlock(torch.nn.Module):
    def __init__(self, inp, out, stride, residual=True):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(inp, out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(out)
        self.conv2 = torch.nn.Conv2d(out, out, 3, padding=1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(out)
        self.residual = residual
        self.downsample = None
        if residual and (stride != 1 or inp != out):
            self.downsample = torch.nn.Sequential(torch.nn.Conv2d(inp, out, 1, stride=stride, bias=False),
                                                  torch.nn.BatchNorm2d(out))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            y = y + (x if self.downsample is None else self.downsample(x))
        return F.relu(y)


class CifarResNet(torch.nn.Module):
    def __init__(self, blocks=3, residual=True, width=16, in_channels=1, classes=10):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(in_channels, width, 3, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(width)
        inp = width
        for stage in range(3):
            out = width << stage
            layer = []
            for b in range(blocks):
                layer.append(BasicBlock(inp, out, 2 if stage > 0 and b == 0 else 1, residual))
                inp = out
            setattr(self, f"layer{stage + 1}", torch.nn.Sequential(*layer))
        self.fc = torch.nn.Linear(inp, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean((2, 3)))


def model_from(state, meta):
    """The net a ch10_beyond checkpoint describes (metadata: model, width;
    the tensors: input channels, classes, blocks per stage), its weights and
    running statistics loaded (strict)."""
    model = meta.get("model", "")
    if not model.endswith("_cifar") or not (model.startswith("resnet") or model.startswith("plain")):
        raise ValueError(f"the metadata says model={model!r}, expected resnetN_cifar or plainN_cifar")
    blocks = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("layer1."))
    net = CifarResNet(blocks, model.startswith("resnet"), int(meta.get("width", 16)),
                      state["conv1.weight"].shape[1], state["fc.weight"].shape[0])
    tensors = {}
    for k, v in state.items():
        if k.startswith("optimizer."):
            continue
        tensors[k] = v.round().long().reshape(()) if k.endswith("num_batches_tracked") else v
    net.load_state_dict(tensors)
    return net


def evaluate(args):
    state, meta = load_safetensors(args.checkpoint)
    print("metadata:", ", ".join(f"{k}={v}" for k, v in sorted(meta.items())))
    net = model_from(state, meta)
    net.eval()
    images = load_idx(find(args.data, "t10k-images-idx3-ubyte"))
    labels = load_idx(find(args.data, "t10k-labels-idx1-ubyte")).long()
    correct = 0
    with torch.no_grad():
        for begin in range(0, len(labels), args.batch):
            x = images[begin:begin + args.batch].float().div(255).unsqueeze(1)
            correct += (net(x).argmax(1) == labels[begin:begin + args.batch]).sum().item()
    print(f"PyTorch {torch.__version__} on {args.checkpoint}: test accuracy {100 * correct / len(labels):.2f}% "
          f"({correct} of {len(labels)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--blocks", type=int, default=3, help="basic blocks per stage (3: ResNet-20)")
    ap.add_argument("--plain", action="store_true", help="no shortcuts")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--layout", choices=["auto", "contiguous", "channels_last"], default="auto",
                    help="memory layout of the activations and conv weights (auto: the faster one here)")
    ap.add_argument("--only", choices=["training", "inference"], help="time only training or only inference")
    ap.add_argument("--checkpoint", help="ch10_beyond's model.safetensors: evaluate instead of timing")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist",
                    help="folder with the Fashion-MNIST test files (with --checkpoint)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    if args.checkpoint:
        if args.batch < 1:
            raise SystemExit("--batch must be at least 1")
        evaluate(args)
        return

    name = f"{'plain' if args.plain else 'ResNet'}-{6 * args.blocks + 2}"
    x0 = torch.rand(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))
    net = CifarResNet(args.blocks, not args.plain)

    def setup(layout):
        model = CifarResNet(args.blocks, not args.plain)
        model.load_state_dict(net.state_dict())
        model = model.to(memory_format=timing.FORMATS[layout])
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
        return model, opt, x0.contiguous(memory_format=timing.FORMATS[layout])

    if args.only != "inference":
        timing.measure(name, "training", timing.training_step(y), setup, args, trial_steps=2)
    if args.only != "training":
        timing.measure(name, "inference", timing.inference, setup, args, trial_steps=2)

if __name__ == "__main__":
    main()
