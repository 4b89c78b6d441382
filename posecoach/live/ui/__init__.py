"""The live session's devices: drawing, pages, the window, sound and the session loop."""
