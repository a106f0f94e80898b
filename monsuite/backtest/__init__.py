"""What alerting rules would have done over recorded history: evaluated against a real Prometheus with the
rule manager's own `for` and `keep_firing_for` semantics."""
