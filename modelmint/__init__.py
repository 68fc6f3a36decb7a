"""Modelmint off-chain toolkit shared by scripts, tests and integrators."""
