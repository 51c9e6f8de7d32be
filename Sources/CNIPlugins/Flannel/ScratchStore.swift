import Glibc

/// The delegate configs flannel keeps under `dataDir`, one file per container ID (the
/// reference's "scratch netconf"): written on ADD, read back and removed by DEL, so that DEL
/// tears down exactly what ADD set up even after the subnet file changed.
///
/// File access is kept to these few calls on purpose (to move onto a shared POSIX layer).
struct ScratchStore {
    var directory: String

    func path(_ containerID: String) -> String { directory + "/" + containerID }

    /// Writes `bytes` (directory 0700, file 0600, synced before returning).
    func save(_ bytes: [UInt8], for containerID: String) throws(FlannelError) {
        try makeDirectories(directory)
        let file = path(containerID)
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Self.failure("open", file) }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Self.failure("write", file) }
            written += n
        }
        guard fsync(fd) == 0 else { throw Self.failure("sync", file) }
    }

    /// The stored bytes; nil when there are none.
    func load(_ containerID: String) throws(FlannelError) -> [UInt8]? {
        let file = path(containerID)
        do {
            return try Self.read(file)
        } catch {
            if error == .noSuchFileOrDirectory { return nil }
            throw FlannelError(.io, "read \(file): \(error.text)")
        }
    }

    /// A whole file (the stored configs, the subnet file).
    static func read(_ file: String) throws(FileErrno) -> [UInt8] {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileErrno(errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw FileErrno(errno) }
            if n == 0 { return out }
            out += buffer[..<n]
        }
    }

    /// Removes the stored config (already gone is fine).
    func remove(_ containerID: String) throws(FlannelError) {
        guard unlink(path(containerID)) == 0 || errno == ENOENT else { throw Self.failure("remove", path(containerID)) }
    }

    /// The container IDs with a stored config.
    func containerIDs() -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." && !name.hasPrefix(".") { out.append(name) }
        }
        return out.sorted()
    }

    private func makeDirectories(_ path: String) throws(FlannelError) {
        var prefix = ""
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { throw Self.failure("mkdir", prefix) }
        }
    }

    private static func failure(_ operation: String, _ path: String) -> FlannelError {
        FlannelError(.io, "\(operation) \(path): \(FileErrno(errno).text)")
    }
}

/// An errno from a file call, with the text Go prints for it.
struct FileErrno: Error, Equatable {
    var code: Int32
    init(_ code: Int32) { self.code = code }
    static let noSuchFileOrDirectory = FileErrno(ENOENT)
    var text: String { String(cString: strerror(code)).lowercased() }
}
