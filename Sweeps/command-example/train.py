"""A stand-in for a training script: fits y = 3x + 1 by gradient descent and prints
its metrics the way `sweep` reads them (`epoch: N`, then `name: number` lines)."""
import argparse
import json
import os
import random
import time

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, required=True)
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--seed", type=int, default=0)
args = parser.parse_args()
width = json.loads(os.environ.get("SWEEP_CONFIG", "{}")).get("width", 1)  # a parameter read from the config

rng = random.Random(args.seed)
data = [(x, 3 * x + 1 + rng.gauss(0, 0.1)) for x in (rng.uniform(-1, 1) for _ in range(64 * width))]
w, b = 0.0, 0.0
for epoch in range(1, args.epochs + 1):
    gw = sum(2 * (w * x + b - y) * x for x, y in data) / len(data)
    gb = sum(2 * (w * x + b - y) for x, y in data) / len(data)
    w, b = w - args.lr * gw, b - args.lr * gb
    loss = sum((w * x + b - y) ** 2 for x, y in data) / len(data)
    time.sleep(0.05)  # an epoch of real training takes time: the stop rule acts between epochs
    print(f"epoch: {epoch}")
    print(f"loss: {loss:.6f}")
    print(f"w: {w:.6f}", flush=True)

# Files left here come back beside the database: sweep-outputs/job-ID/attempt-N/.
with open(os.path.join(os.environ.get("SWEEP_OUTPUT", "."), "model.json"), "w") as f:
    json.dump({"w": w, "b": b}, f)
