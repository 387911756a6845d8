"""Japanese formats."""
