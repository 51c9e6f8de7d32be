import Glibc
import SystemPackage

/// Whole-buffer reads and writes on a file descriptor, retrying short transfers and EINTR (no
/// Foundation): a plugin's stdin and stdout, the runtime's files, host-local's leases.
public enum FileDescriptorIO {
    /// Reads `fd` to its end, or until `limit` bytes are read.
    public static func readAll(_ fd: Int32, limit: Int = .max) throws(Errno) -> [UInt8] {
        var out: [UInt8] = []
        // Only read(2) writes it, and only what it wrote is copied out: not zero-filled.
        var buffer = [UInt8](unsafeUninitializedCapacity: 16384) { _, count in count = 16384 }
        while out.count < limit {
            let wanted = min(buffer.count, limit - out.count)
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if n > 0 {
                out.append(contentsOf: buffer[0..<n])
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw Errno(rawValue: errno)
            }
        }
        return out
    }

    /// Writes all of `bytes` to `fd`.
    public static func writeAll(_ bytes: [UInt8], to fd: Int32) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw Errno(rawValue: n < 0 ? errno : EIO)
            }
        }
    }

    /// Writes all of `bytes` to `fd`; gives up silently on an error (output is best-effort).
    public static func write(_ bytes: [UInt8], to fd: Int32) {
        try? writeAll(bytes, to: fd)
    }
}
