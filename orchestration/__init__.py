"""Orchestrator examples that run this project's Meltano jobs (dagster_definitions.py)."""
