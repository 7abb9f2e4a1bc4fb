"""EMA Workbench adapter: the model as an EMA ``ReplicatorModel`` or ``Model`` (extra ``ema``).

EMA Workbench users can explore binnenstad with EMA's samplers, evaluators and analyses,
using the uncertainties, levers and outcomes of an experiment file::

    from ema_workbench import perform_experiments
    from sim.runs.ema import ema_model
    from sim.runs.experiments import load_experiment

    model = ema_model(load_experiment("experiments/morris_baseline.yaml"))
    experiments, outcomes = perform_experiments(model, scenarios=50)

EMA names must be Python identifiers, so each parameter is named after its key path with
``.`` and brackets replaced by ``_`` (``economy.rent.level`` -> ``economy_rent_level``);
:func:`ema_names` gives the mapping. A run with the same parameter values and replication
gives exactly the outcome ``binnenstad experiment`` stores: seeds derive from (experiment
seed, point values, replication) in both. Horizon outcomes are ``ScalarOutcome`` (with
replications: their mean over replications, as the analyses here use); yearly and weekly
outcomes are ``ArrayOutcome`` (one value per replication and year or week). Called by EMA
Workbench users' code, not by the package.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np

from sim.errors import ScenarioError
from sim.runs.design import Experiment, apply_point, resolve_scenario, run_seed
from sim.runs.tasks import reduce_outcomes

with warnings.catch_warnings():
    # EMA warns at import that its optional ipyparallel evaluator is unavailable.
    warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
    import ema_workbench as ema

__all__ = ["ema_model", "ema_names"]


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_")
    return name if name and not name[0].isdigit() else f"p_{name}"


def ema_names(exp: Experiment) -> dict[str, str]:
    """EMA parameter name -> the parameter's key path in the experiment file."""
    return {_identifier(p.name): p.name for p in exp.parameters}


class BinnenstadFunction:
    """The model as a function of EMA keyword arguments (picklable for EMA's evaluators).

    Args:
        exp: The experiment whose base scenario, parameters, outcomes and seed are used.
    """

    def __init__(self, exp: Experiment) -> None:
        self.base = exp.base
        self.parameters = {_identifier(p.name): p for p in exp.parameters}
        self.seed = exp.spec.seed
        self.seeds = exp.spec.seeds
        self.outcomes = {name: {"metric": o.metric or name, "when": o.when,
                                "aggregate": o.aggregate}
                         for name, o in exp.spec.outcomes.items()}

    def __call__(self, replication: int = 0, **kwargs: Any) -> dict[str, Any]:
        from sim.runs.output import run_replication
        from sim.scenario.schema import Scenario

        values = {}
        for key, p in self.parameters.items():
            if key in kwargs:
                value = kwargs[key]
                values[p.name] = value if isinstance(value, (bool, str)) else p.cast(value)
        scenario = resolve_scenario(apply_point(self.base, values))
        seed = run_seed(self.seed, values, int(replication), self.seeds)
        result = run_replication(Scenario.model_validate(scenario), int(replication), seed)
        rows = reduce_outcomes(result.timeseries, self.outcomes)
        out: dict[str, Any] = {}
        for name, o in self.outcomes.items():
            series = [r[name] for r in rows if name in r]
            out[name] = series[0] if o["when"] == "horizon" else np.asarray(series)
        return out


def _parameter(key: str, p) -> Any:
    if p.spec.values is not None:
        return ema.CategoricalParameter(key, list(p.spec.values))
    if p.spec.min is None:
        raise ScenarioError(f"{p.name}: an EMA parameter needs min and max, or values")
    if p.integer:
        return ema.IntegerParameter(key, round(p.spec.min), round(p.spec.max))
    return ema.RealParameter(key, p.spec.min, p.spec.max)


def _mean_of_replications(values: list[float]) -> float:
    return float(np.mean(values))


def ema_model(exp: Experiment, replications: int | None = None) -> ema.AbstractModel:
    """An EMA model with the experiment's uncertainties, levers and outcomes.

    Args:
        exp: A loaded experiment (:func:`sim.runs.experiments.load_experiment`).
        replications: Replications per EMA experiment; the experiment file's by default.
            With 1 or more, a ``ReplicatorModel``: horizon outcomes are the mean over
            replications (``ScalarOutcome``), yearly and weekly outcomes an ``ArrayOutcome``
            per replication and year or week. With 0, a plain ``Model`` that runs
            replication 0.

    Returns:
        The model, ready for ``ema_workbench.perform_experiments``.
    """
    n = exp.spec.replications if replications is None else replications
    name, function = _identifier(exp.spec.name), BinnenstadFunction(exp)
    model = ema.ReplicatorModel(name, function=function) if n else ema.Model(name, function)
    model.uncertainties = [_parameter(_identifier(p.name), p) for p in exp.parameters
                           if p.kind == "uncertainty"]
    model.levers = [_parameter(_identifier(p.name), p) for p in exp.parameters
                    if p.kind == "lever"]
    # EMA keeps one outcome class per name in a process: horizon outcomes are always scalars.
    mean = _mean_of_replications if n else None
    model.outcomes = [
        ema.ScalarOutcome(name, function=mean) if o.when == "horizon" else ema.ArrayOutcome(name)
        for name, o in exp.spec.outcomes.items()
    ]
    if n:
        model.replications = [{"replication": r} for r in range(n)]
    return model
