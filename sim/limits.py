"""How much binnenstad reads, parses and builds: every limit on what a user can give it.

A scenario, experiment or manifest file is data from someone else; without limits a file of
``/dev/zero``, a billion-laughs YAML or a grid of a billion points exhausts the machine before
anything is said. Each limit here is checked before the work it bounds (reading, parsing,
building the town, making the design), by ``validate`` as much as by ``run``, and a value over
it is one line with exit status 2. The numbers, and why they are what they are, are in
docs/reliability.md; ``tests/reliability`` holds each of them. Below every layer (imported by
:mod:`sim.files`, the scenario readers, the runs and the command line).
"""

from __future__ import annotations

MB = 2**20

#: Bytes of one scenario or experiment YAML file (each file of an ``extends`` chain). The
#: largest shipped scenario is 3 KB; an inline map of :data:`MAX_MAP_CELLS` (1000 rows of 1000
#: cells, indented) is just under 1 MB. PyYAML's safe reader, written in Python, reads about
#: 0.25-0.5 MB a second, so the slowest file of this size is refused or read within 5 s.
MAX_YAML_BYTES = 1 * MB
#: Bytes of a map file (``town.map_file``): :data:`MAX_MAP_CELLS` cells and their line ends,
#: with room for trailing blanks.
MAX_MAP_BYTES = 4 * MB
#: Bytes of an experiment's ``manifest.json`` (about 250 bytes a run at :data:`MAX_RUNS`).
MAX_MANIFEST_BYTES = 256 * MB
#: Bytes of one small JSON file of the run store (a run's checksum or error).
MAX_SMALL_JSON_BYTES = 1 * MB
#: YAML nodes of one file, counting every use of an alias as a copy of what it names (a
#: billion-laughs file of a few hundred bytes names 10**9 nodes). A full scenario has about
#: 600; a list design of 2,000 points of 10 parameters about 22,000. PyYAML composes about
#: 12,000 nodes a second on a busy machine: the limit is reached within 5 s.
MAX_YAML_NODES = 50_000
#: Files in one ``extends`` chain.
MAX_EXTENDS_DEPTH = 32

#: Cells of a map (rows x the longest row): 1000 x 1000 cells is 10 x 10 km at 10 m cells,
#: more than any Dutch city centre; the largest preset, grootstad, has 300 x 200.
MAX_MAP_CELLS = 1_000_000
#: Premises of a map. The model keeps a few premises x premises tables (8 bytes a pair: 800 MB
#: at this limit); the largest preset has 1,650, a large Dutch centre about 3,000.
MAX_PREMISES = 10_000
#: Walking-route table entries: origins (entry points and home districts) x walkable cells.
#: Routing keeps six 4-byte arrays of this size (480 MB at the limit); grootstad needs 1.9 M.
MAX_ROUTE_ENTRIES = 20_000_000

#: Replications of ``run`` and ``compare`` (every replication's tables stay in memory until
#: the outputs are written: about 150 KB each). An experiment stores runs on disk instead.
MAX_REPLICATIONS = 1_000
#: Design points of one experiment (each keeps its resolved scenario, about 17 KB).
MAX_POINTS = 50_000
#: Runs (points x replications) of one experiment (each a task in memory and a file on disk).
MAX_RUNS = 500_000
