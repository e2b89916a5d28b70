"""Dialogues: one shared state machine per dialogue, driven by per-user Session models."""
