import CNI
import Glibc
import SystemPackage

/// The few file operations the runtime needs, on plain POSIX calls (no Foundation), with errors
/// worded as Go words them (`open /x: no such file or directory`) since they end up in messages
/// that mirror libcni's.
enum FileSystem {
    struct Failure: Error, CustomStringConvertible {
        var errno: Int32
        var description: String
    }

    static func failure(_ op: String, _ path: String, _ code: Int32 = errno) -> Failure {
        Failure(errno: code, description: "\(op) \(path): \(Errno(rawValue: code).goDescription)")
    }

    /// Entries of `directory` (no `.`/`..`) with whether each is a directory, sorted bytewise
    /// like Go's `os.ReadDir`. nil when the directory does not exist.
    static func listDirectory(_ directory: String) throws(Failure) -> [(name: String, isDirectory: Bool)]? {
        guard let dir = opendir(directory) else {
            if errno == ENOENT { return nil }
            throw failure("open", directory)
        }
        defer { closedir(dir) }
        var out: [(name: String, isDirectory: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var st = stat()
                isDirectory = lstat(directory + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            }
            out.append((name, isDirectory))
        }
        return out.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
    }

    /// The whole file, or nil when it does not exist.
    static func readFile(_ path: String) throws(Failure) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        defer { close(fd) }
        do {
            return try FileDescriptorIO.readAll(fd)
        } catch {
            throw failure("read", path, error.rawValue)
        }
    }

    /// Writes `bytes` to `path` with `mode` through a temporary file and a rename, so a reader
    /// never sees half a file (libcni truncates in place; the bytes that end up there are the same).
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(Failure) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("open", temporary) }
        var failed: Failure?
        do {
            try FileDescriptorIO.writeAll(bytes, to: fd)
        } catch {
            failed = failure("write", temporary, error.rawValue)
        }
        if failed == nil && fsync(fd) != 0 { failed = failure("sync", temporary) }
        close(fd)
        if failed == nil && rename(temporary, path) != 0 { failed = failure("rename", path) }
        if let failed {
            unlink(temporary)
            throw failed
        }
    }

    /// `mkdir -p` with `mode` for the directories it creates (Go's `os.MkdirAll`).
    static func makeDirectories(_ path: String, mode: mode_t) throws(Failure) {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw failure("mkdir", path, ENOTDIR) }
            return
        }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]), mode: mode)
        }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw failure("mkdir", path) }
    }

    /// Removes a file; true if it existed.
    @discardableResult
    static func remove(_ path: String) throws(Failure) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw failure("remove", path)
    }

    /// The process's working directory.
    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
