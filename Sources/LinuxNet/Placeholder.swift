// Placeholder: LinuxNet is being written.
