#!/usr/bin/env python3
"""Chapter 9 against PyTorch: our float AlexNet and the reference module of
bench/pytorch_alexnet.py (imported, not copied) compute the same thing. The
comparison table and the corruptions come from tests/ch08/pytorch_parity.py.

  gradients    The full-size AlexNet (3x227x227, 1000 classes, single tower,
               dropout off) from the same weights (alexnet_network<float>
               (Rng(9)), biases drawn in [-0.1, 0.1)) and the same batch (2
               seeded uniform images): the logits, the loss and every
               parameter gradient of one forward + backward agree with
               PyTorch's float32 ones. Then proves it would notice the usual
               bugs: each gradient with its sign flipped, shifted by one
               element, or (conv weights) its kernels rotated by 180 degrees
               must fail the same criterion.
  lrn          Our LRN layer, as AlexNet runs it (the AVX-512 kernels where
               the CPU has them) and with the scalar reference loops, against torch.nn.functional.local_response_norm with
               alpha = n * (our alpha), for n = 1, 2, 3, 4, 5, 7, on AlexNet's
               norm2 geometry and on 7 channels of 5x3 with a strong alpha:
               outputs and input gradients (autograd).
  checkpoints  A width-reduced Fashion-MNIST AlexNet (28x28 grey -> resize
               256 -> centre 227 -> grey repeated to 3 channels) saved by
               layers::save is rebuilt by bench/pytorch_alexnet.py from the
               file's metadata alone, loads with load_state_dict (strict) and
               gives our logits on 16 test images through its own
               preprocessing (F.interpolate, the crop, the repeat).

Agreement, per tensor: max_i |ours_i - torch_i| / max_i |torch_i| < 1e-4.
Exit status: 0 pass, 1 mismatch (or our program failed), 77 skipped because
PyTorch is not installed. By hand (after building the release preset):
  /usr/bin/python3 tests/ch09/pytorch_parity.py gradients --tool build/release/tests/alexnet_parity_tool
  --inject sign:conv2.weight (or shift:NAME, rot180:NAME) corrupts one of our gradients on purpose.
"""
import argparse
import copy
import importlib.util
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location("ch08_parity", os.path.join(ROOT, "tests", "ch08", "pytorch_parity.py"))
ch08 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ch08)  # imports no torch itself: the skip below still works

TOLERANCE = ch08.TOLERANCE
PARAMS = [f"{layer}.{kind}" for layer in ("conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8")
          for kind in ("weight", "bias")]


def import_torch():
    try:
        import torch
    except ImportError as e:
        print("PyTorch (python3-torch) is not installed: skipping the parity test; "
              "install it with bash tools/install-deps.sh")
        print(f"({sys.executable}: {e})")
        sys.exit(ch08.SKIP)
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import pytorch_alexnet  # the reference module
    torch.set_num_threads(1)
    return torch, pytorch_alexnet


def tensors(ref, path):
    state, _ = ref.load_safetensors(path)
    return state


def gradients(args, work):
    path = os.path.join(work, "gradients.safetensors")
    ch08.run([args.tool, "gradients", "--out", path, "--seed", str(args.seed), "--batch", str(args.batch)])
    torch, ref = import_torch()

    ours = tensors(ref, path)
    missing = [n for n in ["input", "labels", "logits", "loss"] + PARAMS + ["grad." + p for p in PARAMS]
               if n not in ours]
    if missing:
        print(f"FAIL: {path} lacks {missing}")
        return 1
    pristine = {p: ours["grad." + p].clone() for p in PARAMS}
    for spec_text in args.inject or []:
        kind, name = spec_text.split(":", 1)
        ours["grad." + name] = ch08.corrupt(torch, kind, ours["grad." + name])
        print(f"note: --inject {spec_text}: our grad.{name} corrupted on purpose; this run must fail")
    x, y = ours["input"], ours["labels"].long()
    net = ref.AlexNet(dropout=0.0)
    net.load_state_dict({p: ours[p] for p in PARAMS})  # strict: every name and shape must match
    (logits32, loss32, params32), (logits64, loss64, params64) = ch08.reference_step(net, x, y)
    print(f"\nfull-size AlexNet, batch {tuple(x.shape)}, labels {y.tolist()}; torch {torch.__version__}, float32 "
          f"(and float64 as a yardstick)")
    table = ch08.Table(torch)
    table.row("logits", ours["logits"], logits32, logits64)
    table.row("loss", ours["loss"], loss32, loss64)
    for p in PARAMS:
        table.row("grad." + p, ours["grad." + p], params32[p].grad, params64[p].grad)
    worst = max(ch08.Table.relative(torch, ours["grad." + p], params32[p].grad) for p in PARAMS)
    print(f"\nloss: ours {ours['loss'].item():.7f}, PyTorch {loss32.item():.7f}; "
          f"largest gradient relative error {worst:.2e} (tolerance {TOLERANCE:g})")
    ch08.self_check(torch, table, pristine, {p: params32[p].grad for p in PARAMS})
    return ch08.finish(table, "AlexNet's logits, loss and gradients")


def lrn(args, work):
    path = os.path.join(work, "lrn.safetensors")
    ch08.run([args.tool, "lrn", "--out", path, "--seed", str(args.seed)])
    torch, ref = import_torch()
    import torch.nn.functional as F

    ours = tensors(ref, path)
    levels = sorted({name.rsplit(".", 1)[1] for name in ours if name.startswith("y.")})
    print(f"our LRN layer run at the SIMD levels: {', '.join(levels)}")
    table = ch08.Table(torch)
    for case, alpha in (("paper", 1e-4), ("strong", 0.5)):
        for n in (1, 2, 3, 4, 5, 7):
            results = []
            for dtype in (torch.float32, torch.float64):
                x = ours["x." + case].to(dtype).clone().requires_grad_(True)  # a fresh leaf each time
                out = F.local_response_norm(x, n, alpha=n * alpha, beta=0.75, k=2.0)
                out.backward(ours["dy." + case].to(dtype))
                results.append((out, x.grad))
            (y32, dx32), (y64, dx64) = results
            for level in levels:
                table.row(f"y n={n} {case} {level}", ours[f"y.n{n}.{case}.{level}"], y32, y64)
                table.row(f"dx n={n} {case} {level}", ours[f"dx.n{n}.{case}.{level}"], dx32, dx64)
    return ch08.finish(table, "the LRN layer's outputs and gradients")


def checkpoints(args, work):
    ckpt = os.path.join(work, "alexnet.safetensors")
    out = os.path.join(work, "logits.safetensors")
    ch08.run([args.tool, "forward", "--checkpoint", ckpt, "--out", out, "--data", args.data, "--seed",
              str(args.seed), "--batch", "16"])
    torch, ref = import_torch()
    ours = tensors(ref, out)
    state, meta = ref.load_safetensors(ckpt)
    print("metadata:", ", ".join(f"{k}={v}" for k, v in sorted(meta.items())))
    net = ref.model_from(state, meta)  # strict load_state_dict inside
    net.eval()
    pixels = ours["input"][:, 0]  # (N, 28, 28) in [0, 1]
    with torch.no_grad():
        x = ref.preprocess(pixels, int(meta["resize"]), int(meta["image"]), int(meta["in_channels"]))
        table = ch08.Table(torch)
        table.row("logits", ours["logits"], net(x), copy.deepcopy(net).double()(x.double()))
    return ch08.finish(table, "a checkpoint rebuilt from its metadata")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("check", choices=["gradients", "lrn", "checkpoints"])
    ap.add_argument("--tool", required=True, help="alexnet_parity_tool (built with the tests)")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--inject", action="append", metavar="KIND:NAME",
                    help="corrupt our gradient NAME (sign, shift or rot180) to see the check fail")
    ap.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    args = ap.parse_args()
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        return globals()[args.check](args, args.keep)
    with tempfile.TemporaryDirectory(prefix="nn_ch09_parity_") as work:
        return globals()[args.check](args, work)


if __name__ == "__main__":
    sys.exit(main())
