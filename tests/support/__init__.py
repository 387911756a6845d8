"""Scaffolding shared by the test suites: factories, the fault-test stack, the projection oracle, page helpers."""
