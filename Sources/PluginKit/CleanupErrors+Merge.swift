extension CleanupErrors {
    /// Takes over the failures of `other`, for steps that ran on another thread with their own
    /// collector (see ``ConcurrentStep``).
    public mutating func append(contentsOf other: CleanupErrors) {
        for failure in other.failures {
            run(failure.step) { () throws in throw failure.error }
        }
    }
}
