"""Eval suites: measure how well a model designs backends, fast, resumable, comparable.

`suite` loads YAML suites, `graders` score a design, `runner` runs cases with bounded concurrency
and appends results as JSONL, `report` and `compare` turn results into tables and tests.
"""
