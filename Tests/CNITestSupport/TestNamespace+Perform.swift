import CNetlinkShim
import Foundation

extension TestNamespace {
    /// Runs `body` on a fresh thread that has joined this namespace and returns its result. The thread
    /// is never reused, so no other code ever runs in the wrong namespace. Child processes started from
    /// `body` (iptables-restore, for example) inherit the namespace.
    public func perform<T>(_ body: @escaping () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let nsPath = path
        let work = UncheckedBox(body)
        let thread = Thread {
            defer { done.signal() }
            let fd = open(nsPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                box.result = .failure(CommandError(command: ["open", nsPath], output: .init(status: errno, stdout: "", stderr: "open failed", stdoutBytes: [])))
                return
            }
            defer { close(fd) }
            guard cni_setns(fd, cni_clone_newnet()) == 0 else {
                box.result = .failure(CommandError(command: ["setns", nsPath], output: .init(status: errno, stdout: "", stderr: "setns failed", stdoutBytes: [])))
                return
            }
            box.result = Result { try work.value() }
        }
        thread.start()
        done.wait()
        return try box.result!.get()
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, Error>?
}

private final class UncheckedBox<V>: @unchecked Sendable {
    let value: V
    init(_ value: V) { self.value = value }
}
