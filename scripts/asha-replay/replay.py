"""Replays one recorded hitl-ddqn job's learning curve as a `command` program: the curve of
(width, grid, seed) from curves.json, one epoch per `epoch_seconds x scale` of sleep, printed
the way sweep reads metrics. A SIGTERM (sweep's stop) ends it after the epoch in progress, as
the built-in workloads do (they see `shouldStop` at their next epoch)."""
import argparse
import json
import signal
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("--width", type=int, required=True)
parser.add_argument("--grid", type=int, required=True)
parser.add_argument("--seed", type=int, required=True)
parser.add_argument("--scale", type=float, default=0.02)
args = parser.parse_args()

with open("curves.json") as f:
    recorded = json.load(f)
job = recorded["jobs"][f"{args.width}/{args.grid}/{args.seed}"]
stopping = False


def stop(_signal, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
for epoch, (train_acc, test_acc) in enumerate(zip(job["train_acc"], job["test_acc"]), start=1):
    time.sleep(job["epoch_seconds"] * args.scale)
    print(f"epoch: {epoch}")
    print(f"train_acc: {train_acc}")
    print(f"test_acc: {test_acc}", flush=True)
    if stopping:
        sys.exit(0)
