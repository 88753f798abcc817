"""Recurring tasks: next-occurrence computation and the worker that creates the next task of a series."""
