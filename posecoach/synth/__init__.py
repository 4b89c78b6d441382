"""Rendered sample videos with exact ground truth (optional extra ``synth``).

The pure parts (``skeleton``, ``motion``, ``contacts``, ``camera``, ``truth``) need only
numpy and pydantic. ``body`` (anny + torch) and ``render`` (moderngl) are heavy and are
imported lazily by the CLI, so ``import posecoach.synth`` stays cheap.
"""
