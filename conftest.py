"""This repository's pytest wiring.

The fixtures in fixtures/ reach pytest through the monsuite plugin (installed as monsuite.fixtures,
entry point pytest11), exactly as they reach users who `pip install monsuite`.
"""
