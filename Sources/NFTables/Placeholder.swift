// Placeholder: NFTables is being written.
