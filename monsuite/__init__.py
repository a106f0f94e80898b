"""monsuite: prove with measurements that a monitoring stack does its job."""

__version__ = "0.1.0"
