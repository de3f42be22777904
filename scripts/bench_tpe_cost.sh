#!/bin/bash
# TPE suggestion cost of two sweep binaries side by side (docs/benchmarks.md, "Suggestion
# cost after tuning the density loops"): `sweep bench tpe --cost 100,1000,10000` for Branin
# and Hartmann6, joint and univariate, the two binaries interleaved so load hits both alike,
# RUNS times; prints the median CPU ms per proposal of each cell.
# Usage: scripts/bench_tpe_cost.sh BEFORE_SWEEP AFTER_SWEEP [RUNS]
# A binary from before 2026-12-07 13:50 (default univariate, --multivariate flag) is told
# --multivariate; a later one (default joint) --multivariate or --no-multivariate.
set -euo pipefail
before=${1:?before binary} after=${2:?after binary} runs=${3:-5}
flags() { # binary, model
    if "$1" bench tpe --help | grep -q -- --no-multivariate; then echo "--$2"
    elif [ "$2" = multivariate ]; then echo --multivariate; fi
}
out=$(for _ in $(seq "$runs"); do
    for f in branin hartmann6; do for m in multivariate no-multivariate; do
        for which in before after; do
            bin=$([ $which = before ] && echo "$before" || echo "$after")
            # shellcheck disable=SC2046
            echo "$f $m $which $("$bin" bench tpe --function $f --cost 100,1000,10000 $(flags "$bin" $m) | awk '{print $NF}' | tr '\n' ' ')"
        done
    done; done
done)
uptime
python3 -c '
import collections, statistics, sys
cells = collections.defaultdict(list)
for line in sys.stdin:
    p = line.split()
    cells[tuple(p[:3])].append([float(x) for x in p[3:]])
print("function model binary: ms at 100 / 1,000 / 10,000 trials (median of runs)")
for key, runs in cells.items():
    print(" ".join(key) + ": " + " / ".join(f"{statistics.median(c):.3f}" for c in zip(*runs)))
' <<< "$out"
