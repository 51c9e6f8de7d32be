import Glibc
import SystemPackage

extension FileDescriptor {
    /// Reads to the end of the file (or pipe), or until `limit` bytes are read, retrying short
    /// reads and `EINTR`. A plugin's stdin, a lease, a cached result.
    public func readAll(limit: Int = .max) throws(Errno) -> [UInt8] {
        var out: [UInt8] = []
        // Only read(2) writes it, and only what it wrote is copied out: not zero-filled.
        let size = min(16384, max(limit, 1))
        var buffer = [UInt8](unsafeUninitializedCapacity: size) { _, count in count = size }
        while out.count < limit {
            let wanted = min(buffer.count, limit - out.count)
            let n = try retryingInterrupts { buffer.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, wanted) } }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    // The writes below call libc directly rather than swift-system's `writeAll`, `resize` and
    // `close`: those return a `Result<_, Errno>` inside, and instantiating that generic type at run
    // time scans every protocol conformance of the binary (~100k instructions at each plugin exec).

    /// Writes all of `bytes`, retrying short writes and `EINTR`.
    public func writeAll(_ bytes: [UInt8]) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let n = try retryingInterrupts {
                bytes.withUnsafeBytes { Glibc.write(rawValue, $0.baseAddress! + offset, $0.count - offset) }
            }
            guard n > 0 else { throw .ioError }
            offset += n
        }
    }

    /// Overwrites the file from offset 0 with `bytes` and cuts it to their length, in place (no
    /// new inode, no `O_TRUNC`: allocating blocks or inodes is the slow part of a small write).
    /// Not atomic: for files whose integrity is checked otherwise, or that are only a hint.
    public func replaceContents(with bytes: [UInt8]) throws(Errno) {
        var offset = 0
        while offset < bytes.count {
            let n = try retryingInterrupts {
                bytes.withUnsafeBytes { Glibc.pwrite(rawValue, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            }
            guard n > 0 else { throw .ioError }
            offset += n
        }
        try truncate(to: bytes.count)
    }

    /// `ftruncate(2)`: the file cut (or extended with zeros) to `length` bytes.
    public func truncate(to length: Int) throws(Errno) {
        _ = try retryingInterrupts { ftruncate(rawValue, off_t(length)) }
    }

    /// `fsync(2)`: the file's data and metadata reach the disk.
    public func sync() throws(Errno) {
        _ = try retryingInterrupts { Glibc.fsync(rawValue) }
    }

    /// `fstat(2)`.
    public func status() throws(Errno) -> Glibc.stat {
        var st = Glibc.stat()
        _ = try retryingInterrupts { fstat(rawValue, &st) }
        return st
    }

    /// Blocks until this process holds the file's exclusive lock (`flock(fd, LOCK_EX)`), which
    /// lasts until the descriptor is closed. Cooperates with Go's `filemutex`, which the reference
    /// plugins lock with.
    public func lockExclusive() throws(Errno) {
        _ = try retryingInterrupts { flock(rawValue, LOCK_EX) }
    }

    /// Sets only the modification time of the file or directory (`futimens`, atime left as is).
    public func setModificationTime(_ time: timespec) throws(Errno) {
        var times = [timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2 /* UTIME_OMIT */), time]
        _ = try retryingInterrupts { futimens(rawValue, &times) }
    }

    /// Closes the descriptor, ignoring errors (a close after a finished read or write).
    public func closeQuietly() {
        _ = Glibc.close(rawValue)
    }
}
