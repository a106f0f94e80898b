"""Runtimes start (or point at) the components of a stack: docker, process, external."""

RUNTIMES = ("auto", "docker", "process", "external")
