"""Alertmanager routing proven per case: which receivers a label set reaches (in order), which alerts
an inhibition suppresses, which a silence mutes; through amtool and through a live Alertmanager."""
