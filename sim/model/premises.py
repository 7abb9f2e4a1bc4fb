"""The premises register: one row per retail unit, what occupies it and on what terms.

Every premises of the town has a row here, from its fixed facts (floor area, location class,
core or edge, walking distance to the busiest point) to its current use and the lease and
accounts of the business in it. The actors write the columns they own, through their own
modules' public methods:

- shops (:mod:`sim.model.shops`): sector, chain, brand, rent, reserve, revenue and its
  smoothed means, loss weeks, weeks open, founding week, lease end, starter support, the
  turnover a support scheme compares with, and debts from deferred rent and taxes;
- property owners (:mod:`sim.model.owners`): owner, market rent, asking rent, last rent;
- cultural venues (:mod:`sim.model.venues`): the use CULTURE;
- the municipality's instruments (:mod:`sim.model.instruments`): retail and housing zoning,
  BIZ levy, attractiveness bonus, vacancy reports and nominations.

Built by :class:`sim.model.model.CityCentre`; read by every actor and by
:mod:`sim.model.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Uses of a premises (``Premises.use``).
VACANT, SHOP, CULTURE, HOUSING = 0, 1, 2, 3
#: Location classes by baseline footfall relative to the busiest premises (Locatus-like).
LOCATION_CLASSES = (("A1", 0.5), ("A2", 0.25), ("B", 0.1), ("C", 0.0))
WEEKS_PER_MONTH = 52 / 12
#: Walking distance within which spending counts towards the heart of the shopping area.
HEART_RADIUS_M = 100.0
#: A nomination week that lies far in the past: never nominated.
NEVER = -(10**6)


@dataclass
class Premises:
    """State of every premises (retail unit) and of the business in it, if any; arrays of
    length P in the order of the town's premises."""

    floor_m2: np.ndarray  # (P,) m2
    size_factor: np.ndarray  # (P,) rent and fixed costs per m2 relative to a 100 m2 unit
    sector: np.ndarray  # (P,) int8, -1 if no shop trades here
    chain: np.ndarray  # (P,) bool
    rent: np.ndarray  # (P,) EUR/m2/year, contract rent of the current lease
    market_rent: np.ndarray  # (P,) EUR/m2/year, asking rent of the location
    reserve: np.ndarray  # (P,) EUR
    revenue: np.ndarray  # (P,) EUR this week
    revenue_avg: np.ndarray  # (P,) EUR/week smoothed
    profit_avg: np.ndarray  # (P,) EUR/week smoothed
    loss_weeks: np.ndarray  # (P,) int32 consecutive weeks of negative smoothed profit
    weeks_open: np.ndarray  # (P,) int32 weeks the current business has traded
    lease_end: np.ndarray  # (P,) int32 week at which the lease ends
    vacant_since: np.ndarray  # (P,) int32 week the unit became vacant
    use: np.ndarray  # (P,) int8 VACANT, SHOP, CULTURE or HOUSING (converted, for good)
    owner: np.ndarray  # (P,) int32 index into the owners
    asking_rent: np.ndarray  # (P,) EUR/m2/year the owner asks while the unit is vacant
    last_rent: np.ndarray  # (P,) EUR/m2/year contract rent of the last lease
    brand: np.ndarray  # (P,) int16 chain brand of the shop, -1 for independents
    retail_zoned: np.ndarray  # (P,) bool: shops may be let into it
    housing_zoned: np.ndarray  # (P,) bool: it may become homes (a designated core may not)
    support_share: np.ndarray  # (P,) share of rent paid by the municipality (starter support)
    support_until: np.ndarray  # (P,) int32 week starter support ends
    levy: np.ndarray  # (P,) EUR/m2/year BIZ levy on the shop
    bonus: np.ndarray  # (P,) utility bonus from public space and BIZ spending
    reported: np.ndarray  # (P,) bool: vacancy reported in this spell (vacancy ordinance)
    nominated_week: np.ndarray  # (P,) int32 week of the last nomination, NEVER if none
    founded_week: np.ndarray  # (P,) int32 week the business in it was founded (age)
    revenue_reference: np.ndarray  # (P,) EUR/week turnover before a support scheme began
    debt: np.ndarray  # (P,) EUR deferred rent and taxes still to repay
    instalment: np.ndarray  # (P,) EUR/week repaid on the debt
    # where the premises lie, measured once with every unit open (CityCentre set-up)
    core: np.ndarray = field(default=None)  # (P,) bool: within the core walking distance
    walk_to_busiest_m: np.ndarray = field(default=None)  # (P,) m
    location_class: np.ndarray = field(default=None)  # (P,) 'A1', 'A2', 'B' or 'C'
    open_neighbours: np.ndarray = field(default=None)  # (P,) open units nearby, as perceived
    rent_scale: float = 1.0  # market rents of a town balanced by construction (balance.py)

    @classmethod
    def empty(cls, floor_m2: np.ndarray, size_cost_elasticity: float) -> Premises:
        """All premises vacant, unowned and retail-zoned.

        Args:
            floor_m2: (P,) floor area of each premises.
            size_cost_elasticity: elasticity of costs per m2 to floor area (``economy.shops``).
        """
        n = len(floor_m2)
        floor = floor_m2.astype(float)
        return cls(
            floor_m2=floor,
            # rent and fixed costs per m2 relative to a 100 m2 unit (large units pay less per m2)
            size_factor=(floor / 100.0) ** size_cost_elasticity,
            sector=np.full(n, -1, dtype=np.int8),
            chain=np.zeros(n, dtype=bool),
            rent=np.zeros(n),
            market_rent=np.zeros(n),
            reserve=np.zeros(n),
            revenue=np.zeros(n),
            revenue_avg=np.zeros(n),
            profit_avg=np.zeros(n),
            loss_weeks=np.zeros(n, dtype=np.int32),
            weeks_open=np.zeros(n, dtype=np.int32),
            lease_end=np.zeros(n, dtype=np.int32),
            vacant_since=np.zeros(n, dtype=np.int32),
            use=np.zeros(n, dtype=np.int8),
            owner=np.zeros(n, dtype=np.int32),
            asking_rent=np.zeros(n),
            last_rent=np.zeros(n),
            brand=np.full(n, -1, dtype=np.int16),
            retail_zoned=np.ones(n, dtype=bool),
            housing_zoned=np.ones(n, dtype=bool),
            support_share=np.zeros(n),
            support_until=np.zeros(n, dtype=np.int32),
            levy=np.zeros(n),
            bonus=np.zeros(n),
            reported=np.zeros(n, dtype=bool),
            nominated_week=np.full(n, NEVER, dtype=np.int32),
            founded_week=np.zeros(n, dtype=np.int32),
            revenue_reference=np.zeros(n),
            debt=np.zeros(n),
            instalment=np.zeros(n),
        )

    def __len__(self) -> int:
        return len(self.floor_m2)

    @property
    def open(self) -> np.ndarray:
        """(P,) bool: a shop trades here."""
        return self.sector >= 0

    @property
    def vacant(self) -> np.ndarray:
        """(P,) bool: empty premises (meanwhile use counts as occupied)."""
        return self.use == VACANT

    @property
    def retail(self) -> np.ndarray:
        """(P,) bool: still part of the premises stock (not converted to homes)."""
        return self.use != HOUSING

    def months_vacant(self, week: int) -> np.ndarray:
        """(P,) months each vacant unit has been empty at ``week`` (0 for occupied units)."""
        return np.where(self.vacant, (week - self.vacant_since) / WEEKS_PER_MONTH, 0.0)

    def classify(self, footfall_at_premises: np.ndarray, walk_to_busiest_m: np.ndarray,
                 core_walk_m: float) -> None:
        """Fix where each premises lies: its location class by baseline footfall relative to
        the busiest premises, and core or edge by walking distance to the busiest point."""
        self.walk_to_busiest_m = walk_to_busiest_m
        self.core = walk_to_busiest_m <= core_walk_m
        # a centre without any footfall (nobody visits) is all of the lowest class
        rel = footfall_at_premises / max(float(footfall_at_premises.max()), 1e-12)
        self.location_class = np.array(
            [next(name for name, lo in LOCATION_CLASSES if r >= lo) for r in rel]
        )


def shopping_heart(spending: np.ndarray, near: np.ndarray, near_m: np.ndarray,
                   radius_m: float = HEART_RADIUS_M) -> int:
    """The premises at the heart of the shopping area, where shoppers spend most: the most
    spending at the premises within ``radius_m`` walking distance of its door (itself
    included); ties to the lowest index. Not the busiest street near an entry point, where
    visitors pass without shopping.

    Args:
        spending: (P,) weekly spending at each premises with every unit open.
        near, near_m: (P, M) nearest premises of each and their walking distance
            (:class:`sim.town.legs.Legs`).
    """
    within = (near >= 0) & (near_m <= radius_m)
    around = spending + np.where(within, spending[np.maximum(near, 0)], 0.0).sum(axis=1)
    return int(np.argmax(around))


class Zones:
    """Which premises lie in an instrument's zone, near given street cells or in a rectangle.

    Args:
        premises_xy: (P, 2) cells of the premises.
        walkable_xy: (C, 2) cells of the walkable network.
        square_cells: walkable indices of square cells.
        core: (P,) bool, the premises in the core.
    """

    def __init__(self, premises_xy: np.ndarray, walkable_xy: np.ndarray,
                 square_cells: np.ndarray, core: np.ndarray) -> None:
        self.premises_xy = premises_xy
        self.walkable_xy = walkable_xy
        self.square_cells = square_cells
        self.core = core

    def mask(self, zone: str) -> np.ndarray:
        """(P,) premises in ``zone``: core, edge, all or squares (units near a square)."""
        if zone == "core":
            return self.core.copy()
        if zone == "edge":
            return ~self.core
        if zone == "squares":
            return self.near(self.square_cells, 3)
        return np.ones(len(self.premises_xy), dtype=bool)

    def near(self, cells: np.ndarray, radius: int) -> np.ndarray:
        """(P,) premises within ``radius`` cells (Chebyshev) of any of the walkable ``cells``."""
        if cells.size == 0:
            return np.zeros(len(self.premises_xy), dtype=bool)
        xy = self.walkable_xy[cells]
        d = np.abs(self.premises_xy[:, None, :] - xy[None, :, :]).max(axis=2)
        return d.min(axis=1) <= radius

    def rectangle(self, area: tuple[int, int, int, int]) -> np.ndarray:
        """(P,) premises inside the cell rectangle ``[x0, y0, x1, y1]`` (inclusive)."""
        x0, y0, x1, y1 = area
        x, y = self.premises_xy.T
        return (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)

    def street_cells(self, area: tuple[int, int, int, int]) -> np.ndarray:
        """Walkable indices of the cells inside the rectangle ``[x0, y0, x1, y1]``."""
        x0, y0, x1, y1 = area
        xy = self.walkable_xy
        return np.flatnonzero((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0)
                              & (xy[:, 1] <= y1))
