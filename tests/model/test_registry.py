"""Instruments and shocks come from the registry: the worked example of docs/architecture.md
adds a toy instrument, which the schema, the reference and the model then pick up."""

from __future__ import annotations

import re
import sys
import types

import numpy as np
import pytest

from sim.errors import ScenarioError
from sim.model.model import CityCentre
from sim.scenario import interventions
from sim.scenario.loading import with_overrides
from sim.scenario.reference import json_schema, markdown
from sim.scenario.schema import Scenario
from tests.conftest import REPO

ARCHITECTURE = REPO / "docs" / "architecture.md"


@pytest.fixture
def street_music():
    """The example of docs/architecture.md, registered for one test and removed after it."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    block = re.search(r"## Adding an instrument.*?```python\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no python block under 'Adding an instrument'"
    module = types.ModuleType("docs_architecture_example")
    sys.modules[module.__name__] = module  # pydantic resolves the annotations in it
    exec(compile(block.group(1), str(ARCHITECTURE), "exec"), module.__dict__)  # our own docs
    yield module.StreetMusic
    interventions.unregister("street_music")
    del sys.modules[module.__name__]


def small(**interventions_) -> Scenario:
    return Scenario(name="toy", years=1, warmup_years=0, seed=3,
                    population={"agents": 1500, "households_per_agent": 40},
                    interventions=list(interventions_.values()))


def test_a_registered_instrument_validates_runs_and_is_documented(street_music):
    item = {"type": "street_music", "start": "2019-01-07", "cost_eur_per_year": 26_000}
    scenario = small(music=item)
    assert isinstance(scenario.interventions[0], street_music)
    assert "Street music from 2019-01-07 onwards" in scenario.interventions[0].describe()
    assert "street_music" in str(json_schema())
    assert "| `bookings_per_year` | number | `26.0` | 1/year |" in markdown()

    baseline = CityCentre(small(), seed=3)
    model = CityCentre(scenario, seed=3)
    for m in (baseline, model):
        m.run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert np.allclose(frame["spend_street_music"], 26_000 / 52)
    # every booking is a joint action: the collaboration stock stays higher
    assert model.municipality.collaboration > baseline.municipality.collaboration


def test_an_unknown_type_is_an_error_naming_the_registered_ones(street_music):
    with pytest.raises(ScenarioError, match="street_music"):
        with_overrides(small(), ["interventions=[{type: street_musik, start: 2019-01-07}]"])


def test_after_unregistering_the_type_is_unknown(street_music):
    interventions.unregister("street_music")
    with pytest.raises(ValueError):
        small(music={"type": "street_music", "start": "2019-01-07"})
