#!/usr/bin/env python3
"""One real objective, both tools: an SGD classifier on scikit-learn's digits
(scripts/tpe-digits/train.py), alpha (log-uniform), l1_ratio and the loss (a choice), 60
trials, 5 sampler seeds. sweep runs it as a `command` program (one process per trial, 2
local slots); Optuna calls the same function in process, one trial at a time. Prints the
best validation error each found: median and quartiles over the seeds, the range, each seed's.

Usage: python3 scripts/bench_tpe_digits.py [path/to/sweep] [--quick]  (--quick: 3 seeds, each tool's default only)
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

import numpy as np
import optuna

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tpe-digits"))
from train import val_error  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)
SWEEP = os.path.abspath(next((a for a in sys.argv[1:] if not a.startswith("--")), ".build/release/sweep"))
QUICK = "--quick" in sys.argv
N, SEEDS = 60, 3 if QUICK else 5


def sweep_best(seed, multivariate):
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["cp", os.path.join(HERE, "tpe-digits", "train.py"), folder], check=True)
        spec = {"name": "digits", "workload": "command",
                "base": {"command": "python3 train.py --alpha {alpha} --l1-ratio {l1_ratio} --loss {loss} --seed {seed}",
                         "files": ["train.py"]},
                "objective": {"metric": "val_error", "mode": "min"},
                "sample": {"method": "tpe", "n": N, "seed": seed, "multivariate": multivariate,
                           "params": {"alpha": {"log_uniform": [1e-6, 1e-1]}, "l1_ratio": {"uniform": [0, 1]},
                                      "loss": {"choice": ["hinge", "log_loss", "modified_huber"]}}}}
        with open(os.path.join(folder, "digits.json"), "w") as f:
            json.dump(spec, f)
        db = os.path.join(folder, "sweep.sqlite")
        subprocess.run([SWEEP, "launch", "digits.json", "--db", db, "--local-slots", "2", "--quiet"], cwd=folder, check=True,
                       capture_output=True)
        rows = sqlite3.connect(db).execute("""
            SELECT min(m.value) FROM metrics m JOIN jobs j ON j.id = m.job_id AND m.attempt = j.ok_attempt
            WHERE m.name = 'val_error' AND j.state = 'done'""").fetchone()
        return rows[0]


def optuna_best(seed, multivariate):
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed, multivariate=multivariate))
    study.optimize(lambda t: val_error(t.suggest_float("alpha", 1e-6, 1e-1, log=True), t.suggest_float("l1_ratio", 0, 1),
                                       t.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"])), n_trials=N)
    return study.best_value


def summary(values):
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return f"{median:.4f} [{q1:.4f}, {q3:.4f}] | {min(values):.4f}-{max(values):.4f}"


def main():
    print(f"best validation error of {N} trials over {SEEDS} seeds; optuna {optuna.__version__}")
    print("| tool | median [quartiles] | min-max | each seed | wall time |")
    print("|---|---|---|---|---|")
    # Each tool's default first, so a run cut short still compares them.
    tools = [("sweep tpe (default: multivariate, 2 slots)", lambda s: sweep_best(s, True)),
             ("optuna tpe (default: multivariate)", lambda s: optuna_best(s, True)),
             ("sweep tpe (univariate, 2 slots)", lambda s: sweep_best(s, False)),
             ("optuna tpe (univariate)", lambda s: optuna_best(s, False))]
    for name, run in (tools[:2] if QUICK else tools):
        start = time.time()
        values = [run(s) for s in range(SEEDS)]
        each = ", ".join(f"{v:.4f}" for v in values)
        print(f"| {name} | {summary(values)} | {each} | {time.time() - start:.0f} s |", flush=True)


if __name__ == "__main__":
    main()
