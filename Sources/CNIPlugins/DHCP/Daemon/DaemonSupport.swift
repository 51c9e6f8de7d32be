import Glibc
import Synchronization

/// The daemon's log: Go's `log` format (`2006/01/02 15:04:05 message`) on stderr, where systemd's
/// journal or the caller's redirection picks it up.
enum DaemonLog {
    private static let lock = Mutex(())

    static func print(_ message: String) {
        var now = time(nil)
        var parts = tm()
        localtime_r(&now, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let stamp = "\(parts.tm_year + 1900)/\(two(parts.tm_mon + 1))/\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
        let line = Array("\(stamp) \(message)\n".utf8)
        lock.withLock { _ in
            var done = 0
            while done < line.count {
                let n = line[done...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                done += n
            }
        }
    }
}

/// A long-lived thread of the daemon (a connection, a lease's maintenance). It never changes
/// namespace: work inside a container's namespace goes through `NetworkNamespace.perform`,
/// which uses a fresh thread of its own.
enum DaemonThread {
    static func start(_ body: @escaping @Sendable () -> Void) {
        final class Job: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let pointer = Unmanaged.passRetained(Job(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attributes) }
        var thread = pthread_t()
        let created = pthread_create(&thread, &attributes, { raw in
            Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, pointer)
        if created != 0 {
            Unmanaged<Job>.fromOpaque(pointer).release()
            DaemonLog.print("cannot start a thread: \(errnoText(created))")
        }
    }
}

/// A one-shot event others can wait for (a lease's maintenance has ended).
final class Latch: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var done = false

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func open() {
        pthread_mutex_lock(&mutex)
        done = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    func wait() {
        pthread_mutex_lock(&mutex)
        while !done { pthread_cond_wait(&condition, &mutex) }
        pthread_mutex_unlock(&mutex)
    }
}

/// Serialises the operations on one key (a lease's client ID) while other keys go on: two
/// requests for one attachment never acquire twice, and a slow server for one container does
/// not hold up another's.
final class KeyedLocks: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var busy: Set<String> = []

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func withLock<T>(_ key: String, _ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        while busy.contains(key) { pthread_cond_wait(&condition, &mutex) }
        busy.insert(key)
        pthread_mutex_unlock(&mutex)
        defer {
            pthread_mutex_lock(&mutex)
            busy.remove(key)
            pthread_cond_broadcast(&condition)
            pthread_mutex_unlock(&mutex)
        }
        return try body()
    }
}
