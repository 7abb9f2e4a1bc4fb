"""The model: :class:`sim.model.model.CityCentre` assembles one module per actor (residents,
shops, owners, venues, municipality), the premises register, footfall, the week's conditions,
one module per instrument (:mod:`sim.model.instruments`) and per shock
(:mod:`sim.model.shocks`), and steps them in the ODD schedule. This package's ``__init__``
imports nothing, so the scenario schema can import the instrument modules without Mesa."""
