"""The town: maps (ASCII legend, presets), the walking network's shortest-path trees, flows
along them, and the routes the model uses. Imports no Mesa; read by the model."""
