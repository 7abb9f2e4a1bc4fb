"""The runs layer: running the model and computing tables from its runs; it never draws.

One scenario's replications (:mod:`~sim.runs.output`), paired comparisons
(:mod:`~sim.runs.compare`), experiments (:mod:`~sim.runs.spec`, :mod:`~sim.runs.design`,
:mod:`~sim.runs.experiments`, :mod:`~sim.runs.store`, :mod:`~sim.runs.sensitivity`),
calibrations to observed targets (:mod:`~sim.runs.calibration_spec`,
:mod:`~sim.runs.calibration_design`, :mod:`~sim.runs.calibration_targets`,
:mod:`~sim.runs.calibrate`, :mod:`~sim.runs.calibration_results`), all executed as tasks
(:mod:`~sim.runs.tasks`) by :mod:`~sim.runs.executors`. It imports the model and the scenario
layers and is imported by the presentation layer (:mod:`sim.present`), the command line and the
Python API.
"""
