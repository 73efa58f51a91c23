"""The archive carried elsewhere: verifiable bundles, corpus exports with their provenance,
and captures made by other tools brought in."""
