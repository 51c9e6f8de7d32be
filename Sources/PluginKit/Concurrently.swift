import Glibc

/// Two independent steps of one verb at the same time: `background` on a fresh pthread,
/// `foreground` on the calling thread, and both waited for.
///
/// For kernel work that mostly sleeps: deleting a veth waits for RCU grace periods (~15 ms), as
/// does deleting a chain in an nftables commit, and a delegate exec waits for its child. DEL can
/// overlap them:
///
/// ```swift
/// let (link, rules) = Concurrently.run(
///     { try VethPair.delete(named: ifName, in: container) },   // its own thread
///     { try masquerade.teardown(attachment) })                  // this thread
/// ```
///
/// The two closures must not share mutable state or a non-thread-safe object (a `NetworkStack`
/// belongs to one of them). The new thread never changes namespace itself (namespace work inside
/// `background` goes through `NetworkNamespace.perform`, which uses threads of its own), and it
/// ends before `run` returns. No Dispatch, no Swift concurrency: plugins stay synchronous.
///
/// Keep every child process on one side: the delegate invoker marks its pipes close-on-exec
/// just after creating them, and a child spawned from the other thread in that instant would
/// hold them open until it exits. Netlink sockets and namespace descriptors are opened
/// close-on-exec atomically, so netlink work may run beside a spawn.
public enum Concurrently {
    /// Runs both and returns both outcomes; a thread that cannot be started runs `background`
    /// after `foreground` on the calling thread instead.
    public static func run<A, B>(
        _ background: () throws -> A, _ foreground: () throws -> B
    ) -> (background: Result<A, any Error>, foreground: Result<B, any Error>) {
        withoutActuallyEscaping(background) { escapable in
            let job = Job<A>(escapable)
            let pointer = Unmanaged.passRetained(job).toOpaque()
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { raw in
                Unmanaged<AnyJob>.fromOpaque(raw!).takeRetainedValue().execute()
                return nil
            }, pointer) == 0
            if !started { Unmanaged<AnyJob>.fromOpaque(pointer).release() }
            let second = Result { try foreground() }
            if started {
                // pthread_join also orders the thread's writes before we read its result.
                pthread_join(thread, nil)
            } else {
                job.execute()
            }
            return (job.result!, second)
        }
    }

    private class AnyJob: @unchecked Sendable {
        func execute() {}
    }

    /// The closure handed to the thread and its outcome; the caller reads the outcome only after
    /// `pthread_join`, so nothing touches it concurrently.
    private final class Job<T>: AnyJob, @unchecked Sendable {
        let work: () throws -> T
        var result: Result<T, any Error>?
        init(_ work: @escaping () throws -> T) { self.work = work }
        override func execute() { result = Result { try work() } }
    }
}
