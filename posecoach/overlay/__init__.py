"""Pixels: the palette, the heads-up lines and the drawing of a frame. Computes nothing."""
