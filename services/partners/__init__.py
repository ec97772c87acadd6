"""partners: media companies, their yearly registration, documents, journalists and standing."""
