#!/usr/bin/env python3
"""Chapter 10 against PyTorch: our batch-norm layer computes what
torch.nn.BatchNorm2d (conv outputs) and BatchNorm1d (dense outputs) do.

batchnorm_parity_tool runs our float layer (γ, β at random), at the active
SIMD level (the AVX-512 kernels where the CPU has them) and with the
scalar reference loops, through three training steps on batches whose channels have their own offsets and
spreads, then one evaluation pass. PyTorch's layer, given the same γ and β,
runs the same steps (float32, and float64 for reference). Compared per
step: the output, the input gradient and the γ and β gradients; after the
three steps the running mean, the running variance (PyTorch's: momentum
0.1, unbiased) and the count of batches; then the evaluation output.
The check would notice a flipped sign or a shifted element (proven on our
dx and running variance before comparing).

Agreement, per tensor: max_i |ours_i - torch_i| / max_i |torch_i| < 1e-5.
Exit status: 0 pass, 1 mismatch (or our program failed), 77 skipped because
PyTorch is not installed. By hand (after building the release preset):
  /usr/bin/python3 tests/ch10/pytorch_parity.py --tool build/release/tests/batchnorm_parity_tool
"""
import argparse
import importlib.util
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location("ch08_parity", os.path.join(ROOT, "tests", "ch08", "pytorch_parity.py"))
ch08 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ch08)  # imports no torch itself: the skip below still works
ch08.TOLERANCE = 1e-5  # the batch-norm criterion (the Table reads the module's TOLERANCE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", required=True, help="batchnorm_parity_tool (built with the tests)")
    ap.add_argument("--seed", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="nn_ch10_parity_") as work:
        path = os.path.join(work, "batchnorm.safetensors")
        ch08.run([args.tool, "--out", path, "--seed", str(args.seed)])
        torch, ref = ch08.import_torch()
        ours = ref.load_safetensors(path)
    levels = sorted({name.split(".")[1] for name in ours})
    print(f"our batch-norm layer run at the SIMD levels: {', '.join(levels)}")
    table = ch08.Table(torch)
    # The criterion must be able to fail: a sign flip and a one-element shift.
    for name in (f"conv.{levels[0]}.dx1", f"conv.{levels[0]}.running_var"):
        t = ours[name]
        for kind in ("sign", "shift"):
            bad = ch08.corrupt(torch, kind, t)
            if not ch08.Table.relative(torch, bad, t) >= ch08.TOLERANCE:
                table.failures.append(f"self-check: {kind} of {name} passes the criterion")
    for (kind, cls), level in [(k, lv) for k in (("conv", torch.nn.BatchNorm2d), ("dense", torch.nn.BatchNorm1d))
                               for lv in levels]:
        case = f"{kind}.{level}"
        g = lambda n: ours[f"{case}.{n}"]  # noqa: E731
        channels = g("weight").shape[0]
        layers = {}
        for dtype in (torch.float32, torch.float64):
            bn = cls(channels).to(dtype)
            with torch.no_grad():
                bn.weight.copy_(g("weight").to(dtype))
                bn.bias.copy_(g("bias").to(dtype))
            layers[dtype] = bn
        for k in (1, 2, 3):
            out = {}
            for dtype, bn in layers.items():
                bn.train()
                bn.zero_grad()
                x = g(f"x{k}").to(dtype).clone().requires_grad_(True)
                y = bn(x)
                y.backward(g(f"dy{k}").to(dtype))
                out[dtype] = (y, x.grad, bn.weight.grad, bn.bias.grad)
            for i, what in enumerate(("y", "dx", "dweight", "dbias")):
                table.row(f"{case}.{what}{k}", g(f"{what}{k}"), out[torch.float32][i], out[torch.float64][i])
        bn32, bn64 = layers[torch.float32], layers[torch.float64]
        table.row(f"{case}.running_mean", g("running_mean"), bn32.running_mean, bn64.running_mean)
        table.row(f"{case}.running_var", g("running_var"), bn32.running_var, bn64.running_var)
        table.row(f"{case}.batches", g("num_batches_tracked"), bn32.num_batches_tracked.float().reshape(1))
        with torch.no_grad():
            bn32.eval()
            bn64.eval()
            table.row(f"{case}.y_eval", g("y_eval"), bn32(g("x_eval")), bn64(g("x_eval").double()))
    return ch08.finish(table, "batch norm's outputs, gradients and running statistics")


if __name__ == "__main__":
    sys.exit(main())
