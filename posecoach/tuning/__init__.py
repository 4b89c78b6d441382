"""Tuning thresholds, evaluating against annotations, and personal calibration (issue 5).

Everything here works from recorded pose tracks: a video is run through the model once
and the track is cached (`cache.py`), so tuning and evaluation never wait for the model twice.
"""
