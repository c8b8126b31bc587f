"""Attacks replayed against the workbench, over its real interfaces: each finding of a
hardening review, kept as a regression test."""
