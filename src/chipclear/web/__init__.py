"""The web console: server-rendered Jinja2 pages with htmx; every asset ships in ``static/`` (no CDN)."""
