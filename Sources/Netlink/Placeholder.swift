// Placeholder: Netlink is being written.
