"""Tests generated from alert rules: input series found on the PromQL AST, evaluated by promtool."""
