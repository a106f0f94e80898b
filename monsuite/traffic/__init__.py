"""Synthetic background traffic for the demo service: a steady, open-loop request stream.

It runs as a stack component, so the service's metrics have a baseline from the start (rates,
histograms, execution volume) and scenarios can change the stream through a small control API.
Bounded: it stops after --max-seconds and --max-requests, and only ever targets 127.0.0.1.
"""
