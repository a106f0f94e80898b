"""Configuration as it is deployed: plain files, multi-document streams as `helm template` and `kubectl
get -o yaml` print them, Prometheus Operator and grafana-operator objects, Mimir/Cortex ruler namespace
files. Each is unwrapped into the plain files Prometheus, promtool, Alertmanager and Grafana read, and
every unwrapped file remembers where it came from (file, object, line) for what is printed about it."""
