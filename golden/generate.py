#!/usr/bin/env python3
"""Recomputes the golden trajectories from the reference PyTorch MADGRAD.

Each case file in cases/ fixes its inputs: the optimizer, its parameter groups, the initial
parameters and the gradient of every step (with any learning-rate changes). This script replays
those inputs through the reference implementation (facebookresearch/madgrad at REFERENCE_COMMIT,
float32 on CPU) and writes the parameters after every step (`expected`) and the final state
(`final_state`) back into the file, then rewrites SHA256SUMS. With --check it writes nothing and
exits 1 if any recomputed value differs from the committed one.

A case with a `note` deliberately differs from the reference (see FORMAT.md): it is checked and
written from the reference only where the reference's values are finite, and kept otherwise.

    git clone https://github.com/facebookresearch/madgrad /tmp/madgrad-reference
    git -C /tmp/madgrad-reference checkout 0d858b919a703ebee0a5feb674b7f710d02db09e
    apt-get install python3-torch            # Debian's PyTorch; only this script needs it
    python3 golden/generate.py --reference /tmp/madgrad-reference --check
"""

import argparse
import hashlib
import json
import math
import subprocess
import sys
from pathlib import Path

REFERENCE_COMMIT = "0d858b919a703ebee0a5feb674b7f710d02db09e"
HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
BUFFERS = {"madgrad": ("grad_sum_sq", "s", "x0"), "mirror_madgrad": ("grad_sum_sq", "z")}


def reference_optimizers(folder):
    """The reference's MADGRAD and MirrorMADGRAD classes, from a checkout at REFERENCE_COMMIT."""
    head = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if head != REFERENCE_COMMIT:
        sys.exit(f"{folder} is at {head}, not at {REFERENCE_COMMIT}")
    sys.path.insert(0, str(folder))
    from madgrad import MADGRAD, MirrorMADGRAD

    return {"madgrad": MADGRAD, "mirror_madgrad": MirrorMADGRAD}


def gradient(torch, value, shape):
    """A golden gradient as a tensor: dense, row-sparse (a sparse COO tensor) or None."""
    if value is None:
        return None
    if isinstance(value, list):
        return torch.tensor(value, dtype=torch.float32).reshape(shape)
    rows = value["indices"]
    values = torch.tensor(value["values"], dtype=torch.float32).reshape([len(rows), *shape[1:]])
    return torch.sparse_coo_tensor(torch.tensor([rows]), values, shape).coalesce()


def replay(torch, optimizers, case):
    """The reference's parameters after every step, and its final state, for one case's inputs."""
    tensors = {
        p["name"]: torch.tensor(p["init"], dtype=torch.float32).reshape(p["shape"]).requires_grad_()
        for p in case["params"]
    }
    shapes = {p["name"]: p["shape"] for p in case["params"]}
    groups = [
        {"params": [tensors[name] for name in g["params"]], **g["options"]} for g in case["groups"]
    ]
    optimizer = optimizers[case["optimizer"]](groups)
    expected = []
    for step in case["steps"]:
        for group, lr in zip(optimizer.param_groups, step.get("lr", [])):
            group["lr"] = lr
        for name, tensor in tensors.items():
            tensor.grad = gradient(torch, step["grads"].get(name), shapes[name])
        optimizer.step()
        expected.append({name: t.detach().flatten().tolist() for name, t in tensors.items()})
    state = {}
    for name, tensor in tensors.items():
        buffers = optimizer.state[tensor]
        state[name] = {
            b: buffers[b].flatten().tolist() for b in BUFFERS[case["optimizer"]] if b in buffers
        }
    return expected, {"k": int(optimizer.state["k"].item()), "params": state}


def finite(values):
    """Every number in a nested structure of lists and dicts is finite."""
    if isinstance(values, dict):
        return all(finite(v) for v in values.values())
    if isinstance(values, list):
        return all(finite(v) for v in values)
    return not isinstance(values, float) or math.isfinite(values)


def differences(ours, theirs, where=""):
    """Where two nested structures differ (values compared exactly), as readable lines."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if ours.keys() != theirs.keys():
            return [f"{where}: keys {sorted(ours)} != {sorted(theirs)}"]
        return [d for k in ours for d in differences(ours[k], theirs[k], f"{where}.{k}")]
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return [f"{where}: {len(ours)} values != {len(theirs)}"]
        return [d for i, (a, b) in enumerate(zip(ours, theirs)) for d in differences(a, b, f"{where}[{i}]")]
    return [] if ours == theirs else [f"{where}: {ours!r} != {theirs!r}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference", required=True, help=f"a checkout of facebookresearch/madgrad at {REFERENCE_COMMIT}")
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    optimizers = reference_optimizers(Path(args.reference))
    failed = False
    for path in sorted(CASES.glob("*.json")):
        case = json.loads(path.read_text())
        expected, final_state = replay(torch, optimizers, case)
        if "note" in case and not (finite(expected) and finite(final_state)):
            print(f"{path.name}: kept (the reference's values are not finite; see its note)")
            continue
        found = differences(expected, case["expected"], "expected") + differences(
            final_state, case["final_state"], "final_state"
        )
        if args.check:
            print(f"{path.name}: {'matches the reference' if not found else f'{len(found)} differences, first {found[0]}'}")
            failed = failed or bool(found)
        else:
            case["expected"], case["final_state"] = expected, final_state
            path.write_text(json.dumps(case))
            print(f"{path.name}: written")
    if not args.check:
        sums = "".join(
            f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(CASES.glob("*.json"))
        )
        (HERE / "SHA256SUMS").write_text(sums)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
