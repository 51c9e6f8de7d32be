extension NFTConnection {
    /// How many times ``transact(_:)`` plans and commits before a lost race is an error.
    public static let transactionAttempts = 3

    /// One change as a transaction planned from what the kernel holds now: `plan` reads what it
    /// needs through this connection and returns the batch to commit (and a value to return).
    ///
    /// Between the reading and the commit another process may delete a rule or chain the batch
    /// names (a concurrent DEL or GC of the same attachment); the kernel then refuses the whole
    /// batch with `ENOENT` and nothing changed. Planning again from a fresh reading settles it, so
    /// a "not found" is retried, up to ``transactionAttempts`` plans in all; any other error, and
    /// the last "not found", is thrown. An empty batch commits nothing.
    @discardableResult
    public func transact<T>(_ plan: (NFTConnection) throws(NFTError) -> (batch: NFTBatch, result: T)) throws(NFTError) -> T {
        var attempt = 1
        while true {
            do {
                let (batch, result) = try plan(self)
                try commit(batch)
                return result
            } catch where error.isNotFound && attempt < Self.transactionAttempts {
                attempt += 1
            }
        }
    }

    /// ``transact(_:)`` for a change that returns nothing but its batch.
    public func transact(_ plan: (NFTConnection) throws(NFTError) -> NFTBatch) throws(NFTError) {
        try transact { (connection) throws(NFTError) in (batch: try plan(connection), result: ()) }
    }
}
