"""The presentation layer: files, figures, the report and the app, from the runs' tables.

Output folders of ``run`` (:mod:`~sim.present.run`) and ``compare``
(:mod:`~sim.present.comparison`, :mod:`~sim.present.report`), an experiment's analyses
(:mod:`~sim.present.analysis`), a calibration's folder (:mod:`~sim.present.calibration_report`,
:mod:`~sim.present.calibration_html`), the figures they share (:mod:`~sim.present.plots`) and
the live browser app (:mod:`~sim.present.app`). Imported by the command line and the Python API.
"""
