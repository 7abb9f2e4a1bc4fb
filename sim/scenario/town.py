"""The ``town`` section of a scenario: which map, its cell size, floor areas and districts.

The map itself is read by :mod:`sim.scenario.loading` into a :class:`sim.town.maps.Town`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.fields import Strict, param


class FloorArea(Strict):
    """Floor area of each premises symbol in the map legend."""

    s: float = param(
        60.0, "Small unit. Assumption: typical Dutch high-street unit.", "m2", ge=1, le=20000
    )
    m: float = param(150.0, "Medium unit. Assumption.", "m2", ge=1, le=20000)
    L: float = param(400.0, "Large unit. Assumption.", "m2", ge=1, le=20000)
    A: float = param(
        1200.0, "Anchor (department store, supermarket). Assumption.", "m2", ge=1, le=20000
    )


class Town(Strict):
    """The map of the centre: a built-in preset, an inline map, a map file or a town folder
    (at most one; middelstad if none)."""

    name: str | None = Field(
        None, max_length=80,
        description="The town's own name, shown in reports and the app (empty: the preset's "
        "name, or 'the centre').")
    language: Literal["nl", "en"] | None = Field(
        None, description="Language of the reports of this town's scenarios: nl (Dutch) or en "
        "(English). Empty: Dutch. `binnenstad compare --lang` overrides it.")

    preset: Literal["kleinstad", "middelstad", "grootstad"] | None = Field(
        None,
        description="Built-in town map; `middelstad` if neither `map` nor `map_file` is given.",
    )
    map: str | None = Field(None, description="Inline ASCII map (see the legend in docs/ODD.md).")
    map_file: str | None = Field(
        None, description="Path to an ASCII map file, relative to the scenario file."
    )
    dir: str | None = Field(
        None, description="A town folder made by `binnenstad town import` from a "
        "municipality's geodata (docs/own-town.md), relative to the scenario file: its map, "
        "premises with their floor areas and uses, dwellings, entry and counting points, core "
        "boundary and cell size.")
    cell_size_m: float = param(
        10.0, "Edge length of one map cell. Assumption: about one shop frontage.", "m",
        ge=2.0, le=50.0,
    )
    floor_area_m2: FloorArea = Field(default_factory=FloorArea)
    core_walk_m: float = param(
        300.0,
        "Premises within this walking distance of the busiest point are 'core', others 'edge'. "
        "Assumption: Ossokina et al. (2024) rent gradient halves rents over ~400 m.",
        "m", gt=0.0, le=5000.0,
    )
    home_zone_cells: int = param(
        15,
        "Dwellings are grouped into square districts of this many cells per side; each "
        "district's residents start walking from one street cell. Assumption: keeps the routing "
        "cost bounded; error in walking distance is at most half a district.",
        "cells", ge=1, le=200,
    )
    neighbour_radius_cells: int = param(
        3,
        "Premises within this Chebyshev distance count as neighbours (agglomeration, contagion). "
        "Assumption: about 30 m, both sides of a street.",
        "cells", ge=1, le=20,
    )

    @model_validator(mode="after")
    def _one_source(self) -> Town:
        given = [k for k in ("preset", "map", "map_file", "dir") if getattr(self, k) is not None]
        if len(given) > 1:
            raise ValueError(
                f"give only one of preset, map, map_file, dir (got {', '.join(given)})")
        return self
