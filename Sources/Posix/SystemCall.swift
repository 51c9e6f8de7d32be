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
