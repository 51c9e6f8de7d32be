// Firewall: masquerade backends (being written).
