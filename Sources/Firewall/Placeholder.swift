// Placeholder: Firewall is being written.
