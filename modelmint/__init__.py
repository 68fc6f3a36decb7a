"""Modelmint off-chain toolkit shared by scripts, tests and integrators."""

from modelmint._ape_compat import patch_process_start_timeout, patch_source_listing

patch_source_listing()
patch_process_start_timeout()
