"""The municipality's instruments (meervoudig sturen), one module each.

Each module declares its instrument's parameters (a pydantic model with a literal ``type``,
defaults, units, ranges and sources) and its weekly rule (``act``), and registers the class
(:func:`sim.scenario.interventions.register_instrument`). Importing this package registers
every instrument, in the order of :data:`MODULES` (the order of the ``spend_<type>`` columns
of the timeseries). The municipality (:mod:`sim.model.municipality`) runs them every week.
To add one, see ``docs/architecture.md``.
"""

from __future__ import annotations

import importlib

MODULES = (
    "core_designation", "vacancy_ordinance", "biz", "events_programme", "culture_subsidy",
    "public_space", "starter_support", "meanwhile_use", "transformation_subsidy",
    "centre_management",
)

for _name in MODULES:
    importlib.import_module(f"{__name__}.{_name}")
