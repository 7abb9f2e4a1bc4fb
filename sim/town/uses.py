"""What a premises is used for: the documented tables from OSM tags and BAG uses to sectors.

Owns the vocabulary of an imported town's ``premises.csv`` ``use`` column and the rules that
turn source attributes into it. Called by :mod:`sim.town.geo` (reading geodata) and
:mod:`sim.town.townfile` (checking a town folder); pure Python, no geodata libraries.

A premises' use is one of the model's five sectors (``comparison``, ``daily``,
``food_beverage``, ``services``, ``leisure``, the same names as ``sim.scenario.schema.SECTORS``),
``vacant`` (empty, *leegstaand*) or ``unknown`` (a business whose sector the source does not
say; the model gives it one from the scenario's sector mix).

OpenStreetMap tags, checked in this order (the first rule that matches decides):

1. vacant: ``shop=vacant``, ``vacant=yes``, or any ``disused:shop=*`` / ``disused:amenity=*``
   on a feature without a current ``shop``/``amenity`` of the tables below;
2. ``amenity=*`` in :data:`OSM_AMENITY`, ``leisure=*`` in :data:`OSM_LEISURE`, ``tourism=*`` in
   :data:`OSM_TOURISM`;
3. ``shop=*`` in :data:`OSM_SHOP`; ``shop=yes`` (a shop of unstated kind) is ``unknown``;
4. any other ``shop=*`` value is ``comparison`` (*niet-dagelijks*: fashion, goods): OSM has
   hundreds of rare shop values and nearly all of them sell comparison goods.

A feature matching none of these (a bench, an office, a parking lot) is not a premises.

BAG ``gebruiksdoel`` (the use of a *verblijfsobject*, several separated by commas): a unit with
``winkelfunctie`` (shop) or ``bijeenkomstfunctie`` (meeting place: horeca, culture, churches)
is a premises of ``unknown`` sector, because the BAG does not say which kind of shop or meeting
place it is; a unit with only ``woonfunctie`` is a dwelling; any other use (office, health
care, education, ...) is not a centre premises. Values outside :data:`BAG_USES` are errors.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "BAG_USES",
    "FLOOR_CLASSES_M2",
    "OSM_AMENITY",
    "OSM_LEISURE",
    "OSM_SHOP",
    "OSM_TOURISM",
    "SECTORS",
    "USES",
    "symbol_for_floor_m2",
    "use_from_bag",
    "use_from_osm",
]

#: The model's sectors, in the order of ``sim.scenario.schema.SECTORS`` (a test holds them equal;
#: the town layer sits below the scenario layer and cannot import it).
SECTORS = ("comparison", "daily", "food_beverage", "services", "leisure")
#: Allowed values of ``premises.csv``'s ``use`` column and of a ``use`` attribute in geodata.
USES = (*SECTORS, "vacant", "unknown")

_DAILY_SHOPS = (
    "alcohol", "bakery", "beverages", "butcher", "cheese", "chemist", "coffee", "confectionery",
    "convenience", "cosmetics", "dairy", "deli", "farm", "florist", "frozen_food", "greengrocer",
    "health_food", "kiosk", "newsagent", "nutrition_supplements", "organic", "pastry",
    "perfumery", "seafood", "spices", "supermarket", "tea", "tobacco", "wine",
)
_SERVICE_SHOPS = (
    "beauty", "bookmaker", "copyshop", "dry_cleaning", "funeral_directors", "hairdresser",
    "laundry", "lottery", "massage", "money_lender", "pawnbroker", "repair", "shoe_repair",
    "tailor", "tattoo", "ticket", "travel_agency",
)
#: ``shop=*`` values that are not ``comparison`` (every other value except ``vacant`` and
#: ``yes`` is). Daily goods follow Locatus's *dagelijkse artikelen* (food and personal care,
#: flowers); services are shops that sell a service.
OSM_SHOP: dict[str, str] = dict(
    sorted({**dict.fromkeys(_DAILY_SHOPS, "daily"),
            **dict.fromkeys(_SERVICE_SHOPS, "services")}.items())
)
#: ``amenity=*`` values that are premises. Hotels and nightclubs count as horeca
#: (food_beverage), as in Dutch retail statistics.
OSM_AMENITY: dict[str, str] = dict(sorted({
    **dict.fromkeys(("bar", "biergarten", "cafe", "fast_food", "food_court", "ice_cream",
                     "nightclub", "pub", "restaurant"), "food_beverage"),
    **dict.fromkeys(("bank", "bureau_de_change", "clinic", "dentist", "doctors", "post_office",
                     "veterinary"), "services"),
    "pharmacy": "daily",
    **dict.fromkeys(("arts_centre", "casino", "cinema", "community_centre", "events_venue",
                     "library", "music_venue", "theatre"), "leisure"),
}.items()))
#: ``leisure=*`` values that are premises.
OSM_LEISURE: dict[str, str] = dict.fromkeys(
    ("amusement_arcade", "bowling_alley", "dance", "escape_game", "fitness_centre",
     "sports_centre"), "leisure",
)
#: ``tourism=*`` values that are premises.
OSM_TOURISM: dict[str, str] = {
    "gallery": "leisure", "guest_house": "food_beverage", "hostel": "food_beverage",
    "hotel": "food_beverage", "museum": "leisure",
}

#: Every BAG ``gebruiksdoel`` value, with what an import makes of it.
BAG_USES: dict[str, str] = {
    "woonfunctie": "dwelling",
    "winkelfunctie": "premises",
    "bijeenkomstfunctie": "premises",
    "kantoorfunctie": "other",
    "gezondheidszorgfunctie": "other",
    "onderwijsfunctie": "other",
    "logiesfunctie": "other",
    "sportfunctie": "other",
    "industriefunctie": "other",
    "celfunctie": "other",
    "overige gebruiksfunctie": "other",
}

#: Upper floor-area bounds (m2, exclusive) of the map symbols ``s``, ``m``, ``L``; larger is
#: ``A``. The bounds lie near the geometric means of the symbols' default areas (60, 150, 400,
#: 1,200 m2), so an imported unit gets the symbol whose default area is nearest on a log scale.
FLOOR_CLASSES_M2 = (("s", 100.0), ("m", 250.0), ("L", 700.0))

_YES = frozenset({"yes", "true", "1", "ja", "y"})


def symbol_for_floor_m2(floor_m2: float) -> str:
    """The map symbol (``s m L A``) of a premises of ``floor_m2`` square metres."""
    for symbol, upper in FLOOR_CLASSES_M2:
        if floor_m2 < upper:
            return symbol
    return "A"


def _tag(tags: Mapping[str, object], key: str) -> str | None:
    value = tags.get(key)
    if value is None or (isinstance(value, float) and value != value):  # NaN from a table
        return None
    text = str(value).strip()
    return text or None


def use_from_osm(tags: Mapping[str, object]) -> tuple[str, str] | None:
    """The use of a feature from its OpenStreetMap tags (rules in the module docstring).

    Args:
        tags: Tag -> value; missing tags may be absent, None or NaN.

    Returns:
        ``(use, tag)`` where ``tag`` is the deciding ``key=value``, or None if the feature is
        not a premises.
    """
    shop = _tag(tags, "shop")
    amenity = _tag(tags, "amenity")
    leisure = _tag(tags, "leisure")
    tourism = _tag(tags, "tourism")
    if shop == "vacant":
        return "vacant", "shop=vacant"
    if (_tag(tags, "vacant") or "").lower() in _YES:
        return "vacant", "vacant=yes"
    current = (shop is not None or amenity in OSM_AMENITY or leisure in OSM_LEISURE
               or tourism in OSM_TOURISM)
    for key in ("disused:shop", "disused:amenity"):
        if not current and _tag(tags, key) is not None:
            return "vacant", f"{key}={_tag(tags, key)}"
    if amenity in OSM_AMENITY:
        return OSM_AMENITY[amenity], f"amenity={amenity}"
    if leisure in OSM_LEISURE:
        return OSM_LEISURE[leisure], f"leisure={leisure}"
    if tourism in OSM_TOURISM:
        return OSM_TOURISM[tourism], f"tourism={tourism}"
    if shop is None:
        return None
    if shop == "yes":
        return "unknown", "shop=yes"
    return OSM_SHOP.get(shop, "comparison"), f"shop={shop}"


def use_from_bag(gebruiksdoel: str) -> tuple[str, list[str]]:
    """What a BAG verblijfsobject is, from its ``gebruiksdoel``.

    Args:
        gebruiksdoel: One or more BAG uses separated by commas, e.g.
            ``"woonfunctie,winkelfunctie"``.

    Returns:
        ``(kind, unknown)``: kind ``"premises"`` if any use is a shop or meeting place, else
        ``"dwelling"`` if any is a home, else ``"other"``; ``unknown`` lists the values that
        are not BAG uses (the caller reports them as errors).
    """
    values = [v.strip().lower() for v in str(gebruiksdoel).split(",") if v.strip()]
    unknown = [v for v in values if v not in BAG_USES]
    kinds = {BAG_USES[v] for v in values if v in BAG_USES}
    for kind in ("premises", "dwelling"):
        if kind in kinds:
            return kind, unknown
    return "other", unknown
