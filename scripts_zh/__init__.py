"""Every user-facing Chinese sentence (Jinja2 templates) and keyword lexicons (YAML data)."""
