"""Frame sources: one grammar for cameras, video files and pose tracks (the OpenCV input edge)."""
