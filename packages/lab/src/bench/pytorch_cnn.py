"""Training throughput of the benchmark CNN (training-bench.ts) in PyTorch, for comparison only.

Same model (conv 3x3x16 + ReLU, 2x2 max-pool, conv 3x3x32 + ReLU, 2x2 max-pool, dense 10),
batch 64 of 28x28x1 inputs, one step = forward, cross-entropy, backward, optimizer step.
Optimizers: plain SGD and MADGRAD (the reference update, momentum 0.9, written out below since
the madgrad package is not a dependency). Not part of any test; needs python3-torch:

    python3 packages/lab/src/bench/pytorch_cnn.py [--threads 2] [--batch 64] [--seconds 3]

Prints one JSON line: {"threads", "batch", "results": [{"name", "samplesPerSecond"}]}.
"""

import argparse
import json
import math
import time

import torch
from torch import nn


def benchmark_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 10),
    )


class Madgrad(torch.optim.Optimizer):
    """MADGRAD (Defazio & Jelassi 2021, Algorithm 1) as in the reference implementation."""

    def __init__(self, params, lr=1e-2, momentum=0.9, eps=1e-6):
        super().__init__(params, dict(lr=lr, momentum=momentum, eps=eps, k=0))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            lr = group["lr"] + group["eps"]
            ck = 1 - group["momentum"]
            lamb = lr * math.sqrt(group["k"] + 1)
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["grad_sum_sq"] = torch.zeros_like(p)
                    state["s"] = torch.zeros_like(p)
                    state["x0"] = p.clone()
                g, s, x0 = p.grad, state["s"], state["x0"]
                state["grad_sum_sq"].addcmul_(g, g, value=lamb)
                rms = state["grad_sum_sq"].pow(1 / 3).add_(group["eps"])
                s.add_(g, alpha=lamb)
                z = x0.addcdiv(s, rms, value=-1)
                p.mul_(1 - ck).add_(z, alpha=ck)
            group["k"] += 1


def samples_per_second(make_optimizer, batch: int, seconds: float) -> float:
    torch.manual_seed(0)
    model = benchmark_cnn()
    optimizer = make_optimizer(model.parameters())
    x = torch.rand(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    step()
    times = []
    start = time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    times.sort()
    return batch / times[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = [
        {"name": "cnn-train-pytorch-sgd", "samplesPerSecond": round(samples_per_second(lambda p: torch.optim.SGD(p, lr=1e-2), args.batch, args.seconds), 2)},
        {"name": "cnn-train-pytorch", "samplesPerSecond": round(samples_per_second(Madgrad, args.batch, args.seconds), 2)},
    ]
    print(json.dumps({"threads": args.threads, "batch": args.batch, "results": results}))


if __name__ == "__main__":
    main()
