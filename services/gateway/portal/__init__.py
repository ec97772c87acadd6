"""The web portal, served by the gateway: pages in Bahasa Indonesia (and English) for media
companies, Kominfo staff, finance and auditors, on the same RPC methods and roles as the API."""
