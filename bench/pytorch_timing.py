"""What the PyTorch reference scripts of chapters 9 and 10 (pytorch_alexnet.py,
pytorch_resnet.py) share to time a network: a training step and an inference
pass as closures, images per second over repeated runs, and the choice of
memory layout (NCHW or channels_last), timed afresh, before measuring.

setup(layout) must return (model, optimiser, input) in that layout; the
measurement prints one line that bench/compare_*.sh read:
  torch NAME threads=T batch=B WHAT images/s median R  (min, max, ...)  layout L  torch V
"""
import statistics
import time

import torch
import torch.nn.functional as F

FORMATS = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}


def training_step(labels):
    """make(model, opt, x) for a training step: zero the gradients, forward in
    training mode, cross-entropy against `labels`, backward, optimiser step."""
    def make(model, opt, x):
        model.train()

        def step():
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(model(x), labels).backward()
            opt.step()
        return step
    return make


def inference(model, opt, x):
    """make(model, opt, x) for inference: forward in eval mode and arg-max."""
    model.eval()

    def infer():
        with torch.no_grad():
            model(x).argmax(1)
    return infer


def rates_of(fn, batch, repeats, steps, warmup):
    """Images/s of `repeats` timed runs of `steps` calls, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            fn()
        rates.append(batch * steps / (time.perf_counter() - t0))
    return rates


def measure(name, what, make, setup, args, trial_steps=1):
    """Times make(*setup(layout)) in the layout args.layout asks for (auto: the
    faster of a short trial of each) and prints the median images/s."""
    layout = args.layout
    if layout == "auto":
        trial = {lay: statistics.median(rates_of(make(*setup(lay)), args.batch, 1, trial_steps, 1)) for lay in FORMATS}
        layout = max(trial, key=trial.get)
        print(f"torch {name} {what}: trial images/s " +
              ", ".join(f"{lay} {rate:.2f}" for lay, rate in trial.items()) + f" -> {layout}", flush=True)
    rates = rates_of(make(*setup(layout)), args.batch, args.repeats, args.steps, args.warmup)
    print(f"torch {name} threads={args.threads} batch={args.batch} {what} images/s median "
          f"{statistics.median(rates):.2f}  (min {min(rates):.2f}, max {max(rates):.2f}, {args.repeats} repeats "
          f"of {args.steps} steps)  layout {layout}  torch {torch.__version__}", flush=True)
    return rates
