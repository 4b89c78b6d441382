"""Live coaching at the laptop: capture thread, the guided flow, its screens and the session runner.

`flow`, `plan`, `screens`, `setup` and `answers` are pure logic (no OpenCV, no MediaPipe);
`capture`, `draw` and `session` are the edges.
"""
