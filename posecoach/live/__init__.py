"""Live coaching at the laptop: capture thread, the guided flow, its screens and the session runner.

Pure logic (no OpenCV, no MediaPipe): `plan` (what to coach), `signals` (the flow's inputs and
effects), `state` + `flow` (the state machine), `tally` (counting from tracker events), `setup`
(the set-up check), `screens` (what each stage shows, as data), `answers` (headless answers).
The edges: `capture` (camera thread, paced video), `draw` + `pages` (pixels), `window` (the
window and its keys, or headless) and `session` (the loop that ties them together).
"""
