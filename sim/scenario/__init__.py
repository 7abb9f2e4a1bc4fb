"""Scenario input: the schema of scenario files (one module per section), loading YAML with
``extends`` and ``--set`` into a validated scenario with one-line errors, and the generated
reference (JSON Schema, ``docs/scenarios.md``). The first layer: it imports no model code
except the instrument and shock modules that declare their own parameters."""
