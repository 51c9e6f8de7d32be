/// The undo steps of an ADD: register one right after each side effect succeeds; if the ADD does
/// not reach ``commit()``, they run in reverse order (the reference bridge's `success` flag with
/// deferred cleanups). Undo failures are swallowed: the ADD's own error is what the runtime sees.
///
/// ```swift
/// let rollback = Rollback()
/// defer { rollback.runIfNeeded() }
/// let result = try context.ipam.execAdd()
/// rollback.add { try context.ipam.execDel() }
/// ...
/// rollback.commit()
/// ```
public final class Rollback {
    private var steps: [() throws -> Void] = []
    private var committed = false

    public init() {}

    /// Registers an undo step.
    public func add(_ step: @escaping () throws -> Void) { steps.append(step) }

    /// The ADD succeeded: nothing will be undone.
    public func commit() { committed = true }

    /// Undoes everything registered, newest first, unless committed.
    public func runIfNeeded() {
        guard !committed else { return }
        for step in steps.reversed() { try? step() }
        steps.removeAll()
    }
}
