"""Exercises as data: spec loading, measurement, the generic tracker and form checks."""
