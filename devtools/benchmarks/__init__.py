"""The `bench` command's measures: each figure next to a floor measured in the same run (DESIGN.md §5)."""
