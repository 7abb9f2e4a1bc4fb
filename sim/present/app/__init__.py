"""The educator's live city centre in the browser (``binnenstad app``).

A Mesa SolaraViz app: the map of the centre, live charts and counters, a scenario picker,
sliders for the main uncertainties, switches for the instruments and a comparison mode.

- :mod:`sim.present.app.live`: settings of a browser session, the scenario they make, and
  :class:`~sim.present.app.live.LiveCentre`, the Mesa model the app steps (one or two
  :class:`~sim.model.model.CityCentre` runs). No browser code; unit-tested on its own.
- :mod:`sim.present.app.render`: the map as an RGBA image and the charts as one reused figure,
  both encoded as PNG.
- :mod:`sim.present.app.page`: the Solara page (``Page``) built around Mesa's ``SolaraViz``.
- :mod:`sim.present.app.server`: starts ``solara run`` for ``binnenstad app``.

Needs the optional extra ``app`` (``pip install -e '.[app]'``).
"""
