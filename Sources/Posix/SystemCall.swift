import Glibc
import SystemPackage

/// Runs a system call that returns -1 with `errno` set on failure, again while it fails with
/// `EINTR` (a signal arrived: an flock wait, a slow read), and returns its result.
@inline(__always)
func retryingInterrupts<T: BinaryInteger>(_ call: () -> T) throws(Errno) -> T {
    while true {
        let result = call()
        if result >= 0 { return result }
        let error = Errno(rawValue: errno)
        if error != .interrupted { throw error }
    }
}

/// Runs a swift-system call (which throws `Errno` untyped) with its failure typed.
@inline(__always)
func system<T>(_ call: () throws -> T) throws(Errno) -> T {
    do {
        return try call()
    } catch let error as Errno {
        throw error
    } catch {
        throw .ioError
    }
}
