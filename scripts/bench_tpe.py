#!/usr/bin/env python3
"""sweep's TPE, sweep's random search and Optuna's TPE side by side, in one run.

Branin and Hartmann6, n = 60 and 200 trials, 20 seeds, 1 and 4 slots: median and quartiles
of the regret (best found - the function's minimum). With k slots both tools run the same
asynchronous protocol: k trials run at once, the oldest ends, a new one is asked with the
others still running (Optuna 5.1's constant_liar is on by default; sweep's coordinator does
the same). Then the cost of one proposal with 100, 1,000 and 10,000 finished trials in the
model (Optuna: ask + suggest + tell).

Optuna 5.1's TPESampler defaults to multivariate=True for one objective, and so does
sweep's TPE; both tools' univariate variants (multivariate=False) are shown as well.

Usage: python3 scripts/bench_tpe.py [path/to/sweep] [--quick]
"""
import json
import math
import subprocess
import sys
import time

import numpy as np
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
SWEEP = next((a for a in sys.argv[1:] if not a.startswith("--")), ".build/release/sweep")
QUICK = "--quick" in sys.argv
SEEDS = 5 if QUICK else 20


def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


FUNCTIONS = {
    "branin": (branin, [(-5, 10), (0, 15)], 0.397887357729738),
    "hartmann6": (hartmann6, [(0, 1)] * 6, -3.322368011415515),
}


def optuna_regret(name, n, slots, seed, multivariate):
    f, box, minimum = FUNCTIONS[name]
    sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate)
    study = optuna.create_study(sampler=sampler)
    running, best = [], math.inf
    for _ in range(n):
        if len(running) == slots:
            trial, value = running.pop(0)
            study.tell(trial, value)
            best = min(best, value)
        trial = study.ask()
        x = [trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(box)]
        running.append((trial, f(x)))
    for trial, value in running:
        study.tell(trial, value)
        best = min(best, value)
    return best - minimum


def optuna_cost(name, trials, multivariate, proposals=20):
    """CPU ms per ask + suggest + tell with `trials` finished random trials in the study."""
    f, box, _ = FUNCTIONS[name]
    rng = np.random.default_rng(0)
    dists = {f"x{i}": optuna.distributions.FloatDistribution(lo, hi) for i, (lo, hi) in enumerate(box)}
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, multivariate=multivariate))
    olds = []
    for _ in range(trials):
        x = [rng.uniform(lo, hi) for lo, hi in box]
        olds.append(optuna.trial.create_trial(params={f"x{i}": v for i, v in enumerate(x)}, distributions=dists, value=f(x)))
    study.add_trials(olds)
    start = time.process_time()
    for _ in range(proposals):
        trial = study.ask()
        x = [trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(box)]
        study.tell(trial, f(x))
    return (time.process_time() - start) / proposals * 1000


def sweep_regrets(name, n, slots, method, multivariate=False):
    out = subprocess.run([SWEEP, "bench", "tpe", "--function", name, "--trials", str(n), "--seeds", str(SEEDS),
                          "--slots", str(slots), "--method", method, "--json"] + ([] if multivariate else ["--no-multivariate"]),
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["regrets"]


def quartiles(values):
    q1, q2, q3 = np.percentile(values, [25, 50, 75])
    return f"{q2:.3g} [{q1:.3g}, {q3:.3g}]"


def main():
    print(f"regret (best - minimum): median [25 %, 75 %] over {SEEDS} seeds; optuna {optuna.__version__}")
    header = ("| function | n | slots | sweep tpe (univariate) | sweep tpe (default: multivariate) | sweep random "
              "| optuna tpe (default: multivariate) | optuna tpe (univariate) |")
    print(header)
    print("|" + "---|" * 8)
    for name in FUNCTIONS:
        for n in ([60] if QUICK else [60, 200]):
            for slots in [1, 4]:
                cells = [quartiles(sweep_regrets(name, n, slots, "tpe")), quartiles(sweep_regrets(name, n, slots, "tpe", True)),
                         quartiles(sweep_regrets(name, n, slots, "random"))]
                for multivariate in [True, False]:
                    cells.append(quartiles([optuna_regret(name, n, slots, s, multivariate) for s in range(SEEDS)]))
                print(f"| {name} | {n} | {slots} | " + " | ".join(cells) + " |", flush=True)
    print()
    print("CPU ms per proposal with n finished trials in the model")
    print("| function | n | sweep tpe (univariate) | sweep tpe (multivariate) | optuna tpe (default: multivariate) | optuna tpe (univariate) |")
    print("|" + "---|" * 6)
    for name in FUNCTIONS:
        for n in [100, 1000, 10000]:
            out = subprocess.run([SWEEP, "bench", "tpe", "--function", name, "--cost", str(n), "--no-multivariate", "--json"], check=True,
                                 capture_output=True, text=True)
            ours = list(json.loads(out.stdout).values())[0]
            out = subprocess.run([SWEEP, "bench", "tpe", "--function", name, "--cost", str(n), "--multivariate", "--json"],
                                 check=True, capture_output=True, text=True)
            joint = list(json.loads(out.stdout).values())[0]
            theirs = [optuna_cost(name, n, m, proposals=5 if n >= 10000 else 20) for m in [True, False]]
            print(f"| {name} | {n:,} | {ours:.3f} | {joint:.3f} | {theirs[0]:.2f} | {theirs[1]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
