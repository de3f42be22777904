# The golden values of Tests/SweepSearchTests/ParzenEstimatorTests.swift, computed apart
# with Optuna 5.1's own _ParzenEstimator (python3 scripts/tpe_golden.py).
import numpy as np
from optuna.distributions import FloatDistribution, IntDistribution, CategoricalDistribution
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights
P=_ParzenEstimatorParameters(prior_weight=1.0, consider_magic_clip=True, consider_endpoints=False, weights=default_weights, multivariate=True)
def pe(dist, obs):
    return _ParzenEstimator({"x": np.asarray(obs, dtype=float)}, {"x": dist}, P)
def show(name, dist, obs, xs):
    e=pe(dist, obs)
    d=e._mixture_distribution.distributions[0]
    print(name, "weights", list(e._mixture_distribution.weights))
    if hasattr(d,'mu'): print("  mu", list(d.mu), "sigma", list(d.sigma))
    else: print("  cat", d.weights.tolist())
    print("  logpdf", [repr(v) for v in e.log_pdf({"x": np.asarray(xs, dtype=float)})])
show("uniform", FloatDistribution(0,10), [2,3,7], [0, 2.5, 6, 10])
show("log", FloatDistribution(1e-4,1e-1,log=True), [1e-3,1e-2], [1e-4, 3e-3, 5e-2])
show("int", IntDistribution(1,4), [2,2,4], [1,2,3,4])
show("cat", CategoricalDistribution(["a","b","c"]), [0,0,2], [0,1,2])
print("weights30", [repr(v) for v in default_weights(30)[:6]])
print("weights26", [repr(v) for v in default_weights(26)[:3]])
# EI ranking
below=[2.0, 2.4]; above=[5,7,8.5,9,1]
lb=pe(FloatDistribution(0,10), below); la=pe(FloatDistribution(0,10), above)
xs=np.asarray([1.0, 2.2, 3.0, 6.0, 9.5])
print("ei", [repr(v) for v in lb.log_pdf({"x":xs})-la.log_pdf({"x":xs})])
# Multivariate: x uniform [0, 10], c choice of 3, k int [1, 4]; trials (2, a, 1), (3, c, 4), (7, a, 2).
space = {"x": FloatDistribution(0, 10), "c": CategoricalDistribution(["a", "b", "c"]), "k": IntDistribution(1, 4)}
e = _ParzenEstimator({"x": np.asarray([2.0, 3.0, 7.0]), "c": np.asarray([0.0, 2.0, 0.0]), "k": np.asarray([1.0, 4.0, 2.0])}, space, P)
pts = {"x": np.asarray([2.5, 6.0, 9.0]), "c": np.asarray([0.0, 2.0, 1.0]), "k": np.asarray([1.0, 2.0, 4.0])}
print("joint", [repr(v) for v in e.log_pdf(pts)])
