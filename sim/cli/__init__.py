"""The ``binnenstad`` command line (:mod:`sim.cli.main`): one module per group of commands.

This ``__init__`` imports nothing, so that a command imports only what it needs."""
