"""posecoach: coaching low-back-pain exercises with MediaPipe pose landmarks."""

__version__ = "0.1.0"
