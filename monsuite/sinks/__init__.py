"""Local receivers for Alertmanager's notifications: one HTTP sink (webhook, Slack, PagerDuty, Discord)
and one SMTP sink (email). Both keep every delivery with its arrival time."""
