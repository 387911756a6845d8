"""The bench command's measures: each figure beside a floor measured in the same run (docs/performance.md)."""
