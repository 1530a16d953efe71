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

Then a residual basic block with a projection shortcut (3 -> 4 channels,
stride 2) and two CIFAR-style nets of 20 layers, plain and residual (16, 32,
64 channels on 1x12x12, 5 classes), one training step each: our output (the
logits and the loss for the nets), input gradient and every parameter's
gradient against PyTorch's (bench/pytorch_resnet.py's modules, given our
weights), agreement 1e-4.

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
# The small nets' width: 16 channels and more take the Winograd route in
# float on AVX-512, so both conv routes are compared.
WIDTH = 16


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", required=True, help="batchnorm_parity_tool (built with the tests)")
    ap.add_argument("--seed", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="nn_ch10_parity_") as work:
        path = os.path.join(work, "batchnorm.safetensors")
        ch08.run([args.tool, "--out", path, "--seed", str(args.seed), "--width", str(WIDTH)])
        torch, ref = ch08.import_torch()
        ours = ref.load_safetensors(path)
    levels = sorted({name.split(".")[1] for name in ours if name.split(".")[0] in ("conv", "dense")})
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
    # Residual blocks and whole nets: batch norm inside convolutions, the
    # shortcut's sum, global average pooling; the criterion is 1e-4.
    ch08.TOLERANCE = 1e-4
    spec = importlib.util.spec_from_file_location("pytorch_resnet", os.path.join(ROOT, "bench", "pytorch_resnet.py"))
    resnet = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(resnet)

    def load(module, prefix):
        params = {n: p for n, p in module.named_parameters()}
        with torch.no_grad():
            for name, p in params.items():
                p.copy_(ours[f"{prefix}.{name}"].reshape(p.shape))
        return params

    def compare_parameters(prefix, modules):
        for name in modules[torch.float32][1]:
            table.row(f"{prefix}.d{name}", ours[f"{prefix}.grad.{name}"],
                      *[modules[d][1][name].grad for d in (torch.float32, torch.float64)])

    blocks = {}
    for dtype in (torch.float32, torch.float64):
        block = resnet.BasicBlock(3, 4, 2).to(dtype).train()
        params = load(block, "block")
        x = ours["block.x"].to(dtype).clone().requires_grad_(True)
        y = block(x)
        y.backward(ours["block.dy"].to(dtype))
        blocks[dtype] = ((y, x.grad), params)
    table.row("block.y", ours["block.y"], blocks[torch.float32][0][0], blocks[torch.float64][0][0])
    table.row("block.dx", ours["block.dx"], blocks[torch.float32][0][1], blocks[torch.float64][0][1])
    compare_parameters("block", blocks)
    for case, residual in (("plain", False), ("resnet", True)):
        nets = {}
        for dtype in (torch.float32, torch.float64):
            net = resnet.CifarResNet(3, residual, WIDTH, 1, 5).to(dtype).train()
            params = load(net, case)
            logits = net(ours[f"{case}.x"].to(dtype))
            loss = torch.nn.functional.cross_entropy(logits, ours[f"{case}.labels"].long())
            loss.backward()
            nets[dtype] = ((logits, loss.reshape(1)), params)
        table.row(f"{case}.logits", ours[f"{case}.logits"], nets[torch.float32][0][0], nets[torch.float64][0][0])
        table.row(f"{case}.loss", ours[f"{case}.loss"], nets[torch.float32][0][1], nets[torch.float64][0][1])
        compare_parameters(case, nets)
    return ch08.finish(table, "batch norm (1e-5), a residual block and two small nets (1e-4)")


if __name__ == "__main__":
    sys.exit(main())
