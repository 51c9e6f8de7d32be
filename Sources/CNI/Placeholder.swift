// Placeholder: CNI is being written.
