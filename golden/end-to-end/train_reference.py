#!/usr/bin/env python3
"""Trains a small classifier with the reference MADGRAD and records the whole run.

The golden cases fix one optimizer step at a time; this run checks a whole training loop: a
two-layer perceptron (8 inputs, 16 tanh units, 3 logits) on seeded synthetic data, mean softmax
cross-entropy, minibatches of 16 in a recorded order, 300 steps of facebookresearch/madgrad's
MADGRAD (lr 0.01, momentum 0.9, weight decay 1e-4) in float32 on CPU. It writes
reference-run.json beside this script: the data, the initial weights, the batch order, the loss
of every step and every weight after every 10th step. The library's test
(packages/madgrad/test/end-to-end.test.ts) trains the same model from the same file through the
core optimizers and through madgrad/tfjs (a custom loop and model.fit, on cpu and wasm) and
compares each step.

With --optimizer adam it trains the same run with torch's Adam (lr 0.01, betas 0.9 and 0.999,
eps 1e-7: tfjs's defaults) into reference-run-adam.json: the same test measures tfjs's own Adam
against it, the yardstick of how far two correct float32 implementations drift apart.

    /usr/bin/python3 golden/end-to-end/train_reference.py --reference /tmp/madgrad-reference
    /usr/bin/python3 golden/end-to-end/train_reference.py --reference /tmp/madgrad-reference --optimizer adam
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

REFERENCE_COMMIT = "0d858b919a703ebee0a5feb674b7f710d02db09e"
INPUTS, HIDDEN, CLASSES = 8, 16, 3
EXAMPLES, BATCH, STEPS, RECORD_EVERY = 480, 16, 300, 10
OPTIONS = {
    "madgrad": {"lr": 0.01, "momentum": 0.9, "weight_decay": 1e-4, "eps": 1e-6},
    "adam": {"lr": 0.01, "betas": [0.9, 0.999], "eps": 1e-7},
}


def flat(t):
    return t.detach().flatten().tolist()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", required=True, help=f"facebookresearch/madgrad at {REFERENCE_COMMIT}")
    parser.add_argument("--optimizer", choices=sorted(OPTIONS), default="madgrad")
    args = parser.parse_args()
    head = subprocess.run(
        ["git", "-C", args.reference, "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if head != REFERENCE_COMMIT:
        sys.exit(f"{args.reference} is at {head}, not at {REFERENCE_COMMIT}")
    sys.path.insert(0, args.reference)
    import torch
    from madgrad import MADGRAD

    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(2021)
    # Three classes, each a Gaussian blob around its own centre, with overlap.
    centres = torch.randn(CLASSES, INPUTS, generator=generator) * 0.4
    labels = torch.randint(0, CLASSES, (EXAMPLES,), generator=generator)
    inputs = centres[labels] + torch.randn(EXAMPLES, INPUTS, generator=generator)
    # Weights stored as the library and tfjs-layers store dense kernels: [inputs, units].
    w1 = (torch.rand(INPUTS, HIDDEN, generator=generator) * 2 - 1) * (6 / (INPUTS + HIDDEN)) ** 0.5
    b1 = torch.zeros(HIDDEN)
    w2 = (torch.rand(HIDDEN, CLASSES, generator=generator) * 2 - 1) * (6 / (HIDDEN + CLASSES)) ** 0.5
    b2 = torch.zeros(CLASSES)
    weights = {"w1": w1, "b1": b1, "w2": w2, "b2": b2}
    initial = {name: flat(w) for name, w in weights.items()}
    for w in weights.values():
        w.requires_grad_()
    epochs = (STEPS * BATCH + EXAMPLES - 1) // EXAMPLES
    order = torch.cat([torch.randperm(EXAMPLES, generator=generator) for _ in range(epochs)])[: STEPS * BATCH]

    options = OPTIONS[args.optimizer]
    if args.optimizer == "madgrad":
        optimizer = MADGRAD(weights.values(), **options)
    else:
        optimizer = torch.optim.Adam(weights.values(), lr=options["lr"], betas=tuple(options["betas"]), eps=options["eps"])
    losses, recorded = [], []
    for step in range(STEPS):
        batch = order[step * BATCH : (step + 1) * BATCH]
        hidden = torch.tanh(inputs[batch] @ w1 + b1)
        loss = torch.nn.functional.cross_entropy(hidden @ w2 + b2, labels[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if (step + 1) % RECORD_EVERY == 0:
            recorded.append({"step": step + 1, "weights": {name: flat(w) for name, w in weights.items()}})

    run = {
        "about": "written by golden/end-to-end/train_reference.py: see its docstring",
        "reference_commit": REFERENCE_COMMIT,
        "torch": torch.__version__,
        "optimizer": args.optimizer,
        "options": options,
        "sizes": {"inputs": INPUTS, "hidden": HIDDEN, "classes": CLASSES, "batch": BATCH, "steps": STEPS},
        "inputs": flat(inputs),
        "labels": labels.tolist(),
        "order": order.tolist(),
        "initial": initial,
        "losses": losses,
        "recorded": recorded,
    }
    suffix = "" if args.optimizer == "madgrad" else f"-{args.optimizer}"
    out = Path(__file__).resolve().parent / f"reference-run{suffix}.json"
    out.write_text(json.dumps(run))
    print(f"{out}: {STEPS} steps, loss {losses[0]:.4f} -> {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
