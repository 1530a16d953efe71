#!/usr/bin/env python3
"""Chapter 8 against PyTorch: our float LeNet-5 and the reference module of
bench/pytorch_lenet5.py (imported, not copied) compute the same thing.

  gradients    From the same weights (lenet5_network<float>(Rng(8)), biases drawn
               in [-0.1, 0.1)) and the same batch (the first 64 Fashion-MNIST
               training images), one forward + backward: the logits, the loss
               and every parameter gradient agree with PyTorch's float32 ones.
  checkpoints  Our layers::save file loads into PyTorch (load_state_dict,
               strict) and gives our logits; a PyTorch state_dict, trained a
               little and written as safetensors by hand (below), loads with
               layers::load and gives PyTorch's logits, and `ch08_lenet5 --eval`
               gives PyTorch's test accuracy.

Agreement, per tensor:  rel = max_i |ours_i - torch_i| / max_i |torch_i|  < 1e-4.
The table also shows the worst element (largest |ours - torch|), the largest
element-wise |ours_i - torch_i| / |torch_i| over elements with |torch_i| at
least 1 % of max|torch| (near-zero entries make element-wise figures
meaningless), and, as a yardstick, how far ours and PyTorch's float32 each
are from PyTorch in float64. Before passing, the gradients check proves it
would notice the usual bugs: each gradient with its sign flipped, shifted by
one element, or (conv weights) with its kernels rotated by 180 degrees must
fail the same criterion.

Exit status: 0 pass, 1 mismatch (or our program failed), 77 skipped because
PyTorch is not installed (ctest's SKIP_RETURN_CODE). ctest runs it as
  ch08.ex8.1 LeNet-5 loss and gradients match PyTorch
  ch08.LeNet-5 checkpoints interchange with PyTorch
By hand (after building the release preset):
  /usr/bin/python3 tests/ch08/pytorch_parity.py gradients \
      --tool build/release/tests/lenet5_parity_tool
  --inject sign:c3.weight (or shift:NAME, rot180:NAME) corrupts one of our
  gradients on purpose, to see the test fail.
"""
import argparse
import copy
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

SKIP = 77
TOLERANCE = 1e-4
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PARAMS = ["c1.weight", "c1.bias", "c3.weight", "c3.bias", "c5.weight", "c5.bias",
          "f6.weight", "f6.bias", "output.weight", "output.bias"]


def run(command):
    """Runs one of our programs, echoes what it printed, stops the test if it failed."""
    print("$ " + " ".join(command), flush=True)
    r = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(r.stdout, end="", flush=True)
    if r.returncode != 0:
        print(f"FAIL: {os.path.basename(command[0])} exited with status {r.returncode}")
        sys.exit(1)
    return r.stdout


def import_torch():
    try:
        import torch
    except ImportError as e:
        print("PyTorch (python3-torch) is not installed: skipping the parity test; "
              "install it with bash tools/install-deps.sh")
        print(f"({sys.executable}: {e})")
        sys.exit(SKIP)
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import pytorch_lenet5  # the reference module; imports torch itself
    torch.set_num_threads(1)
    return torch, pytorch_lenet5


def save_safetensors(path, tensors, metadata=None):
    """float32 safetensors by hand: 8-byte little-endian header length, a JSON
    header (name -> dtype, shape, data_offsets), padded with spaces to a
    multiple of 8, then the raw little-endian data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        values = t.detach().float().contiguous().flatten().tolist()
        blob = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


class Table:
    """Per-tensor comparison; remembers failures."""

    def __init__(self, torch):
        self.torch = torch
        self.failures = []
        print(f"\n{'tensor':<18} {'shape':<11} {'max|torch|':>10} {'rel err':>9}  {'worst element (ours vs torch)':<48}"
              f" {'elem rel':>9} {'ours-f64':>9} {'torch-f64':>9}")

    @staticmethod
    def relative(torch, ours, ref):
        ours, ref = ours.detach().double().flatten(), ref.detach().double().flatten()
        diff = (ours - ref).abs()
        scale = ref.abs().max().item()
        if scale == 0:
            return 0.0 if diff.max().item() == 0 else float("inf")
        return diff.max().item() / scale

    def row(self, name, ours, ref, ref64=None):
        torch = self.torch
        if tuple(ours.shape) != tuple(ref.shape):
            self.failures.append(f"{name}: shape {tuple(ours.shape)}, PyTorch {tuple(ref.shape)}")
            print(f"{name:<18} shape {tuple(ours.shape)} != PyTorch's {tuple(ref.shape)}")
            return
        o, r = ours.detach().double().flatten(), ref.detach().double().flatten()
        diff = (o - r).abs()
        scale = r.abs().max().item()
        rel = self.relative(torch, ours, ref)
        i = int(diff.argmax()) if diff.numel() else 0
        index = []
        for d in reversed(list(ref.shape)):
            index.append(i % d)
            i //= d
        index = tuple(reversed(index))
        flat = int(diff.argmax()) if diff.numel() else 0
        worst = f"{index}: {o[flat].item():+.7e} vs {r[flat].item():+.7e}"
        mask = r.abs() >= 0.01 * scale
        elem = (diff[mask] / r.abs()[mask]).max().item() if mask.any() else 0.0
        f64 = ""
        if ref64 is not None:
            f64 = f" {self.relative(torch, ours, ref64):9.2e} {self.relative(torch, ref, ref64):9.2e}"
        shape = "x".join(str(d) for d in ref.shape) or "scalar"
        print(f"{name:<18} {shape:<11} {scale:10.3e} {rel:9.2e}  {worst:<48} {elem:9.2e}{f64}"
              + ("" if rel < TOLERANCE else "   <-- FAIL"))
        if not rel < TOLERANCE:
            self.failures.append(f"{name}: relative error {rel:.3e} >= {TOLERANCE:g}")
        if scale == 0:
            self.failures.append(f"{name}: PyTorch's tensor is all zeros, the comparison proves nothing")


def corrupt(torch, kind, t):
    """The bugs the gradients check must catch."""
    if kind == "sign":
        return -t
    if kind == "shift":
        return t.flatten().roll(1).reshape(t.shape)
    if kind == "rot180":
        return t.flip(-1, -2)
    raise ValueError(f"unknown corruption '{kind}' (sign, shift, rot180)")


def reference_step(net, x, y):
    """PyTorch's forward and backward pass (mean cross-entropy) of `net` in
    train mode on (x, y), in float32 and, on a float64 copy, as a yardstick:
    for each, the logits, the loss and the named parameters (with .grad)."""
    import torch.nn.functional as F
    results = []
    for model, inputs in ((net, x), (copy.deepcopy(net).double(), x.double())):
        model.train()
        logits = model(inputs)
        loss = F.cross_entropy(logits, y)
        model.zero_grad()
        loss.backward()
        results.append((logits, loss, dict(model.named_parameters())))
    return results


def self_check(torch, table, ours, reference):
    """Would the criterion notice a wrong sign, an index off by one, a kernel
    not flipped? Each of our gradients (name -> tensor), corrupted so, must
    fail it against the reference's; a failure of this check goes in the table."""
    insensitive = []
    for name, g in ours.items():
        t = reference[name]
        kernels = t.dim() == 4 and t.shape[-1] > 1
        for kind in ["sign", "shift"] + (["rot180"] if kernels else []):
            e = Table.relative(torch, corrupt(torch, kind, g), t)
            if e < 10 * TOLERANCE:
                insensitive.append(f"grad.{name} with '{kind}' still gives {e:.1e}")
    if insensitive:
        table.failures.append("the check would not notice: " + "; ".join(insensitive))
    else:
        print("self-check: each gradient with its sign flipped, shifted by one element or its kernels rotated "
              "by 180 degrees fails the criterion")


def gradients(args, work):
    path = os.path.join(work, "gradients.safetensors")
    run([args.tool, "gradients", "--out", path, "--data", args.data, "--seed", str(args.seed),
         "--batch", str(args.batch)])
    torch, ref = import_torch()

    ours = ref.load_safetensors(path)
    missing = [n for n in ["input", "labels", "logits", "loss"] + PARAMS + ["grad." + p for p in PARAMS]
               if n not in ours]
    if missing:
        print(f"FAIL: {path} lacks {missing}")
        return 1
    pristine = {p: ours["grad." + p].clone() for p in PARAMS}  # for the self-check below
    for spec in args.inject or []:
        kind, name = spec.split(":", 1)
        ours["grad." + name] = corrupt(torch, kind, ours["grad." + name])
        print(f"note: --inject {spec}: our grad.{name} corrupted on purpose; this run must fail")

    x, y = ours["input"], ours["labels"].long()
    if not torch.equal(y.float(), ours["labels"]) or y.min() < 0 or y.max() > 9:
        print("FAIL: labels are not integers in [0, 9]")
        return 1
    net = ref.LeNet5()
    net.load_state_dict({p: ours[p] for p in PARAMS})  # strict: every name and shape must match
    (logits32, loss32, params32), (logits64, loss64, params64) = reference_step(net, x, y)

    print(f"\nbatch {tuple(x.shape)}, labels {y[:12].tolist()}...; torch {torch.__version__}, float32 "
          f"(and float64 as a yardstick)")
    print("rel err = max|ours - torch| / max|torch| per tensor; elem rel = max |ours_i - torch_i| / |torch_i| "
          "over |torch_i| >= 1% of max|torch|")
    table = Table(torch)
    table.row("logits", ours["logits"], logits32, logits64)
    table.row("loss", ours["loss"], loss32, loss64)
    for p in PARAMS:
        table.row("grad." + p, ours["grad." + p], params32[p].grad, params64[p].grad)
    worst = max(Table.relative(torch, ours["grad." + p], params32[p].grad) for p in PARAMS)
    print(f"\nloss: ours {ours['loss'].item():.7f}, PyTorch {loss32.item():.7f}; "
          f"largest gradient relative error {worst:.2e} (tolerance {TOLERANCE:g})")

    self_check(torch, table, pristine, {p: params32[p].grad for p in PARAMS})
    return finish(table, "loss and gradients")


def checkpoints(args, work):
    ours_ckpt = os.path.join(work, "ours.safetensors")
    ours_out = os.path.join(work, "ours_logits.safetensors")
    run([args.tool, "forward", "--checkpoint", ours_ckpt, "--out", ours_out, "--data", args.data,
         "--seed", str(args.seed), "--batch", str(args.batch)])
    torch, ref = import_torch()
    import torch.nn.functional as F

    # ours -> PyTorch
    ours = ref.load_safetensors(ours_out)
    x = ours["input"]
    net = ref.LeNet5()
    net.load_state_dict(ref.load_safetensors(ours_ckpt))  # strict
    print(f"\nours -> PyTorch: layers::save's {os.path.basename(ours_ckpt)} in load_state_dict, "
          f"logits of the batch {tuple(x.shape)}")
    table = Table(torch)
    with torch.no_grad():
        table.row("logits", ours["logits"], net(x), copy.deepcopy(net).double()(x.double()))

    # PyTorch -> ours: a state_dict trained a little (so the accuracy means something)
    torch.manual_seed(args.seed)
    net = ref.LeNet5()
    have_data = True
    try:
        images = ref.load_idx(ref.find(args.data, "train-images-idx3-ubyte"))[:args.train_steps * 64]
        labels = ref.load_idx(ref.find(args.data, "train-labels-idx1-ubyte"))[:args.train_steps * 64].long()
        images = images.float().div(255).unsqueeze(1)
    except FileNotFoundError as e:
        print(f"note: no data ({e}): PyTorch trains on random images and the accuracy check is left out")
        have_data = False
        images = torch.rand(args.train_steps * 64, 1, 28, 28)
        labels = torch.randint(0, 10, (args.train_steps * 64,))
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    for s in range(args.train_steps):
        opt.zero_grad()
        F.cross_entropy(net(images[64 * s:64 * (s + 1)]), labels[64 * s:64 * (s + 1)]).backward()
        opt.step()
    torch_ckpt = os.path.join(work, "pytorch.safetensors")
    save_safetensors(torch_ckpt, net.state_dict(), {"format": "pt", "written_by": "tests/ch08/pytorch_parity.py"})
    torch_out = os.path.join(work, "pytorch_logits.safetensors")
    print(f"\nPyTorch -> ours: a state_dict trained {args.train_steps} SGD steps, written by hand as "
          f"{os.path.basename(torch_ckpt)}")
    run([args.tool, "logits", "--checkpoint", torch_ckpt, "--input", ours_out, "--out", torch_out])
    with torch.no_grad():
        table.row("logits", ref.load_safetensors(torch_out)["logits"], net(x), copy.deepcopy(net).double()(x.double()))

    if have_data:
        out = run([args.program, "--eval", torch_ckpt, "--data", args.data, "--out", os.path.join(work, "eval")])
        m = re.search(r"test accuracy ([0-9.]+)% on ([0-9]+) images", out)
        if not m:
            print("FAIL: ch08_lenet5 --eval printed no 'test accuracy ...% on N images' line")
            return 1
        n = int(m.group(2))
        ours_correct = round(float(m.group(1)) * n / 100)
        test_x = ref.load_idx(ref.find(args.data, "t10k-images-idx3-ubyte")).float().div(255).unsqueeze(1)
        test_y = ref.load_idx(ref.find(args.data, "t10k-labels-idx1-ubyte")).long()
        with torch.no_grad():
            logits = net(test_x)
        top2 = logits.topk(2, dim=1).values
        near_ties = int(((top2[:, 0] - top2[:, 1]) < 1e-4 * top2.abs().max()).sum())
        torch_correct = int((logits.argmax(1) == test_y).sum())
        print(f"\ntest accuracy: ch08_lenet5 --eval {ours_correct}/{n} ({float(m.group(1)):.2f}%), "
              f"PyTorch {torch_correct}/{len(test_y)} ({100 * torch_correct / len(test_y):.2f}%); "
              f"images whose top two logits are within 1e-4·max|logit| (may go either way): {near_ties}")
        if n != len(test_y) or abs(ours_correct - torch_correct) > near_ties:
            table.failures.append(f"test accuracy: ours {ours_correct}/{n}, PyTorch {torch_correct}/{len(test_y)}")
    return finish(table, "checkpoints")


def finish(table, what):
    if table.failures:
        print("\nFAIL: " + "; ".join(table.failures))
        return 1
    print(f"\nPASS: {what} agree with PyTorch (every relative error < {TOLERANCE:g})")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("check", choices=["gradients", "checkpoints"])
    ap.add_argument("--tool", required=True, help="lenet5_parity_tool (built with the tests)")
    ap.add_argument("--program", help="ch08_lenet5 (for --eval; checkpoints only)")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--train-steps", type=int, default=150, help="PyTorch's training steps (checkpoints)")
    ap.add_argument("--inject", action="append", metavar="KIND:NAME",
                    help="corrupt our gradient NAME (sign, shift or rot180) to see the check fail")
    ap.add_argument("--keep", metavar="DIR", help="write the files here and keep them")
    args = ap.parse_args()
    if args.check == "checkpoints" and not args.program:
        ap.error("checkpoints needs --program (ch08_lenet5)")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        return globals()[args.check](args, args.keep)
    with tempfile.TemporaryDirectory(prefix="nn_ch08_parity_") as work:
        return globals()[args.check](args, work)


if __name__ == "__main__":
    sys.exit(main())
