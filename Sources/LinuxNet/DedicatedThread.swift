import Glibc
import SystemPackage

/// Runs a closure on a new pthread and waits for it: the thread is never reused, so a `setns`
/// made on it can never leak into other code (Swift has no `LockOSThread`; any thread the caller
/// shares may run unrelated work later).
enum DedicatedThread {
    /// Runs `body` on a fresh joinable thread and returns its result. The calling thread blocks
    /// until the new one ends, so `body` may use the caller's state without synchronisation.
    static func run<T>(_ body: () throws -> T) throws -> T {
        var result: Result<T, any Error>?
        try start { result = Result { try body() } }
        return try result!.get()
    }

    private static func start(_ work: () -> Void) throws {
        try withoutActuallyEscaping(work) { escapable in
            let pointer = Unmanaged.passRetained(Job(escapable)).toOpaque()
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { raw in
                Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().work()
                return nil
            }, pointer)
            guard created == 0 else {
                Unmanaged<Job>.fromOpaque(pointer).release()
                throw NamespaceError(
                    .threadFailed, path: "", message: "cannot start a thread to enter a namespace", cause: Errno(rawValue: created))
            }
            // pthread_join also orders the thread's writes before the caller reads the result.
            pthread_join(thread, nil)
        }
    }

    /// The closure handed to the thread. The caller is blocked in `pthread_join` while the
    /// thread runs it, so nothing touches it concurrently.
    private final class Job: @unchecked Sendable {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }
}
