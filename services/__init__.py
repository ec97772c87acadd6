"""SEKLIK's services, one folder each: domain.py → application.py → schemas.py → service.py."""
