import CNI

/// DEL is best-effort: every step runs even when an earlier one failed, and the failures are
/// reported together at the end (as netavark's teardown collects them).
///
/// ```swift
/// var errors = CleanupErrors()
/// errors.run("delete veth") { try VethPair.delete(named: ifName, in: container) }
/// errors.run("release IPAM") { try context.ipam.execDel() }
/// try errors.throwIfAny()
/// ```
public struct CleanupErrors {
    public private(set) var failures: [(step: String, error: any Error)] = []

    public init() {}

    /// Runs `body`; a thrown error is remembered under `step` instead of propagating.
    @discardableResult
    public mutating func run<T>(_ step: String, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            failures.append((step, error))
            return nil
        }
    }

    public var isEmpty: Bool { failures.isEmpty }

    /// Throws one error naming every failed step. A single failure keeps its CNI code.
    public func throwIfAny() throws {
        guard let first = failures.first else { return }
        if failures.count == 1 {
            let e = CNIError(first.error)
            throw CNIError(e.code, "\(first.step): \(e.msg)", details: e.details)
        }
        let text = failures.map { "\($0.step): \(CNIError($0.error).msg)" }.joined(separator: "; ")
        throw CNIError(.internal, text)
    }
}
