"""reporting: audit-ready views rebuilt from the other services' events alone."""
