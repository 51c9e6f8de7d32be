// Placeholder: CNIRuntime is being written.
