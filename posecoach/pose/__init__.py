"""The pose stage: the only package that imports mediapipe."""
