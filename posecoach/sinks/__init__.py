"""Where frames and results go: video files, the window, reports; atomic writes (the output edge)."""
