import Glibc

/// One blocking step run on its own short-lived thread while the caller does independent work;
/// ``join()`` waits for it and hands back its result or error.
///
/// For kernel calls that block for long without using the CPU, such as deleting a veth pair
/// (`RTM_DELLINK` waits ~10–30 ms in `rcu_barrier`), overlapped with exec'ing iptables-restore.
/// The thread is created from the caller's thread and never calls `setns`, so it runs in the
/// caller's namespaces; the step must only use objects the caller leaves alone until `join()`
/// (a netlink socket of its own, for example). Not a scheduler: one thread per step, joined
/// before the plugin exits, so plugins stay synchronous programs.
///
/// ```swift
/// let removal = ConcurrentStep { try container.netlink.deleteLink(link) }
/// try masquerade.teardown(attachment)        // meanwhile, on this thread
/// try removal.join()
/// ```
public final class ConcurrentStep<T> {
    private let box: ResultBox
    private var thread = pthread_t()
    private var joined = false

    /// Starts `body` on a new thread (or runs it right away if no thread can be created).
    public init(_ body: @escaping () throws -> T) {
        let box = ResultBox()
        self.box = box
        let job = StepJob { box.result = Result { try body() } }
        let pointer = Unmanaged.passRetained(job).toOpaque()
        let created = pthread_create(&thread, nil, { raw in
            Unmanaged<StepJob>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, pointer)
        if created != 0 {
            Unmanaged<StepJob>.fromOpaque(pointer).release()
            job.run()
            joined = true
        }
    }

    /// Waits for the step and returns its result (rethrowing its error). Call it once, before the
    /// objects the step uses are touched again.
    public func join() throws -> T {
        if !joined {
            // pthread_join also orders the thread's writes before our read of the result.
            pthread_join(thread, nil)
            joined = true
        }
        return try box.result!.get()
    }

    deinit {
        if !joined { pthread_join(thread, nil) }
    }

    private final class ResultBox: @unchecked Sendable {
        var result: Result<T, any Error>?
    }
}

/// The closure handed to the thread; the caller waits in `pthread_join` before reading anything
/// it wrote, so nothing touches it concurrently.
private final class StepJob: @unchecked Sendable {
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}
