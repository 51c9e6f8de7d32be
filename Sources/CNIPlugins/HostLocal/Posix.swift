import CNI
import Glibc
import SystemPackage

/// The few file system calls the disk store needs, relative to directory descriptors so that a
/// path is resolved once (no `..` games between check and use). Errors are swift-system `Errno`s;
/// the store adds the path they concern.
enum Posix {
    static func check(_ result: Int32) throws -> Int32 {
        if result >= 0 { return result }
        throw Errno(rawValue: errno)
    }

    /// Runs a call again while it fails with EINTR (flock waits can be interrupted by signals).
    static func retrying(_ call: () -> Int32) throws -> Int32 {
        while true {
            let r = call()
            if r >= 0 { return r }
            if errno != EINTR { throw Errno(rawValue: errno) }
        }
    }

    static func openDirectory(_ path: String) throws -> Int32 {
        try retrying { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    }

    static func openDirectory(at dir: Int32, _ name: String) throws -> Int32 {
        try retrying { openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) }
    }

    static func open(at dir: Int32, _ name: String, _ flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        try retrying { openat(dir, name, flags | O_CLOEXEC | O_NOFOLLOW, mode) }
    }

    static func close(_ fd: Int32) { _ = Glibc.close(fd) }

    /// The whole file, or nil when it does not exist. Reads at most `limit` bytes: a lease is tiny,
    /// and a huge file in a lease's place is garbage whatever it holds.
    static func readFile(at dir: Int32, _ name: String, limit: Int = 64 << 10) throws -> [UInt8]? {
        let fd: Int32
        do { fd = try open(at: dir, name, O_RDONLY) } catch Errno.noSuchFileOrDirectory { return nil }
        defer { close(fd) }
        return try readAll(fd, limit: limit)
    }

    static func readAll(_ fd: Int32, limit: Int) throws -> [UInt8] { try FileDescriptorIO.readAll(fd, limit: limit) }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws { try FileDescriptorIO.writeAll(bytes, to: fd) }

    /// Creates (or truncates) `name` with `bytes`, mode 0600. Not atomic: callers write a scratch
    /// name and then link or rename it into place.
    static func writeFile(at dir: Int32, _ name: String, _ bytes: [UInt8], exclusive: Bool = false) throws {
        let flags = O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC)
        let fd = try open(at: dir, name, flags, mode: 0o600)
        defer { close(fd) }
        // O_CREAT applies the umask; a lease must be 0600 whatever the runtime's umask.
        _ = fchmod(fd, 0o600)
        try writeAll(fd, bytes)
    }

    /// Overwrites `name` in place (created if missing, unless `create` is false), then cuts it to
    /// length. Not atomic: used for files whose integrity is checked by a hash (the cache) or that
    /// the reference itself treats as a hint (`last_reserved_ip.N`). Avoiding O_TRUNC and new
    /// inodes matters: allocating blocks or inodes is the slow part of a small write.
    static func replaceContents(at dir: Int32, _ name: String, _ bytes: [UInt8]) throws {
        let fd = try open(at: dir, name, O_WRONLY | O_CREAT, mode: 0o600)
        defer { close(fd) }
        // Also tightens a file an older reference wrote 0644 (last_reserved_ip.N).
        _ = fchmod(fd, 0o600)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            offset += n
        }
        _ = try retrying { ftruncate(fd, off_t(bytes.count)) }
    }

    /// Empties `name` if it exists.
    static func truncate(at dir: Int32, _ name: String) throws {
        let fd: Int32
        do { fd = try open(at: dir, name, O_WRONLY) } catch Errno.noSuchFileOrDirectory { return }
        defer { close(fd) }
        _ = try retrying { ftruncate(fd, 0) }
    }

    /// Hard-links `from` to `to`; false when `to` exists. The atomic "create if absent with this
    /// content" that O_EXCL gives only for an empty file.
    static func link(at fromDir: Int32, _ from: String, to toDir: Int32, _ to: String) throws -> Bool {
        do {
            _ = try retrying { linkat(fromDir, from, toDir, to, 0) }
            return true
        } catch Errno.fileExists {
            return false
        }
    }

    static func rename(at fromDir: Int32, _ from: String, to toDir: Int32, _ to: String) throws {
        _ = try retrying { renameat(fromDir, from, toDir, to) }
    }

    /// False when there was nothing to remove.
    @discardableResult
    static func unlink(at dir: Int32, _ name: String) throws -> Bool {
        do {
            _ = try retrying { unlinkat(dir, name, 0) }
            return true
        } catch Errno.noSuchFileOrDirectory {
            return false
        }
    }

    /// Creates a directory unless it exists.
    static func makeDirectory(at dir: Int32, _ name: String, mode: mode_t) throws {
        do { _ = try retrying { mkdirat(dir, name, mode) } } catch Errno.fileExists {}
    }

    /// `mkdir -p` for an absolute or relative path; components that exist are left as they are.
    static func makeDirectories(_ path: String, mode: mode_t) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            do { _ = try retrying { mkdir(prefix, mode) } } catch Errno.fileExists {}
            prefix += "/"
        }
    }

    static func status(_ fd: Int32) throws -> stat {
        var st = stat()
        _ = try check(fstat(fd, &st))
        return st
    }

    static func status(at dir: Int32, _ name: String) throws -> stat? {
        var st = stat()
        do { _ = try check(fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW)) } catch Errno.noSuchFileOrDirectory { return nil }
        return st
    }

    /// Blocks until this process holds `fd`'s exclusive flock (go-filemutex's Lock).
    static func lockExclusive(_ fd: Int32) throws {
        _ = try retrying { flock(fd, LOCK_EX) }
    }

    /// Sets only the modification time of the file or directory `fd` refers to.
    static func setModificationTime(_ fd: Int32, _ time: timespec) throws {
        var times = [timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2 /* UTIME_OMIT */), time]
        _ = try check(futimens(fd, &times))
    }

    /// The clock the kernel stamps files with (before multigrain timestamps refine it).
    static func coarseRealtime() -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        return ts
    }

    struct DirectoryEntry {
        var name: String
        var isDirectory: Bool
    }

    /// Every entry of the directory `fd` but `.` and `..`, in directory order.
    static func listDirectory(_ fd: Int32) throws -> [DirectoryEntry] {
        let copy = try check(dup(fd))
        guard let dir = fdopendir(copy) else {
            let e = Errno(rawValue: errno)
            close(copy)
            throw e
        }
        defer { closedir(dir) }
        rewinddir(dir)
        var out: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw Errno(rawValue: errno) }
                return out
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            out.append(DirectoryEntry(name: name, isDirectory: entry.pointee.d_type == UInt8(DT_DIR)))
        }
    }
}
