"""The researchers' web front-end (Flask)."""
